"""`POST /reconciliations`: a préfecture extract (CSV upload) reconciled with the ledger, row by row.

The answer is the report of `points-ledger reconcile`: JSON `{"rows": [...], "errors": [...], "summary": {...}}`
by default, or CSV (the report rows only; the unreadable lines are then counted in the
`X-Extract-Unreadable-Lines` header — ask for JSON to get them) when the `format` query or the Accept header
says so. The extract is read as a stream and the report spooled to a temporary file, so memory stays bounded
whatever the upload's size. A file whose header lacks a required column is a 422 naming it. Préfecture and
auditor roles only.
"""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Query, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from api.http.auth import AuthenticatedRoute, Principal, Role, require_roles
from api.http.deps import LedgerDep
from api.http.errors import ERROR_RESPONSES, ApiError
from api.report_output import ReportFormat, SpooledReport, negotiate
from projections.reconciliation.extract import ExtractReader, InvalidExtract, open_extract
from projections.reconciliation.run import REPORT_COLUMNS
from projections.sources import reconciliation_of

router = APIRouter(tags=["reconciliation"], responses=ERROR_RESPONSES, route_class=AuthenticatedRoute)

RECONCILIATION_READERS = (Role.PREFECTURE, Role.AUDITOR)  # the web interface applies the same tuple
Reader = Annotated[Principal, Depends(require_roles(*RECONCILIATION_READERS))]
FormatQuery = Annotated[ReportFormat | None, Query(
    alias="format", description="json or csv (default: from the Accept header, else json).")]
AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]
ExtractUpload = Annotated[UploadFile, File(
    description="The préfecture's extract: UTF-8 CSV with the columns licence_number, extract_date, balance, "
                "status (optional: ceiling, last_stage_effective_on).")]
# The request body's example in the OpenAPI (a multipart form whose `extract` file is this CSV), for the routes
# that take an extract.
EXTRACT_EXAMPLE: dict[str, Any] = {"requestBody": {"content": {"multipart/form-data": {"examples": {
    "extract": {"summary": "A préfecture extract of two rows", "value": {"extract": (
        "licence_number,extract_date,balance,status,ceiling,last_stage_effective_on\n"
        "120375100001,2024-03-20,8,valid,12,\n"
        "120375100001,2025-01-31,8,valid,,\n")}},
}}}}}


class FieldProblemView(BaseModel):
    field: str
    reason: str


class UnreadableLine(BaseModel):
    """A line of the extract that could not be read: every faulty field and why."""

    line: int
    licence_number: str | None
    problems: list[FieldProblemView]


class ReconciliationReport(BaseModel):
    """The JSON report: one row per extract row (see `ReconciliationRow.as_json`), the unreadable lines, and
    the number of rows per kind."""

    rows: list[dict[str, Any]]
    errors: list[UnreadableLine]
    summary: dict[str, int]


def report_responses(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI answer of a report route: `model` as JSON, or CSV text."""
    return {200: {"model": model, "description": "The report (JSON, or CSV when asked).",
                  "content": {"text/csv": {"schema": {"type": "string"}}}}}


def read_upload(upload: UploadFile) -> ExtractReader:
    """The uploaded extract as a stream of rows (an invalid UTF-8 byte is reported on its line); 422 when the
    file as a whole cannot be read."""
    text = io.TextIOWrapper(upload.file, encoding="utf-8-sig", errors="replace", newline="")
    try:
        return open_extract(text)
    except InvalidExtract as error:
        raise ApiError(422, ["body", "extract", f"line {error.line}", error.field], error.reason,
                       "invalid_extract") from None


def send(report: SpooledReport, name: str, headers: dict[str, str]) -> StreamingResponse:
    """Stream the spooled report, with a file name for browsers."""
    extension = report.fmt.value
    headers = {**headers, "Content-Disposition": f'attachment; filename="{name}.{extension}"'}
    return StreamingResponse(report.chunks(), media_type=report.fmt.media_type, headers=headers)


@router.post("/reconciliations", summary="Reconcile a préfecture extract with the ledger",
             response_class=StreamingResponse, responses=report_responses(ReconciliationReport),
             openapi_extra=EXTRACT_EXAMPLE)
def reconcile(
    principal: Reader,
    ledger: LedgerDep,
    extract: ExtractUpload,
    include_missing: Annotated[bool, Query(
        description="Also list the ledger's licences the extract does not (kind missing_from_extract).")] = False,
    report_format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> StreamingResponse:
    """Each row is reconciled as of its extract date, in legal and administrative modes, and classified
    (match, unknown_licence, missing_from_extract, stage_pending, stage_overdue, invalidation_contestable,
    administrative_practice, balance_mismatch) with an explanation naming the facts, dates and articles."""
    fmt = negotiate(report_format, accept)
    reader = read_upload(extract)
    reconciliation, source = reconciliation_of(ledger, include_missing=include_missing)
    report = SpooledReport(fmt, REPORT_COLUMNS)
    report.write(reconciliation.run(reader))
    summary = reconciliation.summary.as_json()
    report.finish(summary)
    headers = {
        "X-Reconciliation-Rows": str(reconciliation.summary.rows),
        "X-Extract-Unreadable-Lines": str(reconciliation.summary.bad_rows),
        "X-Reconciliation-Summary": ", ".join(f"{kind}={count}" for kind, count in summary.items()),
        "X-Report-Source": source.describe(),
    }
    return send(report, "reconciliation", headers)
