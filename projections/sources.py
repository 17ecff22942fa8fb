"""Which source a national read uses — the read model when it is current enough, else the fold — and saying so.

Every report that can read the read model (`projections.read_model`) names its source and the position of the
application sequence it reflects (`Source.describe`). The read model is used when it exists on the store
(PostgreSQL) and has projected something; the licences recorded after its position (at most `MAX_STALE`
streams) are folded from the events instead, so a lagging read model costs only what it lags. More than that,
or on SQLite, the report folds every licence it needs, as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from ledger.application import PointsLedger
from ledger.events_table import is_postgres
from ledger.licence import licence_id
from projections.intervals import Interval
from projections.read_model import BalanceReadModel
from projections.reconciliation.run import KnownStates, Reconciliation, ledger_loader

MAX_STALE = 100_000  # streams recorded after the read model's position that a report may fold itself


@dataclass(frozen=True, slots=True)
class Source:
    """What a report read: the read model at `position` (with the `stale` streams after it folded), or the fold
    of the event log (`position` None) up to `head`."""

    read_model: str | None
    position: int | None
    head: int
    stale: int = 0

    def describe(self) -> str:
        if self.read_model is None:
            return f"source: fold of the event log (up to notification {self.head})"
        lag = f", {self.stale} licence(s) recorded since folded from the events" if self.stale else ""
        return f"source: read model {self.read_model} at notification {self.position} of {self.head}{lag}"

    def as_json(self) -> dict[str, Any]:
        return {"read_model": self.read_model, "position": self.position, "head": self.head, "stale": self.stale}


def read_model_of(ledger: PointsLedger, max_stale: int = MAX_STALE) -> tuple[BalanceReadModel | None, set[UUID],
                                                                            Source]:
    """The read model to read (None: fold), the streams it does not reflect yet, and the source to report."""
    recorder: Any = ledger.recorder
    if not is_postgres(recorder):
        return None, set(), Source(None, None, _head(ledger))
    model = BalanceReadModel(ledger)
    status = model.status()
    stale = model.streams_after(status.position, max_stale, status.head) if status.position > 0 else None
    if stale is None:
        return None, set(), Source(None, None, status.head)
    return model, stale, Source(model.name, status.position, status.head, len(stale))


def source_of(ledger: PointsLedger, *, fold: bool = False) -> tuple[BalanceReadModel | None, set[UUID], Source]:
    """`read_model_of`, or the fold of every licence when `fold` (the reconcile command's --fold)."""
    return (None, set(), Source(None, None, _head(ledger))) if fold else read_model_of(ledger)


def known_states(model: BalanceReadModel, stale: Set[UUID]) -> KnownStates:
    """The `KnownStates` of a reconciliation read from `model`: a licence of `stale` is left to the fold; a
    licence the read model lacks (and that is not stale) is not in the ledger."""

    def known(pairs: Sequence[tuple[str, date]]) -> Mapping[tuple[str, date], Interval | None]:
        found = model.states_at(pairs)
        return {pair: found.get(pair) for pair in pairs if not stale or licence_id(pair[0]) not in stale}

    return known


def reconciliation_of(ledger: PointsLedger, *, include_missing: bool = False,
                      fold: bool = False) -> tuple[Reconciliation, Source]:
    """A reconciliation against everything the ledger knows now: matching rows from the read model when it can
    be read (not with `fold`), every other row folded from licences loaded a window at a time."""
    model, stale, source = source_of(ledger, fold=fold)
    reconciliation = Reconciliation(ledger_loader(ledger), include_missing=include_missing,
                                    licence_numbers=ledger.licence_numbers, load_many=ledger.get_records,
                                    known=known_states(model, stale) if model is not None else None)
    return reconciliation, source


def _head(ledger: PointsLedger) -> int:
    return int(ledger.recorder.max_notification_id() or 0)
