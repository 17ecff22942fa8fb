"""The FastAPI application factory. Routes parse, call the ledger or a projection, and format: no law."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.settings import Settings, get_settings
from ledger.application import PointsLedger
from ledger.storage import storage_env


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service on the store named by `settings.database_url` (one `PointsLedger` per process)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ledger = PointsLedger(storage_env(settings.database_url, pool_size=settings.pool_size))
        app.state.ledger = ledger
        try:
            yield
        finally:
            ledger.close()

    app = FastAPI(
        title="points-ledger",
        version="0.1.0",
        summary="Event-sourced ledger of French driving-licence points, with as-of-date balances explained.",
        lifespan=lifespan,
    )
    app.state.settings = settings

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        """Liveness: the process answers and its store is open."""
        return {"status": "ok"}

    return app
