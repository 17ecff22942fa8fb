"""The French web interface (`/ui/…`): server-rendered pages over the same projections as the JSON routes.

`install(app)` adds the pages, their static files, the session codec and the offline `/docs` and `/redoc`.
The pages hold no law: they authenticate as the API does (`access`), read the projections (`licence_view`,
the reconciliation, the audit trail and the national reports) and format (`wording`, `chart`, templates). See
docs/decisions/0030-web-interface.md.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.http.ui import licence_pages, national_pages, report_pages, signin_pages
from api.http.ui.access import PageProblem, SignInNeeded
from api.http.ui.docs import install_docs
from api.http.ui.rendering import PACKAGE, problem_page, sign_in_redirect
from api.http.ui.session import SessionCodec, machine_secret


def install(app: FastAPI, session_secret: str | None, database_url: str) -> None:
    """Add the interface to `app`; sessions are signed with `session_secret`, else with the store's machine key."""
    app.state.ui_sessions = SessionCodec(session_secret or machine_secret(database_url))
    app.mount("/ui/static", StaticFiles(directory=PACKAGE / "static"), name="ui-static")
    for module in (signin_pages, licence_pages, report_pages, national_pages):
        app.include_router(module.router)
    app.add_exception_handler(SignInNeeded, sign_in_redirect)
    app.add_exception_handler(PageProblem, problem_page)
    install_docs(app)

    @app.get("/ui", include_in_schema=False)
    def ui_root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=307)
