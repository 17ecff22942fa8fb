"""`/ui/soldes-nuls` and `/ui/invalidations-contestables`: the two national reports, one page of licences at a
time, for the préfecture agent who wants the first screen now, not the whole country.

Both call the page functions of `projections.national_reports` (the read model and the fact index when they
are current, the fold otherwise; the page names its source), exactly as `GET /reports/zero-balance?limit=…` and
`GET /reports/contestable-invalidations?limit=…` do. Préfecture and auditor only, as in the API.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.http.deps import LedgerDep
from api.http.routes.reconciliation import RECONCILIATION_READERS
from api.http.ui.access import PageProblem, signed_in
from api.http.ui.rendering import render
from ledger.values import Mode
from projections.national_reports import contestable_page, zero_balance_page
from projections.report_errors import LicenceError

router = APIRouter(prefix="/ui", include_in_schema=False)

PAGE_LICENCES = 100
LicenceNumber = Annotated[str, Query(max_length=64)]
DayText = Annotated[str | None, Query(max_length=10)]


def _day(field: str, text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PageProblem(422, "Date invalide", f"« {field} » : {text!r} n'est pas une date AAAA-MM-JJ.") from None


def _next_url(path: str, filters: dict[str, str], next_after: str | None) -> str | None:
    if next_after is None:
        return None
    return f"{path}?" + urlencode({**{k: v for k, v in filters.items() if v}, "after": next_after})


def _cells(row: Any, columns: tuple[str, ...]) -> dict[str, str]:
    if isinstance(row, LicenceError):
        return {"licence_number": row.licence_number, "error": row.reason}
    cells: dict[str, str] = row.as_csv()
    return {name: cells[name] for name in columns}


@router.get("/soldes-nuls", response_class=HTMLResponse)
def zero_balance(request: Request, ledger: LedgerDep, on: DayText = None,
                 mode: Annotated[Mode, Query()] = Mode.LEGAL, after: LicenceNumber = "") -> Response:
    """The licences at 0 points on a day (legal or administrative reading), by number, a page at a time."""
    visitor = signed_in(request, RECONCILIATION_READERS)
    day = _day("au", on)
    filters = {"on": on or "", "mode": mode.value}
    context: dict[str, Any] = {"visitor": visitor, "filters": filters, "after": after, "page": None,
                               "page_size": PAGE_LICENCES}
    if day is not None:
        page = zero_balance_page(ledger, day, mode, after=after, limit=PAGE_LICENCES)
        columns = ("licence_number", "status", "zero_since", "forty_eight_si_on", "invalidated_on", "explanation")
        context.update(page=page, rows=[_cells(row, columns) for row in page.rows],
                       next_url=_next_url("/ui/soldes-nuls", filters, page.next_after))
    return render(request, "zero_balance.html", context, visitor.session)


@router.get("/invalidations-contestables", response_class=HTMLResponse)
def contestable(request: Request, ledger: LedgerDep, since: Annotated[str | None, Query(alias="from",
                                                                                       max_length=10)] = None,
                until: Annotated[str | None, Query(alias="to", max_length=10)] = None,
                after: LicenceNumber = "") -> Response:
    """The lettres 48SI notified on a positive legal balance (void, CE n° 461479), by licence, a page at a time."""
    visitor = signed_in(request, RECONCILIATION_READERS)
    first, last = _day("du", since), _day("au", until)
    if first is not None and last is not None and first > last:
        raise PageProblem(422, "Période invalide", "La date « du » est postérieure à la date « au ».")
    page = contestable_page(ledger, since=first, until=last, after=after, limit=PAGE_LICENCES)
    filters = {"from": since or "", "to": until or ""}
    columns = ("licence_number", "notified_on", "evidence_ref", "legal_balance", "administrative_status",
               "explanation")
    return render(request, "contestable.html", {
        "visitor": visitor, "filters": filters, "after": after, "page": page, "page_size": PAGE_LICENCES,
        "rows": [_cells(row, columns) for row in page.rows],
        "next_url": _next_url("/ui/invalidations-contestables", filters, page.next_after)}, visitor.session)
