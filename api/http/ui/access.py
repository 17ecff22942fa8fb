"""Who is looking at a page: the session's token, authenticated and role-checked exactly as the API does it.

`signed_in(request, roles)` reads the session cookie, authenticates its token with
`api.http.auth.authenticate_token` and checks the role with `api.http.auth.check_role` — the same functions
behind the bearer-token routes — and, for a licence page, `check_licence` keeps a driver to its own licence.
The role tuples come from the API's route modules. A refusal becomes a page: no session → the sign-in page
(303), a token the store refuses → the same, with the session cleared; a role or licence refused → 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from api.http.auth import Principal, Role, authenticate_token, check_licence, check_role
from api.http.deps import token_store_of
from api.http.errors import ApiError
from api.http.ui.session import Session, SessionCodec


class SignInNeeded(Exception):
    """No valid session: the browser goes to the sign-in page (and back to `next` afterwards)."""

    def __init__(self, next_path: str, message: str | None = None) -> None:
        super().__init__(message or "sign-in needed")
        self.next_path = next_path
        self.message = message


class PageProblem(Exception):
    """A page that cannot be shown: its HTTP status and a sentence in French."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.title = title
        self.message = message


@dataclass(frozen=True, slots=True)
class Visitor:
    """The signed-in caller of a page and its session (whose CSRF key the page's forms carry)."""

    principal: Principal
    session: Session


def codec(request: Request) -> SessionCodec:
    value: SessionCodec = request.app.state.ui_sessions
    return value


def current_session(request: Request) -> Session:
    """The browser's session, or a new one (not yet signed in) to carry the sign-in form's CSRF key."""
    return codec(request).read(request) or Session.new()


def _where(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def signed_in(request: Request, roles: tuple[Role, ...]) -> Visitor:
    """The caller, if its session's token is valid and its role is one of `roles` (see the module docstring)."""
    session = codec(request).read(request)
    if session is None or session.token is None:
        raise SignInNeeded(_where(request))
    try:
        principal = authenticate_token(token_store_of(request), session.token)
    except ApiError:
        raise SignInNeeded(_where(request), "Ce jeton n'est plus accepté (inconnu ou révoqué) : "
                                            "reconnectez-vous.") from None
    request.state.principal = principal  # who consulted: the read audit (api/http/read_audit.py) logs it
    try:
        check_role(principal, roles)
    except ApiError:
        raise PageProblem(403, "Accès refusé", f"Le rôle « {principal.role.value} » de ce jeton ne permet pas "
                                               "d'ouvrir cette page.") from None
    return Visitor(principal, session)


def may_open_licence(visitor: Visitor, number: str) -> None:
    """403 for a driver's session on another licence than its own (as the API)."""
    try:
        check_licence(visitor.principal, number)
    except ApiError:
        raise PageProblem(403, "Accès refusé",
                          "Un jeton de conducteur ne donne accès qu'à son propre permis.") from None


def check_csrf(session: Session, submitted: str | None) -> None:
    if not session.csrf_matches(submitted):
        raise PageProblem(403, "Formulaire refusé",
                          "Ce formulaire n'a pas été envoyé depuis cette page (jeton anti-CSRF absent ou "
                          "invalide). Rechargez la page et recommencez.")
