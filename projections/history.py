"""A licence's statement in the manner of the relevé d'information intégral: every fact, every movement.

The préfecture's relevé lists each recorded fact with its dates and each withdrawal or recovery with the
balance that follows. `statement(record, on, known_at, mode)` gives the same from the ledger: the facts known
at `known_at` (all of them, whatever their legal dates: an annulment decided after `on` still voids its
offence from the start), each with its legal dates, recording time, recorder and evidence and the law's
decisions about it; then every movement effective by `on`, in order, with the balance after it. The movements
not tied to a fact (initial capital, majorations, full reconstitution) appear in the second list only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from ledger.declaration import RECORDING_FIELDS
from ledger.facts import Fact, LicenceObtained, LicenceRecord
from ledger.kinds import kind_of
from ledger.values import Mode
from projections.balance import known_record, timeline_for
from projections.explanation import Anomaly, DayState, Movement


@dataclass(frozen=True, slots=True)
class FactEntry:
    """One recorded fact: its legal dates apart from its other content, and the law's decisions on it."""

    fact_id: str
    kind: str
    legal_dates: Mapping[str, date]
    details: Mapping[str, Any]
    recorded_at: datetime
    recorded_by: str
    evidence_ref: str
    movements: tuple[Movement, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """The whole file of a licence at the end of `on`, as known at `known_at`, in `mode`."""

    licence_number: str
    on: date
    known_at: datetime | None
    mode: Mode
    state: DayState
    facts: tuple[FactEntry, ...]
    movements: tuple[Movement, ...]
    anomalies: tuple[Anomaly, ...]


def _entry(fact: Fact, movements: tuple[Movement, ...]) -> FactEntry:
    kind = kind_of(fact).name
    content = {k: v for k, v in asdict(fact).items() if k not in RECORDING_FIELDS}
    dates = {k: v for k, v in content.items() if isinstance(v, date)}
    details = {k: v for k, v in content.items() if k not in dates}
    return FactEntry(fact.fact_id, kind, dates, details, fact.recorded_at, fact.recorded_by, fact.evidence_ref,
                     tuple(m for m in movements if m.fact_id == fact.fact_id))


def _listing_key(fact: Fact) -> tuple[date, int, tuple[datetime, int, str]]:
    """Legal order: the fact's listing date; the licence first on its day; then recording order."""
    return (getattr(fact, kind_of(fact).legal_date), 0 if isinstance(fact, LicenceObtained) else 1, fact.order_key)


def statement(record: LicenceRecord, on: date, known_at: datetime | None = None,
              mode: Mode = Mode.LEGAL) -> Statement:
    """The relevé of `record` (see the module docstring): one fold of the law, read up to `on`."""
    known = known_record(record, known_at)
    timeline = timeline_for(known, None, mode)
    movements = timeline.movements_until(on)
    recorded = record.recorded_until(known_at)  # as recorded: a rectified fact and its rectification, both
    facts: list[Fact] = [recorded.licence, *recorded.facts]
    return Statement(
        licence_number=record.licence_number, on=on, known_at=known_at, mode=mode,
        state=timeline.state_on(on),
        facts=tuple(_entry(f, movements) for f in sorted(facts, key=_listing_key)),
        movements=movements,
        anomalies=tuple(a for a in timeline.anomalies if a.on <= on),
    )
