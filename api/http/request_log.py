"""One log line and one latency sample per HTTP request, under a request id the caller can follow.

The id is the caller's `X-Request-ID` when it sends a usable one (letters, digits and `-_.:`, at most 128
characters: anything else could forge log lines), otherwise a new random one; either way it comes back in the
answer's `X-Request-ID` and is on every line written for the request (the request line, the fact lines).
The request line holds the route template, the licence number of the path, the caller's token id, subject
and role (never its secret), the status and the duration. A pure ASGI middleware: no copy of the body.
"""

from __future__ import annotations

import re
import time
from typing import Any
from uuid import uuid4

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logs import bind_request, clear_request, logger
from api.metrics import REQUEST_DURATION

REQUEST_ID_HEADER = "x-request-id"
_USABLE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def request_id_of(scope: Scope) -> str:
    """The caller's request id when it is usable, else a fresh one."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            candidate = bytes(value).decode("latin-1").strip()
            if _USABLE_ID.fullmatch(candidate):
                return candidate
            break
    return uuid4().hex


def caller_of(scope: Scope) -> dict[str, Any]:
    """Who called, as the authentication found it (nothing for unauthenticated requests)."""
    principal = (scope.get("state") or {}).get("principal")
    if principal is None:
        return {}
    return {"token_id": principal.token_id, "subject": principal.subject, "role": principal.role.value}


def route_of(scope: Scope) -> str:
    """The matched route's template (`/licences/{number}/balance`), or `unmatched` for unknown paths."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestLog:
    """Wraps the application: request id in and out, then the request line and the latency sample."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        bind_request(request_id=request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", ()), (REQUEST_ID_HEADER.encode(), request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration = time.perf_counter() - started
            route = route_of(scope)
            REQUEST_DURATION.labels(method=scope["method"], route=route, status=str(status)).observe(duration)
            fields = {"method": scope["method"], "route": route, "path": scope["path"],
                      "licence": (scope.get("path_params") or {}).get("number"), "status": status,
                      "duration_ms": round(duration * 1000, 2), **caller_of(scope)}
            logger().info("request", **{key: value for key, value in fields.items() if value is not None})
            clear_request()
