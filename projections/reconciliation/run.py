"""A reconciliation report and how it is produced: one `ReconciliationRow` per extract row, streamed.

`reconcile_row` classifies a row (`projections.reconciliation.classify`) and explains it
(`projections.reconciliation.explanations`); `Reconciliation.run` does so for a whole extract, row by row in the
extract's order, keeping only the current licence's file (consecutive rows of one licence share its folds), so
memory does not grow with the extract. The record loader is passed in, so the rules are tested without a
database; `reconcile_with_ledger` loads records from the ledger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any, TypeVar

from ledger.application import PointsLedger
from ledger.errors import LicenceNotFound
from ledger.facts import LicenceRecord
from ledger.values import Mode, Status
from projections.intervals import Interval
from projections.reconciliation.classify import Kind, LicenceFile, MissingStage, classify
from projections.reconciliation.explanations import explain, explain_missing, explain_unknown, match_sentences
from projections.reconciliation.extract import BadRow, ExtractRow

REPORT_COLUMNS = (
    "line", "licence_number", "extract_date", "kind", "extract_balance", "extract_status", "extract_ceiling",
    "ledger_balance", "ledger_status", "ledger_ceiling", "administrative_balance", "administrative_status",
    "stage_deadline", "fact_ids", "explanation",
)


@dataclass(frozen=True, slots=True)
class ReconciliationRow:
    """One line of the report: the extract's figures, the ledger's (legal and administrative), the kind, why."""

    licence_number: str
    extract_date: date | None
    kind: Kind
    explanation: str
    line: int | None = None
    extract_balance: int | None = None
    extract_status: Status | None = None
    extract_ceiling: int | None = None
    ledger_balance: int | None = None
    ledger_status: Status | None = None
    ledger_ceiling: int | None = None
    administrative_balance: int | None = None
    administrative_status: Status | None = None
    missing_stages: tuple[MissingStage, ...] = ()
    fact_ids: tuple[str, ...] = ()

    @property
    def stage_deadline(self) -> date | None:
        """The earliest attestation deadline among the stages the préfecture lacks (the one that is late first)."""
        return min((s.deadline for s in self.missing_stages), default=None)

    def as_json(self) -> dict[str, Any]:
        """The row as JSON values (dates ISO, statuses and kind as strings, missing values null)."""
        return {
            "line": self.line,
            "licence_number": self.licence_number,
            "extract_date": _iso(self.extract_date),
            "kind": self.kind.value,
            "extract_balance": self.extract_balance,
            "extract_status": _value(self.extract_status),
            "extract_ceiling": self.extract_ceiling,
            "ledger_balance": self.ledger_balance,
            "ledger_status": _value(self.ledger_status),
            "ledger_ceiling": self.ledger_ceiling,
            "administrative_balance": self.administrative_balance,
            "administrative_status": _value(self.administrative_status),
            "stage_deadline": _iso(self.stage_deadline),
            "missing_stages": [s.as_json() for s in self.missing_stages],
            "fact_ids": list(self.fact_ids),
            "explanation": self.explanation,
        }

    def as_csv(self) -> dict[str, str]:
        """The row as the CSV report's cells (`REPORT_COLUMNS`; fact ids space-separated, missing values empty):
        the cells of `as_json`, built directly (a report writes a million of them; tested equal)."""
        return {
            "line": _text(self.line),
            "licence_number": self.licence_number,
            "extract_date": "" if self.extract_date is None else self.extract_date.isoformat(),
            "kind": self.kind.value,
            "extract_balance": _text(self.extract_balance),
            "extract_status": "" if self.extract_status is None else self.extract_status.value,
            "extract_ceiling": _text(self.extract_ceiling),
            "ledger_balance": _text(self.ledger_balance),
            "ledger_status": "" if self.ledger_status is None else self.ledger_status.value,
            "ledger_ceiling": _text(self.ledger_ceiling),
            "administrative_balance": _text(self.administrative_balance),
            "administrative_status": "" if self.administrative_status is None else self.administrative_status.value,
            "stage_deadline": _iso(self.stage_deadline) or "",
            "fact_ids": " ".join(self.fact_ids),
            "explanation": self.explanation,
        }


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _value(status: Status | None) -> str | None:
    return None if status is None else status.value


# -- one row ------------------------------------------------------------------------------------------------


def reconcile_row(row: ExtractRow, file: LicenceFile | None) -> ReconciliationRow:
    """Classify and explain one extract row against the licence's file (None: not in the ledger)."""
    if file is None:
        return ReconciliationRow(
            row.licence_number, row.extract_date, Kind.UNKNOWN_LICENCE, explain_unknown(row),
            line=row.line, extract_balance=row.balance, extract_status=row.status, extract_ceiling=row.ceiling,
        )
    verdict = classify(row, file)
    explanation = explain(row, file, verdict)
    legal, administrative = verdict.legal, verdict.administrative
    return ReconciliationRow(
        row.licence_number, row.extract_date, verdict.kind, explanation.text, line=row.line,
        extract_balance=row.balance, extract_status=row.status, extract_ceiling=row.ceiling,
        ledger_balance=legal.balance, ledger_status=legal.status, ledger_ceiling=legal.ceiling,
        administrative_balance=administrative.balance, administrative_status=administrative.status,
        missing_stages=verdict.missing, fact_ids=explanation.fact_ids,
    )


def matching_row(row: ExtractRow, known: Interval) -> ReconciliationRow | None:
    """The report row of `row` from the read model's interval on its date, when the extract matches the legal
    balance and the row needs nothing else (no stage of the préfecture to compare): the same row `reconcile_row`
    gives after folding (tested). None: the row needs the fold."""
    if (known.status is Status.NOT_OBTAINED or row.last_stage_effective_on is not None
            or row.balance != known.balance or row.status is not known.status):
        return None
    text = " ".join(match_sentences(row, known.balance, known.ceiling, known.status, known.last_movement))
    return ReconciliationRow(
        row.licence_number, row.extract_date, Kind.MATCH, text, line=row.line, extract_balance=row.balance,
        extract_status=row.status, extract_ceiling=row.ceiling, ledger_balance=known.balance,
        ledger_status=known.status, ledger_ceiling=known.ceiling,
        administrative_balance=known.administrative_balance, administrative_status=known.administrative_status,
        fact_ids=(known.last_fact_id,) if known.last_fact_id is not None else (),
    )


def missing_row(file: LicenceFile, on: date | None) -> ReconciliationRow:
    """A ledger licence the extract does not list, with its balances on the extract's date when known."""
    explanation = explain_missing(file, on)
    if on is None:
        return ReconciliationRow(file.licence_number, None, Kind.MISSING_FROM_EXTRACT, explanation.text,
                                 fact_ids=explanation.fact_ids)
    legal = file.timeline(Mode.LEGAL).state_on(on)
    administrative = file.timeline(Mode.ADMINISTRATIVE).state_on(on)
    return ReconciliationRow(
        file.licence_number, on, Kind.MISSING_FROM_EXTRACT, explanation.text, ledger_balance=legal.balance,
        ledger_status=legal.status, ledger_ceiling=legal.ceiling, administrative_balance=administrative.balance,
        administrative_status=administrative.status, fact_ids=explanation.fact_ids,
    )


# -- a whole extract ----------------------------------------------------------------------------------------

LoadRecord = Callable[[str], LicenceRecord | None]
_T = TypeVar("_T")
LoadRecords = Callable[[Sequence[str]], Mapping[str, LicenceRecord]]
# (licence, extract date) pairs → the read model's interval on that date, or None for a licence the ledger does
# not hold; a pair left out must be folded (its licence changed after the read model's position).
KnownStates = Callable[[Sequence[tuple[str, date]]], Mapping[tuple[str, date], Interval | None]]

PREFETCH_ROWS = 200  # extract rows read ahead so their licences are loaded in one query (bounded memory)


@dataclass(slots=True)
class ReconciliationSummary:
    """What one run produced: rows per kind and unreadable lines. Bounded: one counter per kind."""

    counts: Counter[Kind] = field(default_factory=Counter)
    bad_rows: int = 0
    folded_rows: int = 0  # rows whose licence was folded (the others were answered by the read model)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def as_json(self) -> dict[str, int]:
        return {**{kind.value: self.counts[kind] for kind in Kind}, "unreadable_rows": self.bad_rows}


class Reconciliation:
    """Reconcile one extract, streaming: rows in, report rows (and unreadable lines) out, in the extract's order.

    `load(number)` returns a licence's record or None; only the current licence's file is kept, so memory is
    bounded by one licence whatever the extract's size. With `load_many(numbers)` (records by number, absent
    when unknown), the run reads `PREFETCH_ROWS` rows ahead and loads their licences in one call: fewer store
    round trips, memory still bounded by that window, not by the extract or the ledger. With `known` (the read
    model's intervals of a window's rows, `KnownStates`), a row that matches the legal balance, or whose licence
    the ledger does not hold, is answered without loading or folding anything; only the other rows are folded.
    With `include_missing`, the licence numbers seen are kept (bounded by the number of licences) and, after the
    last row, each ledger licence from `licence_numbers()` that the extract did not list gives a
    `missing_from_extract` row, on the latest extract date seen.
    """

    def __init__(
        self, load: LoadRecord, *, include_missing: bool = False,
        licence_numbers: Callable[[], Iterable[str]] | None = None, load_many: LoadRecords | None = None,
        known: KnownStates | None = None,
    ) -> None:
        if include_missing and licence_numbers is None:
            raise ValueError("include_missing needs the ledger's licence numbers")
        self.load = load
        self.load_many = load_many
        self.known = known
        self.include_missing = include_missing
        self.licence_numbers = licence_numbers
        self.summary = ReconciliationSummary()
        self._load_errors: dict[str, Exception] = {}  # licences a batch read could not load, and why

    def run(self, items: Iterable[ExtractRow | BadRow]) -> Iterator[ReconciliationRow | BadRow]:
        seen: set[str] = set()
        latest: date | None = None
        current: LicenceFile | None = None
        current_number: str | None = None
        for item, preloaded, answered in self._with_records(items):
            if isinstance(item, BadRow):
                self.summary.bad_rows += 1
                if self.include_missing and item.licence_number:
                    seen.add(item.licence_number)
                yield item
                continue
            if self.include_missing:
                seen.add(item.licence_number)
                latest = item.extract_date if latest is None else max(latest, item.extract_date)
            if answered is None:
                try:
                    if item.licence_number != current_number:
                        current_number = item.licence_number
                        current = None
                        failed = self._load_errors.pop(item.licence_number, None)
                        if failed is not None:
                            raise failed
                        record = (preloaded.get(item.licence_number) if self.load_many
                                  else self.load(item.licence_number))
                        current = LicenceFile(record) if record is not None else None
                    answered = reconcile_row(item, current)
                except Exception as error:  # one licence that cannot be folded is a row
                    answered = ledger_error_row(item.licence_number, error, item)
                self.summary.folded_rows += 1
            self.summary.counts[answered.kind] += 1
            yield answered
        if self.include_missing:
            yield from self.missing(seen, latest)

    def missing(self, seen: set[str], latest: date | None) -> Iterator[ReconciliationRow]:
        """The `missing_from_extract` rows: each ledger licence not in `seen`, on the `latest` extract date."""
        assert self.licence_numbers is not None
        unseen = (number for number in self.licence_numbers() if number not in seen)
        for window in _windows(unseen, PREFETCH_ROWS):
            records = self._records(window)
            for number in window:
                record = records.get(number)
                try:
                    record = record or self.load(number)
                    if record is None:
                        continue
                    result = missing_row(LicenceFile(record), latest)
                except Exception as error:  # one licence that cannot be folded is a row
                    result = ledger_error_row(number, error)
                self.summary.counts[result.kind] += 1
                self.summary.folded_rows += 1
                yield result

    def _with_records(
        self, items: Iterable[ExtractRow | BadRow]
    ) -> Iterator[tuple[ExtractRow | BadRow, Mapping[str, LicenceRecord], ReconciliationRow | None]]:
        """Each item with the records preloaded for its window (empty without `load_many`: loaded one by one)
        and its report row when the read model answers it (None: it must be folded)."""
        if self.load_many is None and self.known is None:
            for item in items:
                yield item, {}, None
            return
        for window in _windows(items, PREFETCH_ROWS):
            answers = self._answered(window)
            numbers = list(dict.fromkeys(i.licence_number for n, i in enumerate(window)
                                         if isinstance(i, ExtractRow) and answers[n] is None))
            records = self._records(numbers) if numbers and self.load_many is not None else {}
            for item, answered in zip(window, answers, strict=True):
                yield item, records, answered

    def _answered(self, window: list[ExtractRow | BadRow]) -> list[ReconciliationRow | None]:
        """The rows of `window` the read model answers (None where the row must be folded)."""
        if self.known is None:
            return [None] * len(window)
        states = self.known([(i.licence_number, i.extract_date) for i in window if isinstance(i, ExtractRow)])
        answers: list[ReconciliationRow | None] = []
        for item in window:
            key = (item.licence_number, item.extract_date) if isinstance(item, ExtractRow) else None
            if key is None or key not in states:
                answers.append(None)
                continue
            known = states[key]
            assert isinstance(item, ExtractRow)
            answers.append(reconcile_row(item, None) if known is None else matching_row(item, known))
        return answers

    def _records(self, numbers: list[str]) -> Mapping[str, LicenceRecord]:
        """The records of `numbers`; when the batch read fails (one damaged licence), one by one, so that only
        the damaged licence is missing here and fails again, alone, when its row is folded."""
        if self.load_many is not None:
            try:
                return self.load_many(numbers)
            except Exception:  # noqa: S110 - retried licence by licence below
                pass
        records: dict[str, LicenceRecord] = {}
        for number in numbers:
            try:
                record = self.load(number)
            except Exception as error:  # a ledger_error row when its row is folded
                self._load_errors[number] = error
                continue
            if record is not None:
                records[number] = record
        return records


def ledger_error_row(licence_number: str, error: BaseException, row: ExtractRow | None = None) -> ReconciliationRow:
    """The report row of a licence the ledger cannot fold: its number, the extract's figures, and why."""
    reason = " ".join(str(error).split()) or type(error).__name__
    explanation = (f"the ledger cannot fold this licence ({type(error).__name__}: {reason[:300]}); "
                   "run points-ledger verify")
    if row is None:
        return ReconciliationRow(licence_number, None, Kind.LEDGER_ERROR, explanation)
    return ReconciliationRow(licence_number, row.extract_date, Kind.LEDGER_ERROR, explanation, line=row.line,
                             extract_balance=row.balance, extract_status=row.status, extract_ceiling=row.ceiling)


def _windows(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while window := list(islice(iterator, size)):
        yield window


def ledger_loader(ledger: PointsLedger) -> LoadRecord:
    """Read records from the ledger (one round trip per licence); None for a number it does not hold."""

    def load(licence_number: str) -> LicenceRecord | None:
        try:
            return ledger.get_record(licence_number)
        except LicenceNotFound:
            return None

    return load


def reconcile_with_ledger(ledger: PointsLedger, *, include_missing: bool = False) -> Reconciliation:
    """A reconciliation against everything the ledger knows now, loading the licences of a window of rows in
    one query (`PointsLedger.get_records`)."""
    return Reconciliation(ledger_loader(ledger), include_missing=include_missing,
                          licence_numbers=ledger.licence_numbers, load_many=ledger.get_records)
