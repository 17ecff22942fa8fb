"""The relevé-intégral-style statement of a licence (projections.history): every known fact with its legal
dates, recording time, recorder and evidence, and every movement with the balance after it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.http.auth import AuthenticatedRoute, Principal, Role, require_licence_access
from api.http.deps import KnownAtQuery, LedgerDep, LicenceNumber, ModeQuery, OnQuery, Today
from api.http.errors import ERROR_RESPONSES, NOT_FOUND
from api.http.schemas import HistoryResponse
from ledger.values import Mode
from projections.history import statement

router = APIRouter(prefix="/licences/{number}", tags=["history"], responses={**ERROR_RESPONSES, **NOT_FOUND},
                   route_class=AuthenticatedRoute)

HISTORY_READERS = (Role.PREFECTURE, Role.AUDITOR, Role.DRIVER)  # the web interface applies the same tuple
HistoryReader = Annotated[Principal, Depends(require_licence_access(*HISTORY_READERS))]


@router.get("/history", summary="The licence's statement (relevé intégral)")
def read_history(number: LicenceNumber, principal: HistoryReader, ledger: LedgerDep, today: Today,
                 on: OnQuery = None, known_at: KnownAtQuery = None, mode: ModeQuery = Mode.LEGAL) -> HistoryResponse:
    """Facts as known at `known_at`; movements effective by `on` (default today) with the balance after each
    (prefecture, auditor; a driver for its own licence)."""
    return HistoryResponse.of(statement(ledger.get_record(number), on or today, known_at, mode))
