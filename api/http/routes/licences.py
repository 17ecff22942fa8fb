"""Writing a licence's facts: create the licence, then record offences, stages, letters, annulments,
surrenders and reissues. Each route turns the body into a `ledger.facts` value (recorded by the token's
subject, at `api.clock.now_utc()`) and hands it to the ledger, which checks it and appends one event.

Status: 201 when a new event was written; 200 when the same evidence reference and content were already
recorded — the original fact's id and the current version come back with `created: false`, nothing written.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from api.http.auth import AuthenticatedRoute, Principal, Role, require_roles, stage_agrement
from api.http.deps import LedgerDep, LicenceNumber, Now
from api.http.errors import CONFLICT, ERROR_RESPONSES, NOT_FOUND
from api.http.fact_bodies import BODIES
from api.http.schemas import RecordedResponse
from ledger import kinds
from ledger.application import Recorded
from ledger.declaration import Kind

router = APIRouter(tags=["licences"], responses=ERROR_RESPONSES, route_class=AuthenticatedRoute)


WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": RecordedResponse,
          "description": "Already recorded (same evidence reference and content): the original result, "
                         "`created: false`, nothing written."},
    201: {"description": "Recorded: a new event, `created: true`."},
    **CONFLICT,
}
FACT_RESPONSES = {**WRITE_RESPONSES, **NOT_FOUND}


def _answer(recorded: Recorded, response: Response) -> RecordedResponse:
    if not recorded.created:
        response.status_code = 200
    return RecordedResponse(licence_number=recorded.licence_number, fact_id=recorded.fact_id,
                            version=recorded.version, created=recorded.created)


def _create_licence(body: Any, principal: Principal, ledger: LedgerDep, now: Now,
                    response: Response) -> RecordedResponse:
    """Open a licence's stream (prefecture). The same number and content again returns the first recording."""
    return _answer(ledger.create_licence(body.to_fact(now, principal.subject)), response)


def _record_fact(number: LicenceNumber, body: Any, principal: Principal, ledger: LedgerDep, now: Now,
                 response: Response) -> RecordedResponse:
    """Record a fact on a licence; an organiser records under its own agrément (omit `agrement` or give the
    token's, 403 otherwise)."""
    if principal.role is Role.ORGANISER:
        body = body.model_copy(update={"agrement": stage_agrement(principal, body.agrement)})
    return _answer(ledger.record(number, body.to_fact(now, principal.subject)), response)


def _add_write_route(kind: Kind[Any], path: str, write: Callable[..., RecordedResponse]) -> None:
    """The write route of a kind of fact: its generated body (`api.http.fact_bodies`), the role that records
    it, its summary and description from the declaration (`ledger.kinds`)."""

    def route(*args: Any, **kwargs: Any) -> RecordedResponse:
        return write(*args, **kwargs)

    route.__signature__ = inspect.signature(write).replace(  # type: ignore[attr-defined]
        parameters=[_typed(p, kind) for p in inspect.signature(write).parameters.values()])
    route.__name__ = "create_licence" if kind is kinds.LICENCE else f"record_{kind.name}"
    route.__doc__ = f"{kind.fact.__doc__}\n\nRecorded by: {kind.recorder}. Evidence: {kind.evidence}."
    router.add_api_route(path, route, methods=["POST"], status_code=201, summary=kind.summary,
                         responses=WRITE_RESPONSES if kind is kinds.LICENCE else FACT_RESPONSES,
                         response_model=RecordedResponse)


def _typed(parameter: inspect.Parameter, kind: Kind[Any]) -> inspect.Parameter:
    """The body's parameter typed by the kind's model, the caller's by the kind's recording role."""
    if parameter.name == "body":
        return parameter.replace(annotation=BODIES[kind.name])
    if parameter.name == "principal":
        return parameter.replace(annotation=Annotated[Principal, Depends(require_roles(Role(kind.recorder)))])
    return parameter


_add_write_route(kinds.LICENCE, "/licences", _create_licence)
for _kind in kinds.FACT_KINDS:
    _add_write_route(_kind, f"/licences/{{number}}/{_kind.route}", _record_fact)
