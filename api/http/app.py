"""The FastAPI application factory. Routes parse, call the ledger or a projection, and format: no law.

One router per resource (FastAPI's "Bigger Applications"); every route but `/health` and the OpenAPI pages
declares the roles it admits (api/http/auth.py); every error has one shape (api/http/errors.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from api.access_log import AccessLog
from api.collector_pauses import CollectorPauses
from api.http import ui
from api.http.errors import ErrorResponse, register_error_handlers
from api.http.guards import BodyGuard
from api.http.read_audit import ReadAudit
from api.http.request_log import RequestLog
from api.http.routes import (
    audit,
    balances,
    batch,
    history,
    integrity,
    licences,
    reconciliation,
    reports,
    simulate,
    token_audit,
)
from api.logs import configure_logging
from api.metrics import Sampler
from api.observed_ledger import ObservedLedger
from api.read_log_writer import ReadLogWriter
from api.read_model_keeper import ReadModelKeeper
from api.settings import Settings, get_settings
from api.token_store import TokenStore
from ledger.storage import storage_env
from projections.folded_timelines import FoldedTimelines

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
        ledger = ObservedLedger(env, record_cache_size=settings.record_cache_size)
        tokens = TokenStore.for_ledger(ledger)  # the ledger's pool: one pool per process (decision 0070)
        app.state.ledger = ledger
        app.state.tokens = tokens
        app.state.timelines = FoldedTimelines(settings.record_cache_size)  # warm balance reads: decision 0057
        app.state.access_log = AccessLog.for_ledger(ledger)
        app.state.read_log = ReadLogWriter(app.state.access_log,
                                           durable=settings.read_log_durable).start()  # decision 0057
        sampler = Sampler(ledger).start()
        # PostgreSQL: the read model follows the writes, giving way to them for a bounded time
        keeper = ReadModelKeeper(ledger, activity=ledger.activity).start()
        pauses = CollectorPauses(settings.gc_freeze_seconds).start()  # full collections off the request path
        try:
            yield
        finally:
            pauses.stop()
            keeper.stop()
            sampler.stop()
            app.state.read_log.close()
            app.state.access_log.close()
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
        """Liveness: the process answers (the store is not asked: see /ready)."""
        return {"status": "ok"}

    @app.get("/ready", tags=["service"], responses={503: {"model": ErrorResponse,
                                                          "description": "The store does not answer."}})
    def ready(request: Request) -> dict[str, str]:
        """Readiness: the store answers a query (503 with Retry-After when it does not)."""
        request.app.state.ledger.recorder.max_notification_id()  # a store error becomes 503 (api/http/errors.py)
        return {"status": "ready"}

    for module in (licences, batch, balances, history, audit, token_audit, simulate, reconciliation, reports,
                   integrity):
        app.include_router(module.router)
    ui.install(app, settings.session_secret, settings.database_url)
    # Added last, so they wrap everything above (the web pages included): the access log sees every route's
    # caller and status, and the body guard refuses an oversized or non-JSON-safe body before anything runs.
    app.add_middleware(ReadAudit)
    app.add_middleware(BodyGuard, max_body_bytes=settings.max_body_bytes,
                       max_upload_bytes=settings.max_upload_bytes)
    return app
