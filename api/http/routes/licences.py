"""Writing a licence's facts: create the licence, then record offences, stages, letters, annulments,
surrenders and reissues. Each route turns the body into a `ledger.facts` value (recorded by the token's
subject, at `api.clock.now_utc()`) and hands it to the ledger, which checks it and appends one event.

Status: 201 when a new event was written; 200 when the same evidence reference and content were already
recorded — the original fact's id and the current version come back with `created: false`, nothing written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Response

from api.http.auth import AuthenticatedRoute, Principal, Role, require_roles, stage_agrement
from api.http.deps import LedgerDep, LicenceNumber, Now
from api.http.errors import CONFLICT, ERROR_RESPONSES, NOT_FOUND
from api.http.schemas import (
    AnnulmentRecord,
    LetterRecord,
    LicenceCreate,
    OffenceRecord,
    RecordedResponse,
    ReissueRecord,
    StageRecord,
    SurrenderRecord,
)
from ledger.application import PointsLedger, Recorded
from ledger.facts import LegalFact

router = APIRouter(tags=["licences"], responses=ERROR_RESPONSES, route_class=AuthenticatedRoute)

Prefecture = Annotated[Principal, Depends(require_roles(Role.PREFECTURE))]
Organiser = Annotated[Principal, Depends(require_roles(Role.ORGANISER))]

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": RecordedResponse,
          "description": "Already recorded (same evidence reference and content): the original result, "
                         "`created: false`, nothing written."},
    201: {"description": "Recorded: a new event, `created: true`."},
    **CONFLICT,
}
FACT_RESPONSES = {**WRITE_RESPONSES, **NOT_FOUND}


class _FactBody(Protocol):
    def to_fact(self, recorded_at: datetime, recorded_by: str) -> LegalFact: ...


def _answer(recorded: Recorded, response: Response) -> RecordedResponse:
    if not recorded.created:
        response.status_code = 200
    return RecordedResponse(licence_number=recorded.licence_number, fact_id=recorded.fact_id,
                            version=recorded.version, created=recorded.created)


def _record(ledger: PointsLedger, number: str, body: _FactBody, principal: Principal, now: datetime,
            response: Response) -> RecordedResponse:
    """The body as a fact recorded by the token's subject now, handed to the ledger; the answer's status."""
    return _answer(ledger.record(number, body.to_fact(now, principal.subject)), response)


@router.post("/licences", status_code=201, responses=WRITE_RESPONSES, summary="Create a licence")
def create_licence(body: LicenceCreate, principal: Prefecture, ledger: LedgerDep, now: Now,
                   response: Response) -> RecordedResponse:
    """Open a licence's stream (prefecture). The same number and content again returns the first recording."""
    return _answer(ledger.create_licence(body.to_fact(now, principal.subject)), response)


@router.post("/licences/{number}/offences", status_code=201, responses=FACT_RESPONSES,
             summary="Record an established offence")
def record_offence(number: LicenceNumber, body: OffenceRecord, principal: Prefecture, ledger: LedgerDep,
                   now: Now, response: Response) -> RecordedResponse:
    """An offence whose réalité is established (prefecture)."""
    return _record(ledger, number, body, principal, now, response)


@router.post("/licences/{number}/stages", status_code=201, responses=FACT_RESPONSES,
             summary="Record a completed stage")
def record_stage(number: LicenceNumber, body: StageRecord, principal: Organiser, ledger: LedgerDep,
                 now: Now, response: Response) -> RecordedResponse:
    """A stage attended in full (organiser, under its own agrément: omit `agrement` or give the token's)."""
    body = body.model_copy(update={"agrement": stage_agrement(principal, body.agrement)})
    return _record(ledger, number, body, principal, now, response)


@router.post("/licences/{number}/letters", status_code=201, responses=FACT_RESPONSES,
             summary="Record a notified letter")
def record_letter(number: LicenceNumber, body: LetterRecord, principal: Prefecture, ledger: LedgerDep,
                  now: Now, response: Response) -> RecordedResponse:
    """A letter 47, 48, 48M, 48N or 48SI received or first presented (prefecture)."""
    return _record(ledger, number, body, principal, now, response)


@router.post("/licences/{number}/annulments", status_code=201, responses=FACT_RESPONSES,
             summary="Record the annulment of an offence")
def record_annulment(number: LicenceNumber, body: AnnulmentRecord, principal: Prefecture, ledger: LedgerDep,
                     now: Now, response: Response) -> RecordedResponse:
    """A withdrawal annulled from the start (prefecture)."""
    return _record(ledger, number, body, principal, now, response)


@router.post("/licences/{number}/surrenders", status_code=201, responses=FACT_RESPONSES,
             summary="Record the surrender of the licence")
def record_surrender(number: LicenceNumber, body: SurrenderRecord, principal: Prefecture, ledger: LedgerDep,
                     now: Now, response: Response) -> RecordedResponse:
    """The licence handed to the préfecture after a 48SI (prefecture)."""
    return _record(ledger, number, body, principal, now, response)


@router.post("/licences/{number}/reissues", status_code=201, responses=FACT_RESPONSES,
             summary="Record a new licence after an invalidation")
def record_reissue(number: LicenceNumber, body: ReissueRecord, principal: Prefecture, ledger: LedgerDep,
                   now: Now, response: Response) -> RecordedResponse:
    """A new licence obtained after an invalidation (prefecture)."""
    return _record(ledger, number, body, principal, now, response)
