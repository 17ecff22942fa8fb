"""`/ui/`: sign in with an API token, sign out, and find a licence by its number."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.http.auth import Role, authenticate_token
from api.http.deps import token_store_of
from api.http.errors import ApiError
from api.http.routes.balances import ELIGIBILITY_READERS
from api.http.ui.access import check_csrf, codec, current_session, signed_in
from api.http.ui.rendering import render
from api.http.ui.session import Session

router = APIRouter(prefix="/ui", include_in_schema=False)

FormText = Annotated[str, Form(max_length=2000)]


def _safe_next(path: str | None) -> str:
    """Only a path of this interface (never another site): an open redirect would help phishing."""
    if path and path.startswith("/ui/") and not path.startswith("//"):
        return path
    return "/ui/"


@router.get("/", response_class=HTMLResponse, summary="Sign-in, then search")
def home(request: Request, next: Annotated[str | None, Query(max_length=2000)] = None,
         message: Annotated[str | None, Query(max_length=300)] = None) -> Response:
    """The sign-in form, or the search form once signed in (a driver goes straight to its licence)."""
    session = codec(request).read(request)
    if session is None or session.token is None:
        return render(request, "sign_in.html", {"visitor": None, "next": _safe_next(next), "message": message},
                      session)
    visitor = signed_in(request, tuple(Role))
    if visitor.principal.role is Role.DRIVER and visitor.principal.licence:
        return RedirectResponse(f"/ui/licences/{quote(visitor.principal.licence, safe='')}", status_code=303)
    return render(request, "search.html", {"visitor": visitor, "number": ""}, visitor.session)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(request: Request, token: FormText = "", csrf_token: FormText = "", next: FormText = "/ui/",
            ) -> Response:
    """Check the token as the API would; on success the session holds it and the browser goes on."""
    session = current_session(request)
    check_csrf(session, csrf_token)
    try:
        authenticate_token(token_store_of(request), token.strip())
    except ApiError:
        return render(request, "sign_in.html", {
            "visitor": None, "next": _safe_next(next),
            "error": "Ce jeton n'est pas accepté : il est inconnu, mal formé ou révoqué."}, session, 401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    # A new CSRF key with the new identity (nothing learnt before sign-in carries over).
    codec(request).write(response, request, Session(Session.new().csrf, token.strip()))
    return response


@router.post("/sign-out")
def sign_out(request: Request, csrf_token: FormText = "") -> Response:
    """End the session (the token itself stays valid for the API: revoke it with `tokens revoke`)."""
    check_csrf(current_session(request), csrf_token)
    response = RedirectResponse("/ui/?message=" + quote("Vous êtes déconnecté."), status_code=303)
    codec(request).clear(response)
    return response


@router.get("/search")
def search(request: Request, number: Annotated[str, Query(max_length=200)] = "") -> Response:
    """Go to the page of the licence whose number was typed."""
    visitor = signed_in(request, ELIGIBILITY_READERS)
    number = number.strip()
    if not number or "/" in number:
        return render(request, "search.html", {"visitor": visitor, "number": number,
                                               "error": "Saisissez un numéro de permis (sans « / »)."},
                      visitor.session, 422)
    return RedirectResponse(f"/ui/licences/{quote(number, safe='')}", status_code=303)
