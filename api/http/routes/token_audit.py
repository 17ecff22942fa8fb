"""The tokens in the audit: who could call the API, with which role and binding, from when to when.

`GET /audit/tokens` lists every token ever issued — usable, expired or revoked — with its creation, expiry,
last use, revocation and the token it replaced (rotation); never a secret or its hash. Together with
`recorded_by` on every fact, it answers "who held the power to record this, and was the token still valid".
Prefecture and auditor only, like the rest of the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.http.auth import AuthenticatedRoute, Principal, Role, require_roles
from api.http.deps import Now, TokenStoreDep
from api.http.errors import ERROR_RESPONSES
from api.token_store import TokenInfo, TokenState

router = APIRouter(tags=["audit"], responses=ERROR_RESPONSES, route_class=AuthenticatedRoute)

AuditReader = Annotated[Principal, Depends(require_roles(Role.PREFECTURE, Role.AUDITOR))]


class TokenView(BaseModel):
    """One API token as the audit sees it (no secret)."""

    id: str
    role: Role
    subject: str = Field(description="Who the token speaks for: `recorded_by` of its writes.")
    agrement: str | None
    licence: str | None
    state: TokenState
    created_at: datetime
    expires_at: datetime | None = Field(description="Null: the token does not expire.")
    last_used_at: datetime | None = Field(description="Last authenticated request (to the minute).")
    revoked_at: datetime | None
    rotated_from: str | None = Field(description="The token this one replaced, if it came from a rotation.")

    @classmethod
    def of(cls, info: TokenInfo, now: datetime) -> TokenView:
        return cls(id=info.id, role=info.role, subject=info.subject, agrement=info.agrement, licence=info.licence,
                   state=info.state_at(now),
                   created_at=info.created_at, expires_at=info.expires_at, last_used_at=info.last_used_at,
                   revoked_at=info.revoked_at, rotated_from=info.rotated_from)


class TokenList(BaseModel):
    tokens: list[TokenView]


@router.get("/audit/tokens", summary="Every API token, with its expiry, last use and rotation")
def audit_tokens(principal: AuditReader, store: TokenStoreDep, now: Now) -> TokenList:
    """Every token ever issued, oldest first (prefecture, auditor)."""
    return TokenList(tokens=[TokenView.of(info, now) for info in store.list()])
