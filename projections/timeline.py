"""The fold: a scheduler of legal decisions (docs/law.md A.1–A.22).

`build_timeline(record, mode)` keeps an agenda of the days on which the law decides something, and on each day
runs the day's entries in the same-day order of A.13 (`SAME_DAY_ORDER`). Every legal condition is a pure function
of `ledger.law` that returns a `Decision`; this module only schedules them, applies each decision to the day's
state (`projections.fold_state`) and records it as a movement. An action may schedule later ones (a withdrawal
schedules its returns and its reconstitution); a superseded reconstitution is recognised by its anchor.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from functools import partial
from typing import Any

from ledger.facts import (
    LetterNotified,
    LicenceRecord,
    LicenceReissued,
    LicenceSurrendered,
    OffenceAnnulled,
    OffenceEstablished,
    StageCompleted,
)
from ledger.law import capital, invalidation, probation, reconstitution, stage_recovery
from ledger.law.capital import MAXIMUM, POINTS_SYSTEM_START
from ledger.law.decision import Decision
from ledger.law.interruption import first_in_window, reconstitution_blocker
from ledger.law.vocabulary import AnomalyKind, Rule
from ledger.law.weighing import WeighedOffence, weigh, withdrawal_decision
from ledger.values import LetterCode, Mode, Status
from projections.explanation import Anomaly, Movement
from projections.fold_state import LicenceDocument, LicenceState, PersonState
from projections.letter_matching import LetterCause, expected_letters
from projections.timeline_result import Row, Timeline

__all__ = ["SAME_DAY_ORDER", "Timeline", "build_timeline"]


class Step(StrEnum):
    """The kinds of decision a day can hold."""

    REISSUE = "reissue"
    CEILING = "ceiling"
    RECOVERY = "recovery"
    WITHDRAWAL = "withdrawal"
    STAGE = "stage"
    NOTIFICATION = "notification"
    SURRENDER = "surrender"


# A.13: new licence → ceiling changes → time-based recoveries → withdrawals → stage credits → 48SI → surrender.
SAME_DAY_ORDER: tuple[Step, ...] = (Step.REISSUE, Step.CEILING, Step.RECOVERY, Step.WITHDRAWAL, Step.STAGE,
                                    Step.NOTIFICATION, Step.SURRENDER)
# A.13, inside the recoveries: single point, ten-year, full reconstitution.
SINGLE_POINT, TEN_YEAR, FULL = range(3)
_RANK = {step: i for i, step in enumerate(SAME_DAY_ORDER)}

# (day, place in the day, rank inside the step, sequence, action, its arguments after the day): the sequence
# breaks ties, so actions are never compared. The action is run as `action(day, *arguments)` (no `partial` per
# entry: a rebuild schedules some sixteen entries per fold, millions in all).
_Entry = tuple[date, int, tuple[object, ...], int, Callable[..., None], tuple[Any, ...]]


class _Fold:
    """One fold of one record in one mode; not reusable."""

    def __init__(self, record: LicenceRecord, mode: Mode) -> None:
        self.record, self.mode = record, mode
        self.movements: list[Movement] = []
        self.rows: list[Row] = []
        self.letter_causes: list[LetterCause] = []
        self.anomalies: list[Anomaly] = []
        self.agenda: list[_Entry] = []
        self.seq = 0
        self.licence = LicenceState()
        self.person = PersonState()
        annulled = {f.offence_id for f in record.facts if isinstance(f, OffenceAnnulled)}
        self.offences = weigh((f for f in record.facts if isinstance(f, OffenceEstablished)
                               and f.fact_id not in annulled), mode)
        self._schedule_facts()

    # -- the agenda -------------------------------------------------------------------------------------

    def _at(self, day: date, step: Step, rank: tuple[object, ...], run: Callable[..., None], *arguments: Any) -> None:
        """Schedule `run(day, *arguments)` on `day`, in `step`'s place of the day (A.13), by `rank` within it."""
        self.seq += 1
        heapq.heappush(self.agenda, (day, _RANK[step], rank, self.seq, run, arguments))

    def _schedule_facts(self) -> None:
        licence = self.record.licence
        self._schedule_licence(LicenceDocument(0, licence.obtained_on, licence.training, capital.probation_plan(
            licence.obtained_on, licence.training, first_licence=True,
            complementary_training_on=licence.complementary_training_on)), None)
        reissues = sorted((f for f in self.record.facts if isinstance(f, LicenceReissued)),
                          key=lambda r: (r.obtained_on, r.order_key))
        for index, reissue in enumerate(reissues, start=1):
            self._schedule_licence(LicenceDocument(index, reissue.obtained_on, reissue.training,
                                                   capital.probation_plan(reissue.obtained_on, reissue.training,
                                                                          first_licence=False,
                                                                          complementary_training_on=None)), reissue)
        # A.13: a day's withdrawals by interception group, then DV, then recording order. A group ranks by its
        # earliest member (an offence outside any interception is a group of its own): never by a name or an id.
        group_rank: dict[str, tuple[date, tuple[object, ...]]] = {}
        for offence in self.offences:
            if offence.fact.interception is not None:
                own = (offence.value_on, offence.fact.order_key)
                group_rank[offence.fact.interception] = min(group_rank.get(offence.fact.interception, own), own)
        for offence in self.offences:
            fact = offence.fact
            group = group_rank.get(fact.interception or "", (offence.value_on, fact.order_key))
            self._at(offence.value_on, Step.WITHDRAWAL, (group, offence.value_on, fact.order_key),
                     self._withdraw, offence)
        for other in self.record.facts:
            if isinstance(other, StageCompleted):
                self._at(stage_recovery.stage_effective_on(other), Step.STAGE, (other.order_key,),
                         self._stage, other)
            elif isinstance(other, LetterNotified) and other.code is LetterCode.L48SI:
                self._at(other.notified_on, Step.NOTIFICATION, (other.order_key,), self._48si, other)
            elif isinstance(other, LicenceSurrendered):
                self._at(other.surrendered_on, Step.SURRENDER, (other.order_key,),
                         self._surrender, other)

    def _schedule_licence(self, licence: LicenceDocument, reissue: LicenceReissued | None) -> None:
        rank = (reissue.order_key,) if reissue else ()
        self._at(licence.start, Step.REISSUE, rank, self._new_licence, licence, reissue)

    def run(self) -> Timeline:
        agenda, pop, rows = self.agenda, heapq.heappop, self.rows
        while agenda:
            day, _place, _rank, _seq, action, arguments = pop(agenda)
            action(day, *arguments)
            if not agenda or agenda[0][0] != day:  # entries scheduled today join in their place
                rows.append(self.licence.row(day, self.person.last_crediting_stage))
        notified = [f for f in self.record.facts if isinstance(f, LetterNotified)]
        return Timeline(self.record.licence_number, self.mode, tuple(self.movements), self.rows,
                        partial(expected_letters, self.letter_causes, notified), tuple(self.anomalies),
                        self.record.licence.obtained_on)

    # -- applying decisions -----------------------------------------------------------------------------

    def _apply(self, day: date, decision: Decision) -> None:
        self.licence.balance += decision.points
        self.movements.append(Movement(day, decision.points, decision.rule, decision.cited, decision.fact_id,
                                       decision.detail, self.licence.balance, self.licence.ceiling))
        if decision.anomaly is not None:
            self.anomalies.append(Anomaly(day, decision.anomaly, decision.detail, decision.fact_id))

    def _window(self, start: date, end: date, exclude: OffenceEstablished | None = None) -> WeighedOffence | None:
        assert self.licence.licence is not None
        return first_in_window(self.offences, start, end, self.mode, licence_start=self.licence.licence.start,
                               exclude=exclude)

    def _of_licence_in_force(self, offence: WeighedOffence) -> bool:
        """A.15, A.21 — an offence weighs on the licence in force when it was committed."""
        current = self.licence.licence
        return current is not None and self.licence.active and offence.fact.committed_on >= current.start

    # -- licences and ceilings --------------------------------------------------------------------------

    def _new_licence(self, day: date, licence: LicenceDocument, reissue: LicenceReissued | None) -> None:
        """L223-1; L223-5 — a licence starts with its capital; a new one only after an effective 48SI (A.21)."""
        if reissue is not None:
            found = invalidation.reissue_anomalies(day, status=self.licence.status,
                                                   new_licence_not_before=self.licence.new_licence_not_before)
            self.anomalies.extend(Anomaly(day, kind, detail, reissue.fact_id) for kind, detail in found)
            if self.licence.status is not Status.INVALIDATED:
                return
        plan = licence.plan
        state = self.licence = LicenceState(licence=licence, status=Status.VALID,
                                            probation_end=plan.end if plan else None, probation_over=plan is None)
        points = capital.initial_capital(day)
        state.ceiling = points
        detail = (f"probationary licence ({plan.regime.value}, {licence.training.value}) until "
                  f"{plan.end.isoformat()}" if plan else "licence with the full capital")
        self._apply(day, Decision(Rule.INITIAL_CAPITAL, points, detail,
                                  article="L223-1 al. 2; R223-1 II" if plan else "L223-1; R223-1 I"))
        if day < POINTS_SYSTEM_START:
            self._at(POINTS_SYSTEM_START, Step.CEILING, (-1,), self._capital, licence)
        if day < capital.TWELVE_POINTS_SINCE and plan is None:
            self._at(capital.TWELVE_POINTS_SINCE, Step.CEILING, (0,), self._capital, licence)
        if plan is not None:
            for year, step in enumerate(plan.majorations, start=1):
                self._at(step.on, Step.CEILING, (1, year), self._majoration, licence, step.points, year)
            if plan.reduced_end is not None:
                self._at(plan.reduced_end, Step.CEILING, (2,), self._reduced_end, licence)
            self._at(plan.end, Step.CEILING, (3,), self._probation_end, licence, "end of probation")

    def _capital(self, day: date, licence: LicenceDocument) -> None:
        """Décret n° 92-559, R223-1 I (décret n° 92-1228) — the capital in force reaches a licence held then."""
        if not self.licence.is_current(licence):
            return
        increase = capital.MAXIMUM_CAPITAL.value_on(day) - self.licence.ceiling
        self.licence.ceiling += increase
        rule = Rule.POINTS_SYSTEM_START if day == POINTS_SYSTEM_START else Rule.CAPITAL_INCREASE
        self._apply(day, Decision(rule, increase, f"the capital in force becomes {self.licence.ceiling} points"))

    def _majoration(self, day: date, licence: LicenceDocument, points: int, year: int) -> None:
        state = self.licence
        if not state.is_current(licence) or state.probation_over or licence.plan is None:
            return
        decision = probation.majoration(year, points, self._window(licence.plan.start, day))
        if decision.rule is Rule.PROBATION_MAJORATION:
            state.ceiling += points
            state.majorations += 1
        self._apply(day, decision)

    def _reduced_end(self, day: date, licence: LicenceDocument) -> None:
        state = self.licence
        if not state.is_current(licence) or state.probation_over or licence.plan is None:
            return
        lost = probation.reduced_end(self._window(licence.plan.start, day))
        if lost is not None:
            self._apply(day, lost)
            return
        state.probation_end = day
        self._probation_end(day, licence, "formation complémentaire: probation ends early")

    def _probation_end(self, day: date, licence: LicenceDocument, why: str) -> None:
        state = self.licence
        if not state.is_current(licence) or state.probation_over or licence.plan is None:
            return
        state.probation_over = True
        state.ceiling = MAXIMUM
        self._apply(day, probation.end_of_probation(why, state.balance, self._window(licence.plan.start, day)))

    # -- withdrawals ------------------------------------------------------------------------------------

    def _withdraw(self, day: date, offence: WeighedOffence) -> None:
        state, fact = self.licence, offence.fact
        before = state.balance
        decision = withdrawal_decision(offence, in_force=self._of_licence_in_force(offence), balance=before)
        self._apply(day, decision)
        if decision.rule is not Rule.WITHDRAWAL:
            return
        self.person.taken[fact.fact_id] = -decision.points
        state.anchor = day  # A.7: a point-losing withdrawal re-anchors the full reconstitution
        state.serious_record = state.serious_record or offence.offence_class.is_serious
        years = reconstitution.full_reconstitution_years(serious_record=state.serious_record, anchor=day,
                                                         anchor_in_probation=state.in_probation(day))
        state.reconstitution_due = due = reconstitution.full_reconstitution_on(day, years)
        self._at(due, Step.RECOVERY, (FULL,), self._full_reconstitution, day, years)
        back = reconstitution.single_point_return_on(day, fact.committed_on) if offence.points == 1 else None
        if back is not None:
            self._at(back, Step.RECOVERY, (SINGLE_POINT, fact.order_key), self._single_point, offence)
        ten = reconstitution.ten_year_return_on(offence.offence_class, day)
        if ten is not None:
            self._at(ten, Step.RECOVERY, (TEN_YEAR, fact.order_key), self._ten_year, offence)
        # A.17: the letters are worked out if asked for (`projections.letter_matching`).
        self.letter_causes.append((day, fact.fact_id, offence.points, before, state.balance,
                                   state.in_probation(fact.committed_on)))

    # -- recoveries -------------------------------------------------------------------------------------

    def _recovery_applies(self, offence: WeighedOffence) -> bool:
        """A.9, A.15 — a return needs its licence still in force, and no full reconstitution since its DV."""
        last = self.licence.last_full_reconstitution
        return self._of_licence_in_force(offence) and (last is None or last <= offence.value_on)

    def _single_point(self, day: date, offence: WeighedOffence) -> None:
        if not self._recovery_applies(offence):
            return
        fact_id = offence.fact_id
        decision = reconstitution.single_point_decision(
            offence, taken=self.person.taken.get(fact_id, 0), blocking=self._window(offence.value_on, day,
                                                                                    offence.fact),
            balance=self.licence.balance, ceiling=self.licence.ceiling)
        if decision.rule is Rule.SINGLE_POINT_RETURN:
            self.person.single_point_returned.add(fact_id)
        self._apply(day, decision)

    def _ten_year(self, day: date, offence: WeighedOffence) -> None:
        if not self._recovery_applies(offence):
            return
        decision = reconstitution.ten_year_decision(
            offence, taken=self.person.taken.get(offence.fact_id, 0),
            single_point_returned=offence.fact_id in self.person.single_point_returned,
            balance=self.licence.balance, ceiling=self.licence.ceiling)
        if decision is not None:
            self._apply(day, decision)

    def _full_reconstitution(self, day: date, anchor: date, years: int) -> None:
        state = self.licence
        if state.reconstitution_due != day or state.anchor != anchor or not state.active:
            return  # superseded by a later anchor, or the licence lost its validity
        assert state.licence is not None
        state.reconstitution_due = None
        blocking = reconstitution_blocker(self.offences, anchor, day, self.mode, licence_start=state.licence.start)
        decision = reconstitution.full_reconstitution_decision(anchor, years, blocking, balance=state.balance,
                                                               ceiling=state.ceiling)
        if decision.rule is Rule.FULL_RECONSTITUTION:
            state.anchor, state.serious_record, state.last_full_reconstitution = None, False, day
        self._apply(day, decision)

    # -- stages, 48SI, surrender ------------------------------------------------------------------------

    def _stage(self, day: date, stage: StageCompleted) -> None:
        decision = stage_recovery.stage_decision(
            stage, day, valid=self.licence.active, last_crediting_effective_on=self.person.last_crediting_stage,
            balance=self.licence.balance, ceiling=self.licence.ceiling)
        self._apply(day, decision)
        if decision.rule is Rule.STAGE_CREDIT:
            if decision.points > 0:
                self.person.last_crediting_stage = day
            self.letter_causes.append((day, stage.fact_id, decision.points))

    def _48si(self, day: date, letter: LetterNotified) -> None:
        state = self.licence
        decision = invalidation.forty_eight_si_decision(letter, status=state.status, balance=state.balance)
        self._apply(day, decision)
        if decision.rule is Rule.INVALIDATION:
            state.status, state.invalidated_on, state.reconstitution_due = Status.INVALIDATED, day, None
            self.person.effective_48si.append(day)

    def _surrender(self, day: date, fact: LicenceSurrendered) -> None:
        """L223-5 II — the waiting period for a new licence runs from the surrender (A.15)."""
        state = self.licence
        if state.status is not Status.INVALIDATED or state.surrendered_on is not None:
            self.anomalies.append(Anomaly(day, AnomalyKind.SURRENDER_WITHOUT_INVALIDATION,
                                          "licence surrendered while it had not lost its validity", fact.fact_id))
            return
        assert state.invalidated_on is not None
        previous = self.person.effective_48si[-2] if len(self.person.effective_48si) > 1 else None
        state.surrendered_on = day
        state.new_licence_not_before = invalidation.new_licence_not_before(day, state.invalidated_on, previous)


def build_timeline(record: LicenceRecord, mode: Mode = Mode.LEGAL) -> Timeline:
    """Fold every fact of `record` under the law, in `mode` (A.1). Cut `record` with `known_at` first."""
    return _Fold(record, mode).run()
