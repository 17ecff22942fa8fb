"""`/ui/reconciliation` (upload a préfecture extract, read the report) and `/ui/audit` (the audit trail).

Both call what the API routes call: `reconciliation_of` (the read model when it is current, the fold of the
licences it does not reflect; the page names the source) on the extract read by `open_extract` (commas or
semicolons, with or without a BOM), and the `GET /audit/events` route function itself. Préfecture and auditor
only, as in the API.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from api.http.deps import LedgerDep
from api.http.routes.audit import AUDIT_READERS, EventType, audit_events
from api.http.routes.reconciliation import RECONCILIATION_READERS
from api.http.schemas import MAX_POSITION, MomentFrom, MomentUntil
from api.http.ui import report_store
from api.http.ui.access import PageProblem, Visitor, check_csrf, signed_in
from api.http.ui.rendering import render
from api.report_output import bad_row_json, neutral_row
from projections.reconciliation.extract import BadRow, InvalidExtract, open_extract
from projections.reconciliation.run import REPORT_COLUMNS
from projections.sources import reconciliation_of

router = APIRouter(prefix="/ui", include_in_schema=False)

PAGE_ROWS = 500  # rows shown on the report page; the CSV has them all
AUDIT_PAGE = 50
_T = TypeVar("_T")
_EVENT_TYPE: TypeAdapter[EventType] = TypeAdapter(EventType)
_FROM = TypeAdapter(MomentFrom)
_UNTIL = TypeAdapter(MomentUntil)


@router.get("/reconciliation", response_class=HTMLResponse)
def reconciliation_form(request: Request) -> Response:
    visitor = signed_in(request, RECONCILIATION_READERS)
    return render(request, "reconciliation.html", {"visitor": visitor}, visitor.session)


@router.post("/reconciliation")
def reconciliation_upload(request: Request, ledger: LedgerDep, extract: Annotated[UploadFile, File()],
                          csrf_token: Annotated[str, Form(max_length=200)] = "",
                          include_missing: Annotated[bool, Form()] = False) -> Response:
    """Reconcile the uploaded extract, keep the report, and show it."""
    visitor = signed_in(request, RECONCILIATION_READERS)
    check_csrf(visitor.session, csrf_token)
    text = io.TextIOWrapper(extract.file, encoding="utf-8-sig", errors="replace", newline="")
    try:
        reader = open_extract(text)
    except InvalidExtract as error:
        return render(request, "reconciliation.html", {
            "visitor": visitor, "error": f"Ligne {error.line}, « {error.field} » : {error.reason}"},
            visitor.session, 422)
    reconciliation, source = reconciliation_of(ledger, include_missing=include_missing)
    rows: list[dict[str, str]] = []
    errors = []
    for item in reconciliation.run(reader):
        if isinstance(item, BadRow):
            errors.append(bad_row_json(item))
        else:
            rows.append(item.as_csv())
    report_id = report_store.save(report_store.StoredReport(
        visitor.principal.token_id, extract.filename or "extrait.csv", reconciliation.summary.as_json(), rows,
        errors, source.as_json()))
    return RedirectResponse(f"/ui/reconciliation/{report_id}", status_code=303)


def _report(request: Request, report_id: str) -> tuple[report_store.StoredReport, Visitor]:
    visitor = signed_in(request, RECONCILIATION_READERS)
    report = report_store.load(report_id, visitor.principal.token_id)
    if report is None:
        raise PageProblem(404, "Rapport introuvable", "Ce rapport n'existe pas, a expiré ou a été produit par "
                                                      "un autre jeton. Déposez l'extrait à nouveau.")
    return report, visitor


@router.get("/reconciliation/{report_id}", response_class=HTMLResponse)
def reconciliation_report(request: Request, report_id: str,
                          kind: Annotated[str | None, Query(max_length=50)] = None) -> Response:
    """Counts per kind, the rows (of one kind when asked), each explained, and the unreadable lines."""
    report, visitor = _report(request, report_id)
    rows = [r for r in report.rows if not kind or r["kind"] == kind]
    return render(request, "reconciliation_report.html", {
        "visitor": visitor, "report": report, "report_id": report_id, "kind": kind or "",
        "rows": rows[:PAGE_ROWS], "total": len(rows), "page_rows": PAGE_ROWS}, visitor.session)


@router.get("/reconciliation/{report_id}/rapport.csv")
def reconciliation_csv(request: Request, report_id: str, excel: bool = False,
                       kind: Annotated[str | None, Query(max_length=50)] = None) -> Response:
    """The report as CSV; `excel=1`: a UTF-8 BOM and semicolons, as French Excel opens it directly."""
    report, _ = _report(request, report_id)
    text = io.StringIO()
    if excel:
        text.write("\ufeff")
    writer = csv.DictWriter(text, fieldnames=list(REPORT_COLUMNS), delimiter=";" if excel else ",",
                            lineterminator="\r\n" if excel else "\n")
    writer.writeheader()
    writer.writerows(neutral_row(r) for r in report.rows if not kind or r["kind"] == kind)
    name = f"rapprochement{'-excel' if excel else ''}.csv"
    return Response(text.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _parse(adapter: TypeAdapter[_T], field: str, text: str | None) -> _T | None:
    if not text:
        return None
    try:
        return adapter.validate_python(text)
    except ValidationError:
        raise PageProblem(422, "Filtre invalide", f"« {field} » : {text!r} n'est pas accepté.") from None


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, ledger: LedgerDep,
          recorded_by: Annotated[str | None, Query(max_length=200)] = None,
          since: Annotated[str | None, Query(alias="from", max_length=40)] = None,
          until: Annotated[str | None, Query(alias="to", max_length=40)] = None,
          event_type: Annotated[str | None, Query(alias="type", max_length=20)] = None,
          after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
          limit: Annotated[int, Query(ge=1, le=500)] = AUDIT_PAGE) -> Response:
    """The audit trail, filtered by recorder, period and type, one page at a time (the API's own route)."""
    visitor = signed_in(request, AUDIT_READERS)
    page = audit_events(visitor.principal, ledger, recorded_by=recorded_by or None,
                        since=_parse(_FROM, "from", since), until=_parse(_UNTIL, "to", until),
                        event_type=_parse(_EVENT_TYPE, "type", event_type), after=after, limit=limit)
    filters = {"recorded_by": recorded_by or "", "from": since or "", "to": until or "", "type": event_type or ""}
    next_url = None
    if page.next_after is not None:
        kept = {k: v for k, v in filters.items() if v}
        next_url = "/ui/audit?" + urlencode({**kept, **({"limit": limit} if limit != AUDIT_PAGE else {}),
                                             "after": page.next_after})
    return render(request, "audit.html", {"visitor": visitor, "page": page, "filters": filters, "after": after,
                                          "next_url": next_url}, visitor.session)
