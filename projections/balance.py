"""The balance of a licence on a day, with its explanation, forecast and letters (the as-of projection).

`balance_as_of(record, on, known_at=None, mode=LEGAL)` answers "how many points on that day, and why": the
two time axes are independent — `on` is the legal date, `known_at` cuts the facts to those recorded by then.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import assert_never

from ledger import facts as fact_types
from ledger.errors import LicenceNotYetRecorded
from ledger.facts import (
    LegalFact,
    LicenceRecord,
    LicenceReissued,
    LicenceSurrendered,
    OffenceEstablished,
    StageCompleted,
)
from ledger.law import stage_recovery, withdrawal
from ledger.law.calendar import next_day
from ledger.law.vocabulary import Forecast, Rule
from ledger.values import Mode, Status
from projections.explanation import Anomaly, DayState, ExpectedLetter, Movement
from projections.timeline import Timeline, build_timeline


@dataclass(frozen=True, slots=True)
class ScheduledChange:
    """A change the law will make if nothing else happens: date, points, rule."""

    on: date
    kind: Forecast
    points: int
    rule: Rule
    article: str


@dataclass(frozen=True, slots=True)
class StageEligibility:
    """When a stage could next credit points, and how many it would credit on the day's balance."""

    earliest_effective_on: date | None
    points_now: int
    reason: str


@dataclass(frozen=True, slots=True)
class Balance:
    """Points on a day and everything that explains them."""

    licence_number: str
    on: date
    known_at: datetime | None
    mode: Mode
    state: DayState
    movements: tuple[Movement, ...]
    scheduled: tuple[ScheduledChange, ...]
    stage: StageEligibility
    letters: tuple[ExpectedLetter, ...]
    anomalies: tuple[Anomaly, ...]

    @property
    def points(self) -> int:
        return self.state.balance

    @property
    def ceiling(self) -> int:
        return self.state.ceiling

    @property
    def status(self) -> Status:
        return self.state.status


def known_record(record: LicenceRecord, known_at: datetime | None) -> LicenceRecord:
    """The record as the ledger knew it at `known_at`; `LicenceNotYetRecorded` before the licence was recorded
    (the record always keeps its licence, so without this check it would answer with the licence's capital).
    """
    if known_at is not None and known_at < record.licence.recorded_at:
        raise LicenceNotYetRecorded(record.licence_number, known_at.isoformat(),
                                    record.licence.recorded_at.isoformat())
    return record.known_at(known_at)


def timeline_for(record: LicenceRecord, known_at: datetime | None = None, mode: Mode = Mode.LEGAL) -> Timeline:
    """The whole timeline of the record as known at `known_at`, in `mode`."""
    return build_timeline(known_record(record, known_at), mode)


def _effective_by(record: LicenceRecord, on: date, mode: Mode) -> LicenceRecord:
    """The facts whose legal effect is on or before `on`: the base of a forecast "if nothing else happens"."""
    kept = [fact for fact in record.facts if _takes_effect_on(fact, mode) <= on]
    return LicenceRecord(record.licence, tuple(kept))


def _takes_effect_on(fact: LegalFact, mode: Mode) -> date:
    """The day a fact's legal effect starts, for the forecast; one case per kind (`assert_never`)."""
    match fact:
        case OffenceEstablished():
            return withdrawal.effective_on(fact, mode)
        case StageCompleted():
            return stage_recovery.stage_effective_on(fact)
        case LicenceSurrendered():
            return fact.surrendered_on
        case LicenceReissued():
            return fact.obtained_on
        case fact_types.LetterNotified() | fact_types.OffenceAnnulled() | fact_types.FactRectified():
            return date.min  # their effect is not a future event: always kept
        case _:
            assert_never(fact)


def forecast(
    record: LicenceRecord, on: date, mode: Mode, timeline: Timeline | None = None
) -> tuple[ScheduledChange, ...]:
    """The next change of each kind after `on` if no new fact arrives (L223-6, R223-1).

    `timeline`, the fold of the same `record` in the same mode, is reused when every fact already took effect
    by `on` (the usual "today" question): the hypothetical future is then the timeline's own.
    """
    base = _effective_by(record, on, mode)
    if timeline is not None and len(base.facts) == len(record.facts):
        future = timeline.movements_after(on)
    else:
        future = build_timeline(base, mode).movements_after(on)
    seen: set[Forecast] = set()
    changes: list[ScheduledChange] = []
    for movement in future:
        kind = movement.rule.forecast
        if kind is None or kind in seen or (movement.delta == 0 and kind is not Forecast.END_OF_PROBATION):
            continue
        seen.add(kind)
        changes.append(ScheduledChange(movement.on, kind, movement.delta, movement.rule, movement.article))
    return tuple(changes)


def stage_eligibility(state: DayState) -> StageEligibility:
    """L223-6 al. 4; R223-8 — earliest effective date of a crediting stage after `state.on`, and its credit."""
    if state.status is not Status.VALID:
        return StageEligibility(None, 0, "the licence has no validity: no stage can credit points")
    earliest = stage_recovery.earliest_next_stage(state.last_crediting_stage_on, next_day(state.on))
    points = stage_recovery.stage_credit(state.balance, state.ceiling, earliest)
    if points == 0:
        return StageEligibility(earliest, 0, "at the ceiling: a stage would credit nothing")
    reason = ("no stage credited within the last year" if earliest == next_day(state.on)
              else f"one year after the stage effective {state.last_crediting_stage_on}")
    return StageEligibility(earliest, points, reason)


def balance_from_timeline(
    timeline: Timeline, record: LicenceRecord, on: date, known_at: datetime | None, *, with_forecast: bool = True
) -> Balance:
    """Read one day off an already built timeline (cheap: two bisections)."""
    state = timeline.state_on(on)
    letters = tuple(
        replace(letter, notified_on=None, notified_fact_id=None)
        if letter.notified_on is not None and letter.notified_on > on else letter
        for letter in timeline.expected_letters if letter.due_from <= on
    )
    return Balance(
        licence_number=timeline.licence_number,
        on=on,
        known_at=known_at,
        mode=timeline.mode,
        state=state,
        movements=timeline.movements_until(on),
        scheduled=forecast(known_record(record, known_at), on, timeline.mode, timeline) if with_forecast else (),
        stage=stage_eligibility(state),
        letters=letters,
        anomalies=tuple(a for a in timeline.anomalies if a.on <= on),
    )


def balance_as_of(
    record: LicenceRecord,
    on: date,
    known_at: datetime | None = None,
    mode: Mode = Mode.LEGAL,
    *,
    with_forecast: bool = True,
) -> Balance:
    """The balance of the licence at the end of `on` (A.14), as the ledger knew it at `known_at`, in `mode`."""
    return balance_from_timeline(timeline_for(record, known_at, mode), record, on, known_at,
                                 with_forecast=with_forecast)


def missing_letters(balance: Balance) -> tuple[ExpectedLetter, ...]:
    """Letters the law expected by `balance.on` that no notified letter answers yet."""
    return tuple(letter for letter in balance.letters if letter.notified_on is None)

