"""Tamper evidence and the access log, over HTTP.

- `GET /licences/{number}/proof`: the licence's events as stored, their hash chain, and its place (inclusion
  path) in the last signed checkpoint — checkable offline with `ledger.proof_check.check_proof`;
- `GET /audit/reads`: the RGPD access log (who consulted which licence, when, by which route), auditors only.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.access_log import AccessLog
from api.http.auth import AuthenticatedRoute, Principal, Role, require_licence_access, require_roles
from api.http.deps import LedgerDep, LicenceNumber
from api.http.errors import ERROR_RESPONSES, NOT_FOUND
from api.http.schemas import LICENCE_NUMBER_PATTERN, MAX_POSITION, MomentFrom, MomentUntil
from ledger.proof import Proofs

router = APIRouter(tags=["integrity"], responses=ERROR_RESPONSES, route_class=AuthenticatedRoute)

ProofReader = Annotated[Principal, Depends(require_licence_access(Role.PREFECTURE, Role.AUDITOR, Role.DRIVER))]
Auditor = Annotated[Principal, Depends(require_roles(Role.AUDITOR))]
_proofs_lock = threading.Lock()


class ProofEvent(BaseModel):
    version: int
    topic: str
    state: str = Field(description="The event exactly as stored, base64.")
    hash: str | None = Field(description="Its chained SHA-256 (hex), as the chain table holds it.")


class PathStepView(BaseModel):
    hash: str
    left: bool = Field(description="Whether this sibling is on the left of the running node.")


class CheckpointPlace(BaseModel):
    id: int
    created_at: str
    upto: int
    streams: int
    events: int
    root: str
    public_key: str = Field(description="Ed25519 public key (hex) that signed the checkpoint.")
    signature: str
    version: int = Field(description="The licence's last version the checkpoint covers.")
    leaf_index: int
    path: list[PathStepView]


class ProofResponse(BaseModel):
    """Check it offline: recompute the chain from `events`, the leaf at `checkpoint.version`, the root from
    `checkpoint.path`, and the signature (ledger/proof_check.py does all of it)."""

    licence_number: str
    stream: str
    events: list[ProofEvent]
    checkpoint: CheckpointPlace | None = Field(description="Null until a checkpoint covers this licence.")


class AccessEntryView(BaseModel):
    id: int
    at: str
    subject: str
    role: str
    token_id: str
    licence_number: str | None
    method: str
    route: str
    status: int


class AccessPage(BaseModel):
    entries: list[AccessEntryView]
    next_after: int | None = Field(description="Pass as `after` to read the next page; null at the end.")


def _proofs(request: Request, ledger: LedgerDep) -> Proofs:
    with _proofs_lock:
        proofs: Proofs | None = getattr(request.app.state, "proofs", None)
        if proofs is None:
            proofs = Proofs(ledger.recorder)
            request.app.state.proofs = proofs
        return proofs


@router.get("/licences/{number}/proof", responses=NOT_FOUND, summary="The licence's hash chain and its proof")
def licence_proof(number: LicenceNumber, principal: ProofReader,
                  proofs: Annotated[Proofs, Depends(_proofs)]) -> ProofResponse:
    """The events as stored with their chained hashes, and the inclusion path to the last signed checkpoint."""
    proof: dict[str, Any] = proofs.proof(number)
    return ProofResponse.model_validate(proof)


def _access_log(request: Request) -> AccessLog:
    log: AccessLog = request.app.state.access_log
    return log


@router.get("/audit/reads", summary="Who consulted which licence (access log)")
def access_log(
    principal: Auditor,
    log: Annotated[AccessLog, Depends(_access_log)],
    licence: Annotated[str | None, Query(min_length=1, max_length=64, pattern=LICENCE_NUMBER_PATTERN,
                                         description="Only consultations of this licence.")] = None,
    subject: Annotated[str | None, Query(min_length=1, max_length=200, description="Only this token subject.")]
    = None,
    since: Annotated[MomentFrom | None, Query(alias="from", description="At or after (ISO 8601 or a date).")] = None,
    until: Annotated[MomentUntil | None, Query(alias="to", description="At or before (ISO 8601 or a date).")] = None,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION, description="Last id already read (0 to start).")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 100,
) -> AccessPage:
    """Each consultation: when, the token's subject, role and id (never its secret), the licence, the route and
    the answer's status, oldest first (auditors only)."""
    entries = log.query(licence_number=licence, subject=subject, since=since, until=until, after=after,
                        limit=limit)
    return AccessPage(entries=[AccessEntryView.model_validate(e.as_json()) for e in entries],
                      next_after=entries[-1].id if len(entries) == limit else None)
