"""`/ui/licences/{number}`: the licence page, and `/ui/licences/{number}/releve.pdf`: the printable statement.

Query: `on` (legal date, default today in Europe/Paris, read at the edge by `api.http.deps.get_today`), `mode`
(legal or administrative) and `known_at` (a moment, or a date = its end, UTC), read with the API's own types.
A prefecture, auditor or driver (its own licence) sees everything the balance and history routes show; an
organiser sees what `GET …/stage-eligibility` shows: the status and the stage eligibility.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError

from api.http.deps import LedgerDep, get_today
from api.http.routes.balances import BALANCE_READERS, ELIGIBILITY_READERS
from api.http.routes.history import HISTORY_READERS
from api.http.schemas import EARLIEST_DATE, LATEST_DATE, LICENCE_NUMBER_PATTERN, MomentUntil
from api.http.ui import pdf
from api.http.ui.access import PageProblem, Visitor, may_open_licence, signed_in
from api.http.ui.licence_view import LicencePage, licence_page
from api.http.ui.rendering import render
from ledger.application import PointsLedger
from ledger.errors import LicenceNotFound, LicenceNotYetRecorded
from ledger.facts import LicenceRecord
from ledger.values import Mode
from projections.balance import balance_as_of

router = APIRouter(prefix="/ui/licences", include_in_schema=False)

QueryText = Annotated[str | None, Query(max_length=100)]
Today = Annotated[date, Depends(get_today)]
_MOMENT = TypeAdapter(MomentUntil)
_NUMBER = re.compile(LICENCE_NUMBER_PATTERN)


def _bad(field: str, message: str) -> PageProblem:
    return PageProblem(422, "Paramètre invalide", f"« {field} » : {message}")


def read_day(text: str | None, today: date) -> date:
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _bad("on", f"{text!r} n'est pas une date AAAA-MM-JJ.") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise _bad("on", f"la date doit être comprise entre {EARLIEST_DATE} et {LATEST_DATE}.")
    return day


def read_moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return _MOMENT.validate_python(text)
    except ValidationError:
        raise _bad("known_at", f"{text!r} n'est ni une date AAAA-MM-JJ ni un instant ISO 8601.") from None


def read_mode(text: str | None) -> Mode:
    try:
        return Mode(text or Mode.LEGAL.value)
    except ValueError:
        raise _bad("mode", "« legal » ou « administrative » attendu.") from None


def load(ledger: PointsLedger, visitor: Visitor, number: str) -> LicenceRecord:
    """The licence's record, once the visitor may see it; a page 404 for a number the ledger does not hold."""
    may_open_licence(visitor, number)
    if len(number) > 64 or not _NUMBER.match(number):
        raise PageProblem(404, "Permis introuvable", "Ce numéro de permis n'est pas valide.")
    try:
        return ledger.get_record(number)
    except LicenceNotFound:
        raise PageProblem(404, "Permis introuvable", f"Le registre ne connaît aucun permis n° {number}.") from None


def known_page(record: LicenceRecord, day: date, moment: datetime | None, reading: Mode) -> LicencePage:
    """The page's content; a 404 page when `known_at` is before the licence was recorded (as the API)."""
    try:
        return licence_page(record, day, moment, reading)
    except LicenceNotYetRecorded:
        raise PageProblem(404, "Permis pas encore enregistré",
                          f"Le {moment:%d/%m/%Y à %H:%M} (UTC), le registre ne connaissait pas encore le permis "
                          f"n° {record.licence_number} : il a été enregistré plus tard.") from None


@router.get("/{number}", response_class=HTMLResponse)
def licence(request: Request, number: str, ledger: LedgerDep, today: Today, on: QueryText = None,
            mode: QueryText = None, known_at: QueryText = None) -> Response:
    """The licence on a day: figures, probation, stage, forecast, timeline, chart, anomalies."""
    visitor = signed_in(request, ELIGIBILITY_READERS)
    record = load(ledger, visitor, number)
    day, reading, moment = read_day(on, today), read_mode(mode), read_moment(known_at)
    query = {"on": on or "", "mode": reading.value, "known_at": known_at or ""}
    if visitor.principal.role not in BALANCE_READERS:  # an organiser: what the stage-eligibility route shows
        balance = balance_as_of(record, day, None, reading, with_forecast=False)
        return render(request, "eligibility.html", {"visitor": visitor, "number": number, "balance": balance,
                                                    "query": query, "today": today}, visitor.session)
    page = known_page(record, day, moment, reading)
    return render(request, "licence.html", {"visitor": visitor, "page": page, "query": query, "today": today,
                                            "printable": visitor.principal.role in HISTORY_READERS},
                  visitor.session)


@router.get("/{number}/releve.pdf")
def statement_pdf(request: Request, number: str, ledger: LedgerDep, today: Today, on: QueryText = None,
                  mode: QueryText = None, known_at: QueryText = None) -> Response:
    """The statement as PDF: every movement with the balance after it and its article, dated."""
    visitor = signed_in(request, HISTORY_READERS)
    record = load(ledger, visitor, number)
    page = known_page(record, read_day(on, today), read_moment(known_at), read_mode(mode))
    body = pdf.statement_pdf(page, today)
    filename = f"releve-{number}-{page.on.isoformat()}.pdf"
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
