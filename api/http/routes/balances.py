"""Reading a licence's points on a day: the full balance, and the stage eligibility an organiser may see.

`on` is the legal date (default: today in Europe/Paris); `known_at` cuts the facts to those recorded by then
(a date means the end of that day, UTC); `mode` chooses the legal or the administrative reading (docs/law.md A.1).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.http.auth import AuthenticatedRoute, Principal, Role, require_licence_access
from api.http.balance_answer import BalanceSummary, balance_answer
from api.http.deps import KnownAtQuery, LedgerDep, LicenceNumber, ModeQuery, OnQuery, TimelinesDep, Today
from api.http.errors import ERROR_RESPONSES, NOT_FOUND
from api.http.schemas import BalanceResponse, StageEligibilityResponse
from ledger.values import Mode

router = APIRouter(prefix="/licences/{number}", tags=["balances"], responses={**ERROR_RESPONSES, **NOT_FOUND},
                   route_class=AuthenticatedRoute)

# Who reads what (the web interface applies the same tuples).
BALANCE_READERS = (Role.PREFECTURE, Role.AUDITOR, Role.DRIVER)
ELIGIBILITY_READERS = (Role.PREFECTURE, Role.AUDITOR, Role.ORGANISER, Role.DRIVER)
BalanceReader = Annotated[Principal, Depends(require_licence_access(*BALANCE_READERS))]
EligibilityReader = Annotated[Principal, Depends(require_licence_access(*ELIGIBILITY_READERS))]


ExplainQuery = Annotated[bool, Query(description="Also the movements with rule and article, stage eligibility, "
                                                "expected letters and anomalies (the full `BalanceResponse`).")]


@router.get("/balance", summary="The balance on a day (explained with explain=true)",
            response_model=BalanceSummary | BalanceResponse)
def read_balance(number: LicenceNumber, principal: BalanceReader, ledger: LedgerDep, timelines: TimelinesDep,
                 today: Today, on: OnQuery = None, known_at: KnownAtQuery = None, mode: ModeQuery = Mode.LEGAL,
                 explain: ExplainQuery = False) -> Response:
    """Points, ceiling, status, probation and the next scheduled changes (`BalanceSummary`); with
    `explain=true`, also the movements with rule and article, stage eligibility, expected letters and anomalies
    (`BalanceResponse`). Prefecture, auditor; a driver for its own licence."""
    current = ledger.current_record(number)
    return balance_answer(timelines.balance(current.record, current.version, on or today, known_at, mode), explain)


@router.get("/stage-eligibility", summary="Whether a stage would credit points, and when")
def read_stage_eligibility(number: LicenceNumber, principal: EligibilityReader, ledger: LedgerDep,
                           timelines: TimelinesDep, today: Today, on: OnQuery = None,
                           mode: ModeQuery = Mode.LEGAL) -> StageEligibilityResponse:
    """The earliest day a stage could take effect and the points it would credit (organisers, and every role
    that reads the balance). Nothing else of the licence is shown."""
    current = ledger.current_record(number)
    balance = timelines.balance(current.record, current.version, on or today, None, mode, with_forecast=False)
    return StageEligibilityResponse(licence_number=balance.licence_number, on=balance.on, status=balance.status,
                                    stage=balance.stage)
