"""The FastAPI application factory. Routes parse, call the ledger or a projection, and format: no law.

One router per resource (FastAPI's "Bigger Applications"); every route but `/health` and the OpenAPI pages
declares the roles it admits (api/http/auth.py); every error has one shape (api/http/errors.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.http import ui
from api.http.errors import register_error_handlers
from api.http.request_log import RequestLog
from api.http.routes import (
    audit,
    balances,
    batch,
    history,
    licences,
    reconciliation,
    reports,
    simulate,
    token_audit,
)
from api.logs import configure_logging
from api.metrics import Sampler
from api.observed_ledger import ObservedLedger
from api.settings import Settings, get_settings
from api.token_store import TokenStore
from ledger.storage import storage_env

DESCRIPTION = """
Event-sourced ledger of French driving-licence points (permis à points).

Every route except `/health` needs `Authorization: Bearer <token>`; create tokens with
`points-ledger tokens create --role prefecture|organiser|auditor|driver`. Dates are `YYYY-MM-DD`, times ISO 8601.
Errors always read `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service on the store named by `settings.database_url` (one `PointsLedger` per process).

    Also the factory `serve` hands to uvicorn by its import string (`api.http.app:create_app`), so that each
    worker process builds its own app, its own ledger and its own pool from the environment.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        env = storage_env(settings.database_url, pool_size=settings.pool_size)
        ledger = ObservedLedger(env)
        tokens = TokenStore.for_ledger(ledger)  # the ledger's pool: one pool per process (decision 0070)
        app.state.ledger = ledger
        app.state.tokens = tokens
        sampler = Sampler(ledger).start()
        try:
            yield
        finally:
            sampler.stop()
            tokens.close()
            ledger.close()

    app = FastAPI(
        title="points-ledger",
        version="0.1.0",
        summary="Event-sourced ledger of French driving-licence points, with as-of-date balances explained.",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served offline by api.http.ui.docs
        redoc_url=None,
    )
    app.state.settings = settings
    configure_logging(settings.log_format, settings.log_level or "info")
    app.add_middleware(RequestLog)
    register_error_handlers(app)

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        """Liveness: the process answers and its store is open."""
        return {"status": "ok"}

    for module in (licences, batch, balances, history, audit, token_audit, simulate, reconciliation, reports):
        app.include_router(module.router)
    ui.install(app, settings.session_secret, settings.database_url)
    return app
