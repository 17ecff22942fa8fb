"""Audit reports across licences (issue 5, item 4), used alike by the CLI and the HTTP routes.

- `facts_recorded_by`: every fact a given recorder entered in a period (the audit trail, by recording time);
- `zero_balance_on`: licences whose balance was 0 on a date (valid awaiting a lettre 48SI, or invalidated);
- `contestable_invalidations`: lettres 48SI notified while the legal balance was positive (void, CE n° 461479);
- `overdue_stages`: stages whose credit a préfecture extract still lacks past the 15-day + 1-month deadline.

Each yields one row at a time (memory bounded by one licence), each row knowing its JSON and CSV forms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from ledger.application import PointsLedger
from ledger.errors import LicenceNotFound
from ledger.fact_index import audit_events as indexed_audit_events
from ledger.facts import AnyFact, LetterNotified
from ledger.values import LetterCode, Mode, Status
from projections.reconciliation.classify import LicenceFile, MissingStage
from projections.reconciliation.explanations import restoring_movements, zero_since
from projections.reconciliation.extract import BadRow
from projections.reconciliation.run import ReconciliationRow
from projections.report_errors import LicenceError
from projections.wording import fact_reference, fact_summary, movement_text, movements_text

PARIS = ZoneInfo("Europe/Paris")
_Row = TypeVar("_Row")
AUDIT_PAGE = 500


def _cells(values: dict[str, Any], columns: tuple[str, ...]) -> dict[str, str]:
    return {name: "" if values[name] is None else str(values[name]) for name in columns}


def recording_period(first_day: date | None, last_day: date | None) -> tuple[datetime | None, datetime | None]:
    """Paris calendar days → the recording-time bounds [first day 00:00, last day 24:00) as aware datetimes."""
    since = datetime.combine(first_day, time.min, tzinfo=PARIS) if first_day else None
    until = (datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=PARIS) - timedelta(microseconds=1)
             if last_day else None)
    return since, until


# -- every fact recorded by one recorder ---------------------------------------------------------------------

RECORDED_FACT_COLUMNS = ("position", "recorded_at", "recorded_by", "licence_number", "type", "fact_id",
                         "evidence_ref", "summary")


@dataclass(frozen=True, slots=True)
class RecordedFact:
    """One entry of the audit trail: where it is in the ledger, when and by whom it was recorded, what it says."""

    position: int
    recorded_at: datetime
    recorded_by: str
    licence_number: str
    type: str
    fact_id: str
    evidence_ref: str
    summary: str

    def as_json(self) -> dict[str, Any]:
        return {"position": self.position, "recorded_at": self.recorded_at.isoformat(),
                "recorded_by": self.recorded_by, "licence_number": self.licence_number, "type": self.type,
                "fact_id": self.fact_id, "evidence_ref": self.evidence_ref, "summary": self.summary}

    def as_csv(self) -> dict[str, str]:
        return _cells(self.as_json(), RECORDED_FACT_COLUMNS)


def _recorded_fact(ledger: PointsLedger, position: int, event: Any) -> RecordedFact:
    number = ledger.licence_number_of(event)
    fact: AnyFact = event.as_fact()
    return RecordedFact(position, event.timestamp, fact.recorded_by, number, ledger.event_type(event), fact.fact_id,
                        fact.evidence_ref, fact_summary(fact))


def recorded_by_page(
    ledger: PointsLedger, recorder: str, *, since: datetime | None = None, until: datetime | None = None,
    after: int = 0, limit: int = 100,
) -> tuple[list[RecordedFact], int | None]:
    """One page of the facts `recorder` entered in [since, until]; the position to continue from, or None."""
    page, following, _ = indexed_audit_events(ledger, recorded_by=recorder, since=since, until=until, after=after,
                                              limit=limit)
    return [_recorded_fact(ledger, position, event) for position, event in page], following


def facts_recorded_by(
    ledger: PointsLedger, recorder: str, *, since: datetime | None = None, until: datetime | None = None,
) -> Iterator[RecordedFact]:
    """Every fact `recorder` entered in [since, until], oldest first, read page by page."""
    after: int | None = 0
    while after is not None:
        page, after, _ = indexed_audit_events(ledger, recorded_by=recorder, since=since, until=until, after=after,
                                              limit=AUDIT_PAGE)
        for position, event in page:
            yield _recorded_fact(ledger, position, event)


# -- licences at 0 on a date ---------------------------------------------------------------------------------

ZERO_BALANCE_COLUMNS = ("licence_number", "on", "mode", "status", "ceiling", "zero_since", "forty_eight_si_on",
                        "invalidated_on", "fact_ids", "explanation")


@dataclass(frozen=True, slots=True)
class ZeroBalance:
    """A licence at 0 points on a day: since when, and whether a lettre 48SI invalidated it."""

    licence_number: str
    on: date
    mode: Mode
    status: Status
    ceiling: int
    zero_since: date | None
    forty_eight_si_on: date | None
    invalidated_on: date | None
    fact_ids: tuple[str, ...]
    explanation: str

    def as_json(self) -> dict[str, Any]:
        return {"licence_number": self.licence_number, "on": self.on.isoformat(), "mode": self.mode.value,
                "status": self.status.value, "ceiling": self.ceiling,
                "zero_since": self.zero_since.isoformat() if self.zero_since else None,
                "forty_eight_si_on": self.forty_eight_si_on.isoformat() if self.forty_eight_si_on else None,
                "invalidated_on": self.invalidated_on.isoformat() if self.invalidated_on else None,
                "fact_ids": list(self.fact_ids), "explanation": self.explanation}

    def as_csv(self) -> dict[str, str]:
        values = self.as_json()
        values["fact_ids"] = " ".join(self.fact_ids)
        return _cells(values, ZERO_BALANCE_COLUMNS)


def each_licence(ledger: PointsLedger, columns: tuple[str, ...], rows: Callable[[LicenceFile], Iterable[_Row]],
                 numbers: Iterable[str] | None = None) -> Iterator[_Row | LicenceError]:
    """`rows` of every licence in licence-number order (or of `numbers`, in their order); a licence that cannot
    be read or folded is a `LicenceError` row, and the report goes on with the next one. Licence-number order is
    the order of the paged reports (`projections.national_reports`), which read their candidates from indexes."""
    for number in sorted(ledger.licence_numbers()) if numbers is None else numbers:
        try:
            yield from list(rows(LicenceFile(ledger.get_record(number))))
        except LicenceNotFound:  # pragma: no cover - a listed licence always has a stream
            continue
        except Exception as error:  # one licence that cannot be folded is a row, not the end of the report
            yield LicenceError.of(number, error, columns)


def zero_balance_on(ledger: PointsLedger, on: date, mode: Mode = Mode.LEGAL) -> Iterator[ZeroBalance | LicenceError]:
    """Every licence whose balance was 0 at the end of `on` (A.14), in `mode`; licences not yet obtained excluded."""
    def rows(file: LicenceFile) -> list[ZeroBalance]:
        zero = zero_balance_of(file, on, mode)
        return [zero] if zero is not None else []

    return each_licence(ledger, ZERO_BALANCE_COLUMNS, rows)


def zero_balance_of(file: LicenceFile, on: date, mode: Mode = Mode.LEGAL) -> ZeroBalance | None:
    """The licence's zero balance on `on`, explained, or None if it had points (or no licence yet)."""
    timeline = file.timeline(mode)
    state = timeline.state_on(on)
    if state.balance != 0 or state.status is Status.NOT_OBTAINED:
        return None
    since = zero_since(timeline, on)
    start = state.licence_started_on or file.record.licence.obtained_on
    letters = [f for f in file.record.facts if isinstance(f, LetterNotified) and f.code is LetterCode.L48SI
               and start <= f.notified_on <= on]
    letter = max(letters, key=lambda f: (f.notified_on, f.order_key), default=None)
    fact_ids = [i for i in (since.fact_id if since else None, letter.fact_id if letter else None) if i]
    parts = [f"0 point(s) on {on.isoformat()} ({mode.value})"]
    if since is not None:
        parts.append(f"since {movement_text(since, file.facts)}")
    if state.status is Status.INVALIDATED and state.invalidated_on is not None:
        parts.append(f"invalidated by the lettre 48SI notified {state.invalidated_on.isoformat()}"
                     + (f" ({fact_reference(letter.fact_id, file.facts)})" if letter else ""))
    elif letter is not None:
        parts.append(f"the lettre 48SI notified {letter.notified_on.isoformat()} "
                     f"({fact_reference(letter.fact_id, file.facts)}) did not invalidate it")
    else:
        parts.append("no lettre 48SI notified yet: the licence keeps its validity and a stage can still restore "
                     "points (rules A.6)")
    return ZeroBalance(file.licence_number, on, mode, state.status, state.ceiling, since.on if since else None,
                       letter.notified_on if letter else None, state.invalidated_on, tuple(fact_ids),
                       "; ".join(parts) + ".")


# -- contestable invalidations -------------------------------------------------------------------------------

CONTESTABLE_COLUMNS = ("licence_number", "notified_on", "fact_id", "evidence_ref", "legal_balance",
                       "administrative_status", "fact_ids", "explanation")


@dataclass(frozen=True, slots=True)
class ContestableInvalidation:
    """A lettre 48SI notified on a positive legal balance: void, it invalidates nothing (rules A.6)."""

    licence_number: str
    notified_on: date
    fact_id: str
    evidence_ref: str
    legal_balance: int
    administrative_status: Status
    fact_ids: tuple[str, ...]
    explanation: str

    def as_json(self) -> dict[str, Any]:
        return {"licence_number": self.licence_number, "notified_on": self.notified_on.isoformat(),
                "fact_id": self.fact_id, "evidence_ref": self.evidence_ref, "legal_balance": self.legal_balance,
                "administrative_status": self.administrative_status.value, "fact_ids": list(self.fact_ids),
                "explanation": self.explanation}

    def as_csv(self) -> dict[str, str]:
        values = self.as_json()
        values["fact_ids"] = " ".join(self.fact_ids)
        return _cells(values, CONTESTABLE_COLUMNS)


def contestable_invalidations(
    ledger: PointsLedger, *, since: date | None = None, until: date | None = None
) -> Iterator[ContestableInvalidation | LicenceError]:
    """Every lettre 48SI notified in [since, until] while the legal balance was positive, licence by licence."""
    return each_licence(ledger, CONTESTABLE_COLUMNS,
                         lambda file: contestable_invalidations_of(file, since=since, until=until))


def contestable_invalidations_of(
    file: LicenceFile, *, since: date | None = None, until: date | None = None
) -> Iterator[ContestableInvalidation]:
    """The void lettres 48SI of one licence (the legal timeline's `void_48si` anomalies), explained."""
    legal = file.timeline(Mode.LEGAL)
    for anomaly in legal.anomalies:
        if anomaly.kind != "void_48si" or anomaly.fact_id is None:
            continue
        if (since is not None and anomaly.on < since) or (until is not None and anomaly.on > until):
            continue
        balance = legal.state_on(anomaly.on).balance
        administrative = file.timeline(Mode.ADMINISTRATIVE).state_on(anomaly.on)
        restoring = restoring_movements(legal, anomaly.on)
        letter = file.facts.get(anomaly.fact_id)
        explanation = (f"lettre 48SI notified {anomaly.on.isoformat()} on a legal balance of {balance} point(s): "
                       f"void, a 48SI takes effect only on a zero balance (L223-1; CE 29 sept. 2023 n° 461479)")
        explanation += (f"; positive again because of: {movements_text(restoring, file.facts)}" if restoring
                        else "; the legal balance had not fallen to 0")
        if administrative.status is Status.INVALIDATED:
            explanation += "; administrative practice counts the licence invalidated"
        fact_ids = (anomaly.fact_id, *(m.fact_id for m in restoring if m.fact_id))
        yield ContestableInvalidation(file.licence_number, anomaly.on, anomaly.fact_id,
                                      letter.evidence_ref if letter else "", balance, administrative.status,
                                      tuple(dict.fromkeys(fact_ids)), explanation + ".")


# -- stages a préfecture extract still lacks past the deadline ------------------------------------------------

OVERDUE_STAGE_COLUMNS = ("line", "licence_number", "extract_date", "kind", "fact_id", "evidence_ref",
                         "first_day", "last_day", "effective_on", "credit", "deadline", "days_late")


@dataclass(frozen=True, slots=True)
class OverdueStage:
    """A stage credit the préfecture should have recorded by its deadline (R223-8) and did not show on the
    extract's date: the extract row that lacks it, and the stage as the reconciliation found it missing."""

    line: int | None
    licence_number: str
    extract_date: date
    kind: str
    stage: MissingStage

    @property
    def days_late(self) -> int:
        return (self.extract_date - self.stage.deadline).days

    def as_json(self) -> dict[str, Any]:
        stage = {name: value for name, value in self.stage.as_json().items() if name != "overdue"}
        return {"line": self.line, "licence_number": self.licence_number,
                "extract_date": self.extract_date.isoformat(), "kind": self.kind, **stage,
                "days_late": self.days_late}

    def as_csv(self) -> dict[str, str]:
        return _cells(self.as_json(), OVERDUE_STAGE_COLUMNS)


def overdue_stages(results: Iterable[ReconciliationRow | BadRow]) -> Iterator[OverdueStage | BadRow]:
    """From a reconciliation's rows, the stages past their deadline that the extract lacks (unreadable lines
    pass through, to be reported). A stage behind a contestable invalidation counts too."""
    for result in results:
        if isinstance(result, BadRow):
            yield result
            continue
        if result.extract_date is None:
            continue
        for stage in result.missing_stages:
            if stage.overdue:
                yield OverdueStage(result.line, result.licence_number, result.extract_date, result.kind.value,
                                   stage)
