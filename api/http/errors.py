"""One error shape for every 4xx: FastAPI's `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`.

Pydantic's validation errors already have it; this module gives the ledger's errors, the auth refusals and
Starlette's own HTTP errors (unknown route, wrong method) the same shape, so a client reads one format:

- `InvalidFact` → 422, `loc` names the request field (`["body", "established_on"]`);
- `ScenarioError` → 422, `loc` names the scenario's event and field;
- `LicenceNotFound` → 404; `LicenceNotYetRecorded` (`known_at` before the licence was recorded) → 404 naming
  `known_at`;
- `LicenceAlreadyExists`, `EvidenceConflict`, `ConcurrencyConflict` → 409;
- `ApiError` (raised by the auth dependencies and routes) → its own status.

Each is raised before anything is saved, so none of these answers follows a write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from eventsourcing import persistence as es_persistence
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.metrics import REFUSALS
from ledger.errors import (
    ChainBroken,
    ConcurrencyConflict,
    EvidenceConflict,
    InvalidFact,
    LicenceAlreadyExists,
    LicenceNotFound,
    LicenceNotYetRecorded,
)
from projections.reconciliation.extract import InvalidExtract
from projections.scenario import ScenarioError

# A store that cannot answer (down, unreachable, locked, out of connections): 503, never a 500. Integrity errors
# are not among them (the ledger turns them into retries or 409s).
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (
    es_persistence.OperationalError, es_persistence.InterfaceError, es_persistence.InternalError,
    psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout, sqlite3.OperationalError,
)

# Names the ledger gives a field → the name of the same field in the request body.
BODY_FIELD_NAMES = {"licence_number": "number"}


class ErrorItem(BaseModel):
    """Where (`loc`: location then field path), what (`msg`) and which kind (`type`)."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(BaseModel):
    """Every error answer of the API."""

    detail: list[ErrorItem]


class ApiError(Exception):
    """A refusal decided at the edge (authentication, role, binding, bad query value)."""

    def __init__(self, status_code: int, loc: Sequence[str | int], msg: str, type_: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(msg)
        self.status_code = status_code
        self.loc = list(loc)
        self.msg = msg
        self.type = type_
        self.headers = dict(headers or {})


def error_response(status_code: int, loc: Sequence[str | int], msg: str, type_: str,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    if 400 <= status_code < 500:
        REFUSALS.labels(reason=type_).inc()
    body = {"detail": [{"loc": list(loc), "msg": msg, "type": type_}]}
    return JSONResponse(body, status_code=status_code, headers=dict(headers or {}))


def body_loc(field: str) -> list[str | int]:
    """`speeding.limit_kmh` → `["body", "speeding", "limit_kmh"]`, with the body's names for the ledger's."""
    return ["body", *(BODY_FIELD_NAMES.get(part, part) for part in field.split("."))]


def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.loc, exc.msg, exc.type, exc.headers)


def _invalid_fact(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidFact)
    return error_response(422, body_loc(exc.field), exc.reason, "invalid_fact")


def _scenario_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ScenarioError)
    return error_response(422, ["body", exc.where, exc.field], exc.reason, "invalid_scenario")


def _not_found(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LicenceNotFound)
    return error_response(404, ["path", "number"], str(exc), "licence_not_found")


def _not_yet_recorded(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LicenceNotYetRecorded)
    return error_response(404, ["query", "known_at"], str(exc), "licence_not_yet_recorded")


def _conflict(_: Request, exc: Exception) -> JSONResponse:
    loc: list[str | int]
    if isinstance(exc, EvidenceConflict):
        loc, kind = ["body", "evidence_ref"], "evidence_conflict"
    elif isinstance(exc, LicenceAlreadyExists):
        loc, kind = ["body", "number"], "licence_exists"
    else:
        loc, kind = ["path", "number"], "concurrency_conflict"
    return error_response(409, loc, str(exc), kind)


MAX_MESSAGE = 300  # characters of an error message: enough to name the problem, never a copy of the input
RETRY_AFTER_SECONDS = 5


def _short(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"


def _loc_part(part: Any) -> str | int:
    if isinstance(part, int) and not isinstance(part, bool):
        return part
    return _short(str(part)).encode("utf-8", "backslashreplace").decode()


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 without the `input` (and `ctx`) it would echo: a megabyte body is not sent back; counted
    as a refusal."""
    assert isinstance(exc, RequestValidationError)
    REFUSALS.labels(reason="validation_error").inc()
    detail = [{"loc": [_loc_part(p) for p in error.get("loc", ())],
               "msg": _short(str(error.get("msg", ""))).encode("utf-8", "backslashreplace").decode(),
               "type": str(error.get("type", "value_error"))} for error in exc.errors()[:MAX_ERRORS]]
    return JSONResponse({"detail": detail}, status_code=422)


MAX_ERRORS = 20


def _store_unavailable(_: Request, exc: Exception) -> JSONResponse:
    """The store cannot be reached or is locked: 503 with Retry-After, nothing was written."""
    return error_response(503, ["store"], "the ledger's store is unavailable; retry later", "store_unavailable",
                          {"Retry-After": str(RETRY_AFTER_SECONDS)})


def _invalid_extract(_: Request, exc: Exception) -> JSONResponse:
    """An uploaded extract found unreadable while it is read (the report is spooled, so nothing was sent yet)."""
    assert isinstance(exc, InvalidExtract)
    return error_response(422, ["body", "extract", f"line {exc.line}", exc.field], _short(exc.reason),
                          "invalid_extract")


def _chain_broken(_: Request, exc: Exception) -> JSONResponse:
    return error_response(409, ["path", "number"], _short(str(exc)), "stream_damaged")


def _http_error(_: Request, exc: Exception) -> JSONResponse:
    """Starlette's and FastAPI's own errors (404 route, 405 method…), reshaped when their detail is a string."""
    assert isinstance(exc, StarletteHTTPException)
    detail: Any = exc.detail
    if isinstance(detail, list):
        if 400 <= exc.status_code < 500:
            REFUSALS.labels(reason="http_error").inc()
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)
    kind = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, ["request"], str(detail), kind, exc.headers)


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(InvalidFact, _invalid_fact)
    app.add_exception_handler(ScenarioError, _scenario_error)
    app.add_exception_handler(LicenceNotFound, _not_found)
    app.add_exception_handler(LicenceNotYetRecorded, _not_yet_recorded)
    for conflict in (EvidenceConflict, LicenceAlreadyExists, ConcurrencyConflict):
        app.add_exception_handler(conflict, _conflict)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ChainBroken, _chain_broken)
    app.add_exception_handler(InvalidExtract, _invalid_extract)
    for unavailable in STORE_UNAVAILABLE:
        app.add_exception_handler(unavailable, _store_unavailable)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No bearer token, or an unknown, malformed or revoked one."},
    403: {"model": ErrorResponse, "description": "The token's role (or binding) does not allow this."},
    413: {"model": ErrorResponse, "description": "The request body is larger than the service accepts."},
    422: {"model": ErrorResponse, "description": "Invalid input: `loc` names the field, `msg` the reason."},
    503: {"model": ErrorResponse, "description": "The store is unavailable: retry after `Retry-After` seconds."},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No licence with this number (or none recorded yet at "
                                                 "`known_at`)."},
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse,
          "description": "The evidence reference already recorded a different fact, the licence number exists "
                         "with other content, or concurrent writes kept winning."},
}
