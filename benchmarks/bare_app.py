"""The HTTP baseline: a bare FastAPI endpoint that fetches a licence's rows and returns them, nothing else.

Run by the benchmark as `uvicorn benchmarks.bare_app:app`, on the store named by POINTS_LEDGER_BENCH_STORE.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request

from ledger.application import PointsLedger
from ledger.licence import licence_id
from ledger.storage import storage_env


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.ledger = PointsLedger(storage_env(os.environ["POINTS_LEDGER_BENCH_STORE"]))
    try:
        yield
    finally:
        app.state.ledger.close()


app = FastAPI(lifespan=lifespan)


@app.get("/licences/{number}/rows")
def rows(number: str, request: Request) -> list[dict[str, Any]]:
    """The same fetch as the balance route's (one stream), returned as stored: no decoding, no law."""
    ledger: PointsLedger = request.app.state.ledger
    return [{"version": e.originator_version, "topic": e.topic, "size": len(e.state)}
            for e in ledger.recorder.select_events(licence_id(number))]
