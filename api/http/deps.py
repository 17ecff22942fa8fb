"""Dependencies shared by the routers: the process's ledger and token store, the clock, path parameters.

They are `async def` because none of them waits on I/O: FastAPI runs a plain `def` dependency in its thread
pool, and a thread hop per dependency cost more than the rest of a cached balance read
(docs/decisions/0057-fast-balance-reads.md). Code outside a request calls `token_store_of(request)`.

The clock is a dependency so tests can pin "today" (`app.dependency_overrides[get_today]`); in the service
it is `api.clock`, the only place the wall clock is read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from api import clock
from api.http.schemas import EARLIEST_DATE, LATEST_DATE, LICENCE_NUMBER_PATTERN, DayText, MomentUntil
from api.token_store import TokenStore
from ledger.application import PointsLedger
from ledger.values import Mode
from projections.folded_timelines import FoldedTimelines


async def get_ledger(request: Request) -> PointsLedger:
    """The one `PointsLedger` of the process, opened by the app's lifespan."""
    ledger: PointsLedger = request.app.state.ledger
    return ledger


async def get_timelines(request: Request) -> FoldedTimelines:
    """The process's folded timelines (`projections.folded_timelines`), kept per licence and stream version."""
    timelines: FoldedTimelines = request.app.state.timelines
    return timelines


def token_store_of(request: Request) -> TokenStore:
    """The process's token store (for callers outside the dependency system: the web pages, the route class)."""
    store: TokenStore = request.app.state.tokens
    return store


async def get_token_store(request: Request) -> TokenStore:
    return token_store_of(request)


async def get_today() -> date:
    """Today in Europe/Paris: the default legal date of a read."""
    return clock.today_in_paris()


async def get_now() -> datetime:
    """The recording time of a write (UTC)."""
    return clock.now_utc()


LedgerDep = Annotated[PointsLedger, Depends(get_ledger)]
TimelinesDep = Annotated[FoldedTimelines, Depends(get_timelines)]
TokenStoreDep = Annotated[TokenStore, Depends(get_token_store)]
Today = Annotated[date, Depends(get_today)]
Now = Annotated[datetime, Depends(get_now)]
LicenceNumber = Annotated[str, Path(min_length=1, max_length=64, pattern=LICENCE_NUMBER_PATTERN,
                                    description="The licence number.", examples=["120375100001"])]

# Query parameters of the reads: the two time axes and the reading of the law.
OnQuery = Annotated[DayText | None, Query(ge=EARLIEST_DATE, le=LATEST_DATE,
                                       description="Legal date YYYY-MM-DD (default: today in Europe/Paris).")]
KnownAtQuery = Annotated[MomentUntil | None, Query(
    description="Only facts recorded at or before this moment: ISO 8601 datetime, or a date YYYY-MM-DD (= the "
                "end of that day, UTC). Default: everything recorded.")]
ModeQuery = Annotated[Mode, Query(description="legal (default) or administrative (docs/law.md A.1).")]
