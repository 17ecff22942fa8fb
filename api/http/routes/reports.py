"""Audit reports across licences (the same functions as `points-ledger report …`). Préfecture and auditor only.

- `GET /reports/recorded-by?recorder=…&from=…&to=…`: every fact one recorder entered in a period, by pages
  (pass `next_after` back as `after` until it is null);
- `GET /reports/zero-balance?on=…&mode=…`: licences whose balance was 0 on a date;
- `GET /reports/contestable-invalidations?from=…&to=…`: lettres 48SI notified on a positive legal balance;
  both in licence-number order, whole, or one page with `limit=N` (then `after=` the page's `next_after`): a page
  reads its candidates from an index and costs the same however large the ledger;
- `POST /reports/overdue-stages`: stages whose credit an uploaded préfecture extract still lacks past the
  15-day + 1-month deadline (a POST, because the extract is uploaded).

Answers are JSON (`{"rows": [...], …}`) or CSV, chosen by the `format` query or the Accept header; the
whole-ledger reports are spooled to a temporary file and streamed, so memory stays bounded.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from api.http.auth import AuthenticatedRoute
from api.http.deps import LedgerDep
from api.http.errors import ERROR_RESPONSES
from api.http.routes.reconciliation import (
    EXTRACT_EXAMPLE,
    AcceptHeader,
    ExtractUpload,
    FormatQuery,
    Reader,
    read_upload,
    report_responses,
    send,
)
from api.http.schemas import EARLIEST_DATE, LATEST_DATE, MAX_POSITION, DayText, MomentFrom, MomentUntil
from api.report_output import ReportFormat, ReportItem, SpooledReport, negotiate, neutral_row
from ledger.values import Mode
from projections import audit_reports
from projections.national_reports import (
    MAX_PAGE,
    contestable_page,
    contestable_report,
    zero_balance_page,
    zero_balance_report,
)
from projections.reconciliation.extract import BadRow
from projections.sources import Source, reconciliation_of

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERROR_RESPONSES, route_class=AuthenticatedRoute)

Day = Annotated[DayText, Query(ge=EARLIEST_DATE, le=LATEST_DATE, description="A date YYYY-MM-DD.")]


class RowsReport(BaseModel):
    """A report's rows (their fields: see the CSV columns of each report)."""

    rows: list[dict[str, Any]]
    errors: list[dict[str, Any]] = []


class LicencePage(BaseModel):
    """One page of a report by licence (`limit` given): `next_after` is the `after` of the next page (null: done);
    `source` says what was read (read model, fact index or fold) and at which position."""

    rows: list[dict[str, Any]]
    next_after: str | None
    source: dict[str, Any]


PageLimit = Annotated[int | None, Query(ge=1, le=MAX_PAGE, description=(
    f"Page size (1–{MAX_PAGE}): answer one page of licences, in licence-number order. Absent: the whole report."))]
PageAfter = Annotated[str, Query(max_length=64, description=(
    "With `limit`: the `next_after` of the previous page (a licence number; empty for the first page)."))]


class RecordedByPage(BaseModel):
    """One page of the facts a recorder entered; `next_after` is the `after` of the next page (null: done)."""

    rows: list[dict[str, Any]]
    next_after: int | None


def _page(rows: Sequence[ReportItem], next_after: int | str | None, columns: tuple[str, ...], fmt: ReportFormat,
          source: Source | None = None) -> Response:
    """One page of a report: its rows and the `after` of the next page (JSON `next_after`, header `X-Next-After`,
    empty when it was the last); with `source` (the reports by licence), what it read (JSON `source`, header
    `X-Report-Source`) and its row count (`X-Report-Rows`)."""
    headers = {"X-Next-After": "" if next_after is None else str(next_after)}
    body: dict[str, Any] = {"rows": [row.as_json() for row in rows], "next_after": next_after}
    if source is not None:
        headers.update({"X-Report-Source": source.describe(), "X-Report-Rows": str(len(rows))})
        body["source"] = source.as_json()
    if fmt is ReportFormat.CSV:
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(neutral_row(row.as_csv()) for row in rows)
        return Response(text.getvalue(), media_type=ReportFormat.CSV.media_type, headers=headers)
    return Response(json.dumps(body, ensure_ascii=False), media_type=ReportFormat.JSON.media_type, headers=headers)


def _spooled(items: Iterable[ReportItem | BadRow], columns: tuple[str, ...], fmt: ReportFormat, name: str, *,
             from_extract: bool = False, source: Source | None = None) -> StreamingResponse:
    """The report of `items`, spooled then streamed, its row count in a header (and, for a report on an
    uploaded extract, its number of unreadable lines)."""
    report = SpooledReport(fmt, columns)
    report.write(items)
    report.finish()
    headers = {"X-Report-Rows": str(report.rows)}
    if source is not None:
        headers["X-Report-Source"] = source.describe()
    if from_extract:
        headers["X-Extract-Unreadable-Lines"] = str(report.bad_rows)
    return send(report, name, headers)


@router.get("/recorded-by", summary="Every fact one recorder entered in a period",
            response_class=Response, responses=report_responses(RecordedByPage))
def recorded_by(
    principal: Reader,
    ledger: LedgerDep,
    recorder: Annotated[str, Query(min_length=1, max_length=200, description="The recorder (recorded_by).")],
    since: Annotated[MomentFrom | None, Query(alias="from", description=(
        "Recorded at or after: ISO 8601 datetime, or a date (= its start, UTC)."))] = None,
    until: Annotated[MomentUntil | None, Query(alias="to", description=(
        "Recorded at or before: ISO 8601 datetime, or a date (= its end, UTC)."))] = None,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION, description="Last position already read (0 to start).")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 100,
    report_format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    """The audit trail of one recorder, oldest first: position, recording time, licence, type, fact id,
    evidence reference and what the fact says."""
    rows, next_after = audit_reports.recorded_by_page(ledger, recorder, since=since, until=until, after=after,
                                                      limit=limit)
    return _page(rows, next_after, audit_reports.RECORDED_FACT_COLUMNS, negotiate(report_format, accept))


@router.get("/zero-balance", summary="Licences whose balance was 0 on a date",
            response_class=StreamingResponse, responses=report_responses(RowsReport))
def zero_balance(
    principal: Reader,
    ledger: LedgerDep,
    on: Day,
    mode: Annotated[Mode, Query(description="legal (default) or administrative (docs/law.md A.1).")] = Mode.LEGAL,
    limit: PageLimit = None,
    after: PageAfter = "",
    report_format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    """Valid licences at 0 awaiting a lettre 48SI and invalidated ones, with since when and why, in licence-number
    order. With `limit`, one page (pass `next_after` back as `after`); without, the whole report."""
    fmt = negotiate(report_format, accept)
    if limit is not None:
        page = zero_balance_page(ledger, on, mode, after=after, limit=limit)
        return _page(page.rows, page.next_after, audit_reports.ZERO_BALANCE_COLUMNS, fmt, page.source)
    rows, source = zero_balance_report(ledger, on, mode)
    return _spooled(rows, audit_reports.ZERO_BALANCE_COLUMNS, fmt, f"zero-balance-{on.isoformat()}", source=source)


@router.get("/contestable-invalidations", summary="Lettres 48SI notified on a positive legal balance",
            response_class=StreamingResponse, responses=report_responses(RowsReport))
def contestable_invalidations(
    principal: Reader,
    ledger: LedgerDep,
    since: Annotated[DayText | None, Query(alias="from", ge=EARLIEST_DATE, le=LATEST_DATE,
                                        description="First notification day.")] = None,
    until: Annotated[DayText | None, Query(alias="to", ge=EARLIEST_DATE, le=LATEST_DATE,
                                        description="Last notification day.")] = None,
    limit: PageLimit = None,
    after: PageAfter = "",
    report_format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    """Void lettres 48SI (CE 29 sept. 2023 n° 461479): what made the balance positive before notification, in
    licence-number order. With `limit`, one page (pass `next_after` back as `after`); without, the whole report."""
    fmt = negotiate(report_format, accept)
    if limit is not None:
        page = contestable_page(ledger, since=since, until=until, after=after, limit=limit)
        return _page(page.rows, page.next_after, audit_reports.CONTESTABLE_COLUMNS, fmt, page.source)
    rows, source = contestable_report(ledger, since=since, until=until)
    return _spooled(rows, audit_reports.CONTESTABLE_COLUMNS, fmt, "contestable-invalidations", source=source)


@router.post("/overdue-stages", summary="Stages a préfecture extract still lacks past the deadline",
             response_class=StreamingResponse, responses=report_responses(RowsReport), openapi_extra=EXTRACT_EXAMPLE)
def overdue_stages(
    principal: Reader,
    ledger: LedgerDep,
    extract: ExtractUpload,
    report_format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> StreamingResponse:
    """Each stage whose credit the extract lacks on its extract date, past last day + 15 days + 1 month
    (R223-8); unreadable extract lines are listed under `errors` (JSON) or counted in a header (CSV)."""
    reader = read_upload(extract)
    reconciliation, source = reconciliation_of(ledger)
    return _spooled(audit_reports.overdue_stages(reconciliation.run(reader)),
                    audit_reports.OVERDUE_STAGE_COLUMNS, negotiate(report_format, accept), "overdue-stages",
                    from_extract=True, source=source)
