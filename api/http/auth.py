"""Who is calling: a bearer token becomes a `Principal`, and every route declares the roles it admits.

Use it in any router (this is how /reconciliations and /reports are protected too):

    from typing import Annotated
    from fastapi import Depends
    from api.http.auth import Principal, Role, require_roles

    Reader = Annotated[Principal, Depends(require_roles(Role.PREFECTURE, Role.AUDITOR))]

    @router.get("/something")
    def something(principal: Reader) -> ...:
        ...  # principal.subject is what a write records as `recorded_by`

`require_roles(*roles)` answers 401 (no bearer token, or an unknown, malformed or revoked one; with
`WWW-Authenticate: Bearer`) or 403 (a valid token whose role is not listed) before the endpoint body runs,
so a refused request never reaches the ledger. Routes under `/licences/{number}` use
`require_licence_access(*roles)` instead, which also keeps a driver to its own licence. Tokens are created
with `points-ledger tokens create` (api/cli/token_commands.py) and stored hashed (api/token_store.py).

Routers are built with `APIRouter(route_class=AuthenticatedRoute)`: FastAPI reads and parses a request's
body before it resolves the dependencies, so without it a body that is not JSON (or not a multipart form) would
be refused for its body (422, 400) before the missing token is noticed. `AuthenticatedRoute` authenticates the
caller of every route that depends on `current_principal` first, and the dependency then reuses that caller.
The role check (403) stays a dependency, after the body is read.
"""

# No `from __future__ import annotations` here: FastAPI must resolve the dependencies' annotations, and
# some refer to closures (the role check of `require_licence_access`).
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.http.deps import LicenceNumber, token_store_of
from api.http.errors import ApiError
from api.http.guards import reuse_parsed_body
from api.logs import bind_request
from api.token_store import Role, TokenStore

__all__ = ["AuthenticatedRoute", "Principal", "Role", "authenticate_token", "check_licence", "check_role",
           "require_licence_access", "require_roles", "stage_agrement"]

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


def authenticate(store: TokenStore, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """The caller behind the `Authorization: Bearer …` header (401 if there is none or it is not valid)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("a bearer token is required (Authorization: Bearer <token>)")
    info = store.authenticate(credentials.credentials)
    if info is None:
        raise unauthorized("the token is unknown, malformed or revoked")
    return Principal(info.subject, info.role, info.agrement, info.licence, info.id)


def authenticate_token(store: TokenStore, token: str) -> Principal:
    """The caller behind a token given some other way (the web interface's session): the same check as a
    bearer header, so revocation (and whatever else the store checks) applies alike."""
    return authenticate(store, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token))


def check_role(principal: Principal, roles: tuple[Role, ...]) -> Principal:
    """403 unless `principal` has one of `roles` (the rule behind `require_roles`)."""
    if principal.role not in roles:
        names = ", ".join(r.value for r in roles)
        raise forbidden(f"the {principal.role.value} role may not do this (allowed: {names})")
    return principal


def check_licence(principal: Principal, number: str) -> Principal:
    """403 for a driver asking about a licence other than its own (the rule behind `require_licence_access`)."""
    if principal.role is Role.DRIVER and principal.licence != number.strip():
        raise forbidden("a driver token reads its own licence only", ("path", "number"))
    return principal


async def authenticate_async(store: TokenStore, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """`authenticate` from the event loop: on the loop when the store knows the token already (no I/O), through
    the thread pool when it must ask the database."""
    if credentials is not None and credentials.scheme.lower() == "bearer":
        info = store.cached(credentials.credentials)
        if info is not None:
            return Principal(info.subject, info.role, info.agrement, info.licence, info.id)
    return await run_in_threadpool(authenticate, store, credentials)


# The dependencies below are `async def` because they do no I/O of their own (a plain `def` would cost a
# thread-pool hop each: docs/decisions/0057-fast-balance-reads.md).
async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller: the one `AuthenticatedRoute` found before the body was read, else authenticated now."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        principal = await authenticate_async(token_store_of(request), credentials)
        request.state.principal = principal  # for the request's log line and the access log (read_audit.py)
    return principal


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


class AuthenticatedRoute(APIRoute):
    """A route that authenticates its caller before FastAPI reads the body, when it needs a caller at all.

    A request without a valid token then gets 401 whatever its body (see the module docstring); the caller is
    kept in `request.state.principal` for `current_principal`. Routes that do not depend on
    `current_principal` are not authenticated first. Every route takes the JSON body's value the body guard
    already parsed (`api.http.guards.reuse_parsed_body`) instead of parsing it again.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not _depends_on(self.dependant, current_principal):
            async def parsed_once(request: Request) -> Response:
                reuse_parsed_body(request)
                return await handler(request)

            return parsed_once

        async def authenticated_first(request: Request) -> Response:
            reuse_parsed_body(request)  # the body's value the guard parsed, if any (api/http/guards.py)
            credentials = await bearer(request)
            principal = await authenticate_async(token_store_of(request), credentials)
            request.state.principal = principal
            # Every later line of this request (the facts it records) names the caller.
            bind_request(subject=principal.subject, role=principal.role.value, token_id=principal.token_id)
            return await handler(request)

        return authenticated_first


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency admitting only tokens of `roles` (403 otherwise), returning the `Principal`."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        return check_role(principal, roles)

    return dependency


def require_licence_access(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """Like `require_roles`, for routes under `/licences/{number}`: a driver passes only for its own licence."""

    async def dependency(
        number: LicenceNumber, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        return check_licence(check_role(principal, roles), number)  # one dependency: FastAPI's cost is per level

    return dependency


def stage_agrement(principal: Principal, requested: str | None) -> str | None:
    """The agrément a stage is recorded under: an organiser's own (403 if the body names another one)."""
    if principal.role is not Role.ORGANISER:
        return requested
    if requested is not None and requested.strip() != principal.agrement:
        raise forbidden(f"this token records stages under agrément {principal.agrement!r} only",
                        ("body", "agrement"))
    return principal.agrement
