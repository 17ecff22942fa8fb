"""Who is calling: a bearer token becomes a `Principal`, and every route declares the roles it admits.

Use it in any router (this is how /reconciliations and /reports are protected too):

    from typing import Annotated
    from fastapi import Depends
    from api.auth import Principal, Role, require_roles

    Reader = Annotated[Principal, Depends(require_roles(Role.PREFECTURE, Role.AUDITOR))]

    @router.get("/something")
    def something(principal: Reader) -> ...:
        ...  # principal.subject is what a write records as `recorded_by`

`require_roles(*roles)` answers 401 (no bearer token, or an unknown, malformed or revoked one; with
`WWW-Authenticate: Bearer`) or 403 (a valid token whose role is not listed) before the endpoint body runs,
so a refused request never reaches the ledger. Routes under `/licences/{number}` use
`require_licence_access(*roles)` instead, which also keeps a driver to its own licence. Tokens are created
with `points-ledger tokens create` (api/cli_tokens.py) and stored hashed (api/token_store.py).
"""

# No `from __future__ import annotations` here: FastAPI must resolve the dependencies' annotations, and
# some refer to closures (the role check of `require_licence_access`).
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import LicenceNumber, TokenStoreDep
from api.errors import ApiError
from api.token_store import Role

__all__ = ["Principal", "Role", "require_licence_access", "require_roles", "stage_agrement"]

bearer = HTTPBearer(auto_error=False, description="A token from `points-ledger tokens create`.")


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: its name (recorded as `recorded_by`), role and binding."""

    subject: str
    role: Role
    agrement: str | None = None
    licence: str | None = None
    token_id: str = ""


def unauthorized(message: str) -> ApiError:
    return ApiError(401, ("header", "Authorization"), message, "unauthorized",
                    headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str, loc: tuple[str, ...] = ("header", "Authorization")) -> ApiError:
    return ApiError(403, loc, message, "forbidden")


def current_principal(
    store: TokenStoreDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """The caller behind the `Authorization: Bearer …` header (401 if there is none or it is not valid)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("a bearer token is required (Authorization: Bearer <token>)")
    info = store.authenticate(credentials.credentials)
    if info is None:
        raise unauthorized("the token is unknown, malformed or revoked")
    return Principal(info.subject, info.role, info.agrement, info.licence, info.id)


def require_roles(*roles: Role) -> Callable[..., Principal]:
    """A dependency admitting only tokens of `roles` (403 otherwise), returning the `Principal`."""
    allowed = frozenset(roles)
    names = ", ".join(r.value for r in roles)

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in allowed:
            raise forbidden(f"the {principal.role.value} role may not do this (allowed: {names})")
        return principal

    return dependency


def require_licence_access(*roles: Role) -> Callable[..., Principal]:
    """Like `require_roles`, for routes under `/licences/{number}`: a driver passes only for its own licence."""
    role_check = require_roles(*roles)

    def dependency(
        number: LicenceNumber, principal: Annotated[Principal, Depends(role_check)]
    ) -> Principal:
        if principal.role is Role.DRIVER and principal.licence != number.strip():
            raise forbidden("a driver token reads its own licence only", ("path", "number"))
        return principal

    return dependency


def stage_agrement(principal: Principal, requested: str | None) -> str | None:
    """The agrément a stage is recorded under: an organiser's own (403 if the body names another one)."""
    if principal.role is not Role.ORGANISER:
        return requested
    if requested is not None and requested.strip() != principal.agrement:
        raise forbidden(f"this token records stages under agrément {principal.agrement!r} only",
                        ("body", "agrement"))
    return principal.agrement
