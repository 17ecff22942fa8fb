"""The audit reports that fold only what they need, page by page: candidates from the read model or the fact
index, then the same per-licence functions as the full fold (`projections.audit_reports`), so the rows are the same.

- zero balance on D: the licences whose interval on D is at 0 (a partial index of the read model), plus the
  licences recorded since its position; each candidate is folded to explain its zero;
- contestable invalidations: the licences with a lettre 48SI notified in the period (the fact index), each
  folded to tell a void letter from an effective one.

Rows come in licence-number order (byte order: Python's order of `str`, PostgreSQL's `COLLATE "C"`), so that a
page is "the next `limit` licences after the last one shown": the candidates of a page are read by walking an index
from that licence number, and a page costs the same at 10 k licences as at 40 M. The whole report is its pages one
after the other (`zero_balance_report`, `contestable_report`, streamed with bounded memory).

When the read model or the fact index cannot be read (SQLite, never built, too far behind), every licence is a
candidate (sorted by number) and each is folded, as before. Each report comes with its `Source`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar
from uuid import UUID

from ledger.application import PointsLedger
from ledger.events import LicenceWasObtained
from ledger.fact_index import current_index
from ledger.values import LetterCode, Mode
from projections import audit_reports
from projections.audit_reports import (
    CONTESTABLE_COLUMNS,
    ZERO_BALANCE_COLUMNS,
    ContestableInvalidation,
    ZeroBalance,
)
from projections.reconciliation.classify import LicenceFile
from projections.report_errors import LicenceError
from projections.sources import Source, read_model_of

_Row = TypeVar("_Row")
BATCH = 500  # candidates read at a time by a whole report
MAX_PAGE = 1_000  # the largest page one call may ask for

Candidates = Callable[[str, int], list[str]]
"""(after, limit) → at most `limit` licence numbers after `after`, in licence-number order, that may have a row."""


@dataclass(frozen=True, slots=True)
class ReportPage(Generic[_Row]):
    """One page of a report: its rows (a licence's rows are never split between two pages), the licence number to
    pass as `after` for the next page (None: this was the last page), and what the rows were read from."""

    rows: list[_Row | LicenceError]
    next_after: str | None
    source: Source


# -- zero balance ---------------------------------------------------------------------------------------------

def zero_balance_page(ledger: PointsLedger, on: date, mode: Mode = Mode.LEGAL, *, after: str = "",
                      limit: int = 100) -> ReportPage[ZeroBalance]:
    """The licences at 0 on `on` in `mode` whose numbers come after `after`: at least `limit` rows unless it is
    the last page."""
    candidates, source = _zero_candidates(ledger, on, mode)
    rows, following = _page(ledger, candidates, ZERO_BALANCE_COLUMNS, _zero_rows(on, mode), after, limit)
    return ReportPage(rows, following, source)


def zero_balance_report(ledger: PointsLedger, on: date, mode: Mode = Mode.LEGAL
                        ) -> tuple[Iterator[ZeroBalance | LicenceError], Source]:
    """Every licence at 0 on `on` in `mode`, in licence-number order, and where the answer was read."""
    candidates, source = _zero_candidates(ledger, on, mode)
    return _all_rows(ledger, candidates, ZERO_BALANCE_COLUMNS, _zero_rows(on, mode)), source


def _zero_rows(on: date, mode: Mode) -> Callable[[LicenceFile], list[ZeroBalance]]:
    def rows(file: LicenceFile) -> list[ZeroBalance]:
        zero = audit_reports.zero_balance_of(file, on, mode)
        return [zero] if zero is not None else []

    return rows


def _zero_candidates(ledger: PointsLedger, on: date, mode: Mode) -> tuple[Candidates, Source]:
    model, stale, source = read_model_of(ledger)
    if model is None:
        return _every_licence(ledger), source
    stale_numbers = sorted(_numbers_of(ledger, stale).values())

    def candidates(after: str, limit: int) -> list[str]:
        return _merged(model.at_zero_page(on, mode, after=after, limit=limit), stale_numbers, after, limit)

    return candidates, source


# -- contestable invalidations --------------------------------------------------------------------------------

def contestable_page(ledger: PointsLedger, *, since: date | None = None, until: date | None = None,
                     after: str = "", limit: int = 100) -> ReportPage[ContestableInvalidation]:
    """The void lettres 48SI notified in [since, until] of the licences whose numbers come after `after`."""
    candidates, source = _contestable_candidates(ledger, since, until)
    rows, following = _page(ledger, candidates, CONTESTABLE_COLUMNS, _contestable_rows(since, until), after, limit)
    return ReportPage(rows, following, source)


def contestable_report(ledger: PointsLedger, *, since: date | None = None, until: date | None = None
                       ) -> tuple[Iterator[ContestableInvalidation | LicenceError], Source]:
    """The void lettres 48SI notified in [since, until], in licence-number order, and where the candidates were
    read."""
    candidates, source = _contestable_candidates(ledger, since, until)
    return _all_rows(ledger, candidates, CONTESTABLE_COLUMNS, _contestable_rows(since, until)), source


def _contestable_rows(since: date | None, until: date | None
                      ) -> Callable[[LicenceFile], Iterable[ContestableInvalidation]]:
    return lambda file: audit_reports.contestable_invalidations_of(file, since=since, until=until)


def _contestable_candidates(ledger: PointsLedger, since: date | None, until: date | None
                            ) -> tuple[Candidates, Source]:
    """The licences with a 48SI in the period (the fact index) — narrowed, when the read model can be read, to
    those whose letter's day did not end invalidated (`BalanceReadModel.void_48si_candidates`), plus the licences
    the read model has not caught up with."""
    index = current_index(ledger)
    if index is None:
        head = int(ledger.recorder.max_notification_id() or 0)
        return _every_licence(ledger), Source(None, None, head)
    position = index.position()
    model, stale, source = read_model_of(ledger)
    if model is None:
        def letters(after: str, limit: int) -> list[str]:
            return index.letters(LetterCode.L48SI.value, since, until, after=after, limit=limit)

        return letters, Source("fact_index", position, position)
    stale_numbers = sorted(_numbers_of(ledger, stale).values())

    def candidates(after: str, limit: int) -> list[str]:
        page = model.void_48si_candidates(index, since, until, after=after, limit=limit)
        return _merged(page, stale_numbers, after, limit)

    return candidates, Source(f"{source.read_model} and fact_index", source.position, position, source.stale)


# -- paging -----------------------------------------------------------------------------------------------------

def _page(ledger: PointsLedger, candidates: Candidates, columns: tuple[str, ...],
          rows_of: Callable[[LicenceFile], Iterable[_Row]], after: str, limit: int
          ) -> tuple[list[_Row | LicenceError], str | None]:
    """Fold candidates after `after` until `limit` rows are found; the last licence folded is the next cursor,
    unless no candidate is left. A candidate may give no row (a stale licence no longer at 0, an effective 48SI),
    so a page may read a few batches of candidates; the last page may then, rarely, come back empty."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
    rows: list[_Row | LicenceError] = []
    cursor = after
    while True:
        batch = candidates(cursor, limit + 1)  # one more than a page: is there anything after the page?
        for done, number in enumerate(batch, start=1):
            rows.extend(audit_reports.each_licence(ledger, columns, rows_of, [number]))
            cursor = number
            if len(rows) >= limit:
                return rows, number if done < len(batch) or len(batch) > limit else None
        if len(batch) <= limit:
            return rows, None


def _all_rows(ledger: PointsLedger, candidates: Candidates, columns: tuple[str, ...],
              rows_of: Callable[[LicenceFile], Iterable[_Row]]) -> Iterator[_Row | LicenceError]:
    """Every row, candidates read `BATCH` at a time: memory bounded by one batch of licence numbers."""
    cursor = ""
    while True:
        batch = candidates(cursor, BATCH)
        yield from audit_reports.each_licence(ledger, columns, rows_of, batch)
        if len(batch) < BATCH:
            return
        cursor = batch[-1]


def _merged(page: list[str], extra: list[str], after: str, limit: int) -> list[str]:
    """`page` (at most `limit` numbers after `after`, in order) with the sorted `extra` numbers that fall in its
    span: after `after`, and not beyond the page's last number when the page is full (what lies beyond belongs to
    the next page, whose own read will merge it)."""
    start = bisect_right(extra, after)
    end = bisect_right(extra, page[-1]) if len(page) == limit else len(extra)
    return sorted(set(page).union(extra[start:end]))[:max(limit, len(page))]


def _every_licence(ledger: PointsLedger) -> Candidates:
    """Every licence of the ledger, sorted by number: the candidates when no index can narrow them (the numbers
    are read once, when the first page is asked for)."""
    numbers: list[str] = []

    def candidates(after: str, limit: int) -> list[str]:
        if not numbers:
            numbers.extend(sorted(ledger.licence_numbers()))
        start = bisect_right(numbers, after)
        return numbers[start:start + limit]

    return candidates


def _numbers_of(ledger: PointsLedger, streams: set[UUID]) -> dict[UUID, str]:
    numbers = {}
    for stream in streams:
        first: Any = next(iter(ledger.events.get(stream, lte=1)), None)
        if isinstance(first, LicenceWasObtained):
            numbers[stream] = first.licence_number
    return numbers
