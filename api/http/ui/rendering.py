"""Templates (Jinja2, autoescaped) and the helpers every page uses: render with the session cookie refreshed."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.http.ui import wording
from api.http.ui.access import PageProblem, SignInNeeded, codec, current_session
from api.http.ui.articles import article_parts
from api.http.ui.licence_view import fact_text
from api.http.ui.session import Session

PACKAGE = Path(__file__).parent
# The pages load nothing from elsewhere and run no script; forms post only here; no framing (clickjacking).
PAGE_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; form-action 'self'; "
               "frame-ancestors 'none'; base-uri 'none'")
templates = Jinja2Templates(directory=str(PACKAGE / "templates"))
_env = templates.env
_env.filters.update(long_date=wording.long_date, short_date=wording.short_date, moment=wording.moment,
                    signed=wording.signed, points=wording.points, rule=wording.rule, articles=article_parts,
                    fact_text=fact_text)
_env.globals.update(wording=wording)


def render(request: Request, name: str, context: dict[str, Any], session: Session | None = None,
           status_code: int = 200) -> HTMLResponse:
    """The page `name` with `context`; the session cookie is (re)written so its CSRF key and expiry follow."""
    session = session or current_session(request)
    response = templates.TemplateResponse(request, name, {"session": session, **context}, status_code=status_code)
    codec(request).write(response, request, session)
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def sign_in_redirect(request: Request, exc: Exception) -> RedirectResponse:
    """To the sign-in page, remembering the page asked for; a refused token's session is cleared."""
    assert isinstance(exc, SignInNeeded)
    query = {"next": exc.next_path, **({"message": exc.message} if exc.message else {})}
    response = RedirectResponse(f"/ui/?{urlencode(query)}", status_code=303)
    if exc.message:
        codec(request).clear(response)
    return response


def problem_page(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, PageProblem)
    return render(request, "problem.html", {"title": exc.title, "message": exc.message,
                                            "visitor": None}, status_code=exc.status_code)
