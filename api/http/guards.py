"""Guards on every request body, app-wide (pure ASGI middleware, so routers added later are covered too).

- **Size.** A JSON (or any non-multipart) body above `max_body_bytes`, or an upload above `max_upload_bytes`, is
  refused with 413 before the route runs: by its `Content-Length`, or as soon as the bytes received pass it.
- **Strict JSON.** Python's parser accepts `NaN`, `Infinity`, numbers such as `1e400` (which become infinite)
  and lone UTF-16 surrogates (`"\\ud800"`), none of which is JSON a client may mean or the store may keep: a JSON
  body holding one is refused with 422 naming where it is (`["body", "points"]`), before any route sees it.
- **Parsed once.** orjson refuses all of those itself, so a body it reads needs no other check, and its value is
  handed to the route (`PARSED_BODY`, `reuse_parsed_body`): FastAPI would otherwise parse the same bytes again
  with Python's parser (a body of 1,000 facts was parsed twice by `json`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request

from api.http.errors import error_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_BODY = 1 << 20  # 1 MiB: a fact or a scenario is a few KiB
DEFAULT_MAX_UPLOAD = 256 << 20  # a préfecture extract of a few million lines


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes its bound: an HTTPException, so FastAPI's body parsing
    lets it through (it turns other errors into 400) and the app's error handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range for a number")
    return value


def _surrogate_path(value: Any, path: list[str | int]) -> list[str | int] | None:
    """Where a lone surrogate sits in a parsed JSON value (a key or a string), or None."""
    if isinstance(value, str):
        return path if _has_surrogate(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if _has_surrogate(key):
                return [*path, key.encode("utf-8", "backslashreplace").decode()]
            found = _surrogate_path(item, [*path, key])
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _surrogate_path(item, [*path, index])
            if found is not None:
                return found
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def json_problem(body: bytes) -> tuple[list[str | int], str] | None:
    """Why a JSON body must be refused before validation (where, why), or None when it is plain JSON.

    A body that is not JSON at all is left to the route (FastAPI answers 422 `json_invalid` itself).
    """
    try:
        value = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except ValueError as error:
        text = str(error)
        if "is not a JSON number" in text or "out of range" in text:
            return ["body"], text.split(":")[0] if ": line" in text else text
        return None
    if body.isascii() and b"\\u" not in body:  # then no string can hold a surrogate: skip the walk
        return None  # (`json.loads` decodes bytes with "surrogatepass", so a non-ASCII body is walked)
    where = _surrogate_path(value, ["body"])
    if where is not None:
        return [str(part) if isinstance(part, str) else part for part in where], \
            "a lone UTF-16 surrogate is not text"
    return None


PARSED_BODY = "points_ledger.parsed_json"  # the scope key of a JSON body's value, parsed by the guard
UNPARSED = object()  # no value to hand over: the route parses the body itself
# orjson reads an integer beyond 64 bits as a float where `json` reads an int: a body with 19 digits in a row
# (somewhere, a string included) is left to the route's own parser.
_LONG_DIGITS = re.compile(rb"\d{19}")


def checked_json(body: bytes) -> tuple[tuple[list[str | int], str] | None, Any]:
    """`json_problem(body)`, and the body's value when it is exactly what `json.loads` (FastAPI's parser)
    would give, else `UNPARSED`.

    orjson refuses every body `json_problem` refuses (NaN and Infinity, a number out of a double's range, a lone
    surrogate escaped or raw), and otherwise reads what `json` reads, but for integers beyond 64 bits; a body it
    cannot read goes the slow way, which says why or leaves it to FastAPI's own error.
    """
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return json_problem(body), UNPARSED
    return None, UNPARSED if _LONG_DIGITS.search(body) else value


def reuse_parsed_body(request: Request) -> None:
    """Give `request` the body's value the guard parsed, so that FastAPI does not parse it again (Starlette's
    `Request.json` returns the value it keeps in `_json`); nothing when the guard handed none over."""
    value = request.scope.get(PARSED_BODY, UNPARSED)
    if value is not UNPARSED:
        request.__dict__["_json"] = value


def _content_type(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return str(value.decode("latin-1")).lower()
    return ""


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyGuard:
    """The ASGI middleware (see the module docstring)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = DEFAULT_MAX_BODY,
                 max_upload_bytes: int = DEFAULT_MAX_UPLOAD) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_upload = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        content_type = _content_type(scope)
        limit = self.max_upload if content_type.startswith("multipart/") else self.max_body
        length = _content_length(scope)
        if length is not None and length > limit:
            await self._too_large(scope, receive, send, limit)
            return
        if "json" in content_type:
            await self._json(scope, receive, send, limit)
            return
        await self._counted(scope, receive, send, limit)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(413, ["body"], f"the request body is larger than {limit} bytes",
                                  "body_too_large", {"Connection": "close"})
        await response(scope, receive, send)

    async def _json(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Read the whole (bounded) JSON body, check it, then hand the same bytes to the app."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, receive, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem, value = checked_json(body) if body else (None, UNPARSED)
        if problem is not None:
            await error_response(422, problem[0], problem[1], "json_not_allowed")(scope, receive, send)
            return
        if value is not UNPARSED:
            scope[PARSED_BODY] = value
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Stream the body through, failing the request as soon as it passes `limit`."""
        size = 0

        async def counting() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting, send)
