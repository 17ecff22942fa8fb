"""Recording many facts in one call: `POST /facts:batch`, one answer per fact, one transaction for all of them.

Each fact is the body its single route takes (`POST /licences/{number}/offences`, `/letters`, …), validated by the
same request model and recorded by `PointsLedger.record_many` with the same checks, idempotency and retries as
the single routes. A fact that cannot be recorded (invalid body, a licence not in the ledger, a check of the law's
shape) is answered `refused` with the field and the reason and writes nothing; the others are written together.
The route is the préfecture's (every kind it records one by one); a stage is recorded by its organiser, under its
own agrément, through `POST /licences/{number}/stages`. The answer is 200 whenever the batch itself was readable:
each fact's outcome is in `results`, in the order sent. Limits: at most `MAX_BATCH` facts per call (422 above).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import AfterValidator, BaseModel, Field, ValidationError

from api.http.auth import AuthenticatedRoute, Principal, Role, require_roles
from api.http.deps import LedgerDep, Now
from api.http.errors import ERROR_RESPONSES, ApiError, body_loc
from api.http.fact_bodies import BODIES, FactBody
from api.http.schemas import LICENCE_NUMBER_PATTERN
from ledger import kinds
from ledger.application import Recorded
from ledger.batch_write import MAX_BATCH, Refused
from ledger.errors import EvidenceConflict, InvalidFact, LedgerError, LicenceNotFound
from ledger.facts import LegalFact

router = APIRouter(tags=["licences"], responses=ERROR_RESPONSES, route_class=AuthenticatedRoute)

Prefecture = Annotated[Principal, Depends(require_roles(Role.PREFECTURE))]

# Every kind the préfecture records, with its single route's body (generated from the declaration).
MODELS: dict[str, type[FactBody]] = {kind.name: BODIES[kind.name] for kind in kinds.FACT_KINDS
                                     if kind.recorder == Role.PREFECTURE.value}


def _batch_kind(name: str) -> str:
    if name not in MODELS:
        raise ValueError(f"{name!r} is not one of {', '.join(MODELS)}")
    return name


FactKind = Annotated[str, AfterValidator(_batch_kind), Field(json_schema_extra={"enum": list(MODELS)})]
_NUMBER = re.compile(LICENCE_NUMBER_PATTERN)
# The `type` a single route's error answer would carry for the same refusal (api/http/errors.py).
ERROR_TYPES: dict[type[LedgerError], str] = {InvalidFact: "invalid_fact", LicenceNotFound: "licence_not_found",
                                             EvidenceConflict: "evidence_conflict"}


class BatchItem(BaseModel):
    """One fact: the licence, the kind of fact, and the body the kind's single route takes."""

    licence_number: str = Field(description="The licence number (as in `/licences/{number}/…`).")
    kind: FactKind = Field(description="Which single route's body `fact` is: offence → `POST "
                                       "/licences/{number}/offences`, letter → `…/letters`, and so on.")
    fact: dict[str, Any] = Field(description="The body of the kind's single route, validated by the same model.")


class BatchRequest(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"facts": [
        {"licence_number": "120375100001", "kind": "offence",
         "fact": {"committed_on": "2024-03-02", "established_on": "2024-03-20", "points": 4, "class": "C4",
                  "description": "feu rouge (R412-30)", "evidence_ref": "PV-2024-000123"}},
        {"licence_number": "120375100002", "kind": "letter",
         "fact": {"code": "48", "notified_on": "2024-04-02", "evidence_ref": "LR-2024-0002"}},
    ]}]}}

    facts: list[BatchItem] = Field(min_length=1, max_length=MAX_BATCH,
                                   description=f"1 to {MAX_BATCH} facts, answered in the same order.")


class BatchResult(BaseModel):
    """One fact's outcome: `created` (a new event), `present` (already recorded: nothing written) or
    `refused` (nothing written; `field` and `reason` say why, `type` as in the error answers)."""

    index: int
    licence_number: str
    status: Literal["created", "present", "refused"]
    fact_id: str | None = None
    version: int | None = None
    field: list[str | int] | None = Field(default=None, description="Where the problem is (`loc` of a single route).")
    reason: str | None = None
    type: str | None = None


class BatchResponse(BaseModel):
    created: int
    present: int
    refused: int
    results: list[BatchResult]


def _parse(item: BatchItem, principal: Principal, now: datetime) -> LegalFact:
    """The fact of one item, or an `ApiError` naming the field (as the single route would)."""
    if not _NUMBER.match(item.licence_number) or len(item.licence_number) > 64:
        raise ApiError(422, ("path", "number"), "not a licence number (no slash, no surrounding spaces)",
                       "invalid_licence_number")
    try:
        body: Any = MODELS[item.kind].model_validate(item.fact)
    except ValidationError as error:
        first = error.errors()[0]
        raise ApiError(422, ("body", *first["loc"]), first["msg"], first["type"]) from None
    fact: LegalFact = body.to_fact(now, principal.subject)
    return fact


def _refused(index: int, number: str, loc: list[str | int], reason: str, kind: str) -> BatchResult:
    """A refusal located in the batch: `["body", "facts", i, "fact", field]` for what the single route would
    locate in its body, `["body", "facts", i, "licence_number"]` for its path."""
    where: list[str | int] = ["body", "facts", index]
    if loc[:1] == ["path"]:
        where.append("licence_number")
    else:
        where += ["fact", *loc[1:]]
    return BatchResult(index=index, licence_number=number, status="refused", field=where, reason=reason,
                       type=kind)


def _outcome(index: int, outcome: Recorded | Refused) -> BatchResult:
    if isinstance(outcome, Refused):
        loc: list[str | int] = ["path", "number"] if outcome.field == "licence_number" else body_loc(outcome.field)
        kind = ERROR_TYPES.get(type(outcome.error), "invalid_fact")
        return _refused(index, outcome.licence_number, loc, outcome.reason, kind)
    return BatchResult(index=index, licence_number=outcome.licence_number, fact_id=outcome.fact_id,
                       version=outcome.version, status="created" if outcome.created else "present")


@router.post("/facts:batch", summary="Record many facts at once, one answer per fact")
def record_batch(body: BatchRequest, principal: Prefecture, ledger: LedgerDep, now: Now) -> BatchResponse:
    """Up to 1,000 facts for any licences, written in one transaction: each is `created`, `present` (same
    evidence reference and content already recorded) or `refused` with the field and the reason (nothing written
    for it). Prefecture; stages are recorded by their organiser, one by one."""
    results: list[BatchResult | None] = [None] * len(body.facts)
    accepted: list[tuple[int, str, LegalFact]] = []
    for index, item in enumerate(body.facts):
        try:
            accepted.append((index, item.licence_number, _parse(item, principal, now)))
        except ApiError as error:
            results[index] = _refused(index, item.licence_number, error.loc, error.msg, error.type)
    outcomes = ledger.record_many([(number, fact) for _, number, fact in accepted]) if accepted else []
    for (index, _, _), outcome in zip(accepted, outcomes, strict=True):
        results[index] = _outcome(index, outcome)
    answered = [r for r in results if r is not None]
    return BatchResponse(created=sum(r.status == "created" for r in answered),
                         present=sum(r.status == "present" for r in answered),
                         refused=sum(r.status == "refused" for r in answered), results=answered)
