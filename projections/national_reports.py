"""The audit reports that fold only what they need: candidates from the read model or the fact index, then the
same per-licence functions as the full fold (`projections.audit_reports`), so the rows are the same.

- zero balance on D: the licences whose interval on D is at 0 (a partial index of the read model), plus the
  licences recorded since its position; each candidate is folded to explain its zero;
- contestable invalidations: the licences with a lettre 48SI notified in the period (the fact index), each
  folded to tell a void letter from an effective one.

When the read model or the fact index cannot be read (SQLite, never built, too far behind), every licence is
folded, as before. Each report comes with its `Source`; rows come in licence-number order (the full fold gives
them in creation order).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
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


def zero_balance_report(ledger: PointsLedger, on: date, mode: Mode = Mode.LEGAL
                        ) -> tuple[Iterator[ZeroBalance | LicenceError], Source]:
    """The licences at 0 on `on` in `mode`, and where the answer was read."""
    model, stale, source = read_model_of(ledger)
    if model is None:
        return audit_reports.zero_balance_on(ledger, on, mode), source
    numbers = sorted({*model.at_zero_on(on, mode), *_numbers_of(ledger, stale)})

    def rows(file: LicenceFile) -> list[ZeroBalance]:
        zero = audit_reports.zero_balance_of(file, on, mode)
        return [zero] if zero is not None else []

    return audit_reports.each_licence(ledger, ZERO_BALANCE_COLUMNS, rows, numbers), source


def contestable_report(ledger: PointsLedger, *, since: date | None = None, until: date | None = None
                       ) -> tuple[Iterator[ContestableInvalidation | LicenceError], Source]:
    """The void lettres 48SI notified in [since, until], and where the candidates were read."""
    index = current_index(ledger)
    if index is None:
        head = int(ledger.recorder.max_notification_id() or 0)
        return audit_reports.contestable_invalidations(ledger, since=since, until=until), Source(None, None, head)
    position = index.position()
    numbers = index.letters(LetterCode.L48SI.value, since, until)
    rows = audit_reports.each_licence(
        ledger, CONTESTABLE_COLUMNS,
        lambda file: audit_reports.contestable_invalidations_of(file, since=since, until=until), numbers)
    return rows, Source("fact_index", position, position)


def _numbers_of(ledger: PointsLedger, streams: set[UUID]) -> list[str]:
    numbers = []
    for stream in streams:
        first: Any = next(iter(ledger.events.get(stream, lte=1)), None)
        if isinstance(first, LicenceWasObtained):
            numbers.append(first.licence_number)
    return numbers
