"""The fold: a licence's facts, under the law, into a dated timeline of movements (rules.md A.1–A.17).

`build_timeline(record, mode)` walks the legal calendar day by day — only the days on which something can
happen — and applies, in the same-day order of A.13:

    reissue → ceiling changes (majoration, end of probation) → time-based recoveries (single point, ten-year,
    full reconstitution) → withdrawals (by interception group, then DV, then recording order) → stage credits →
    48SI notification → surrender

Each decision comes from a pure rule of `ledger.law`; this module only orders them and keeps the state. The
result answers any date: `Timeline.state_on(day)` and `Timeline.movements_until(day)`.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from ledger.facts import (
    LetterNotified,
    LicenceRecord,
    LicenceReissued,
    LicenceSurrendered,
    OffenceAnnulled,
    OffenceEstablished,
    StageCompleted,
)
from ledger.law import capital, invalidation, letters, reconstitution, scale, stage_recovery, withdrawal
from ledger.law.capital import MAXIMUM, POINTS_SYSTEM_START, ProbationPlan
from ledger.law.in_force import before_points_system
from ledger.law.interruption import interrupts
from ledger.law.vocabulary import AnomalyKind, Rule
from ledger.values import LetterCode, Mode, OffenceClass, Status, Training
from projections.explanation import Anomaly, DayState, ExpectedLetter, Movement

# Same-day phases (A.13).
REISSUE, CEILING, RECOVERY, WITHDRAWAL, STAGE, NOTIFICATION, SURRENDER = range(7)
# Order inside the recovery phase (A.13): single point, ten-year, full reconstitution.
SINGLE_POINT, TEN_YEAR, FULL = range(3)


@dataclass(frozen=True, slots=True)
class Offence:
    """An offence as the law weighs it: the fact, its barème, its points after the interception cap."""

    fact: OffenceEstablished
    points: int  # after the interception cap (L223-2 III)
    offence_class: OffenceClass
    article: str
    value_on: date  # its DV, or in administrative mode the national file's registration date (A.22)
    point_losing: bool  # withdrawal.is_point_losing(points): counts for windows and majorations (A.7(a))

    @property
    def fact_id(self) -> str:
        return self.fact.fact_id


@dataclass(slots=True)
class Epoch:
    """One licence of the person: the first, or one obtained again after an invalidation."""

    index: int
    start: date
    training: Training
    plan: ProbationPlan | None


# An agenda entry: (day, phase, rank, sequence, action). Tuples keep the heap cheap; the sequence breaks ties
# so actions are never compared.
_Entry = tuple[date, int, tuple[object, ...], int, Callable[[date], None]]


_Row = tuple[date, int, int, Status, "date | None", "date | None", "date | None", int, "date | None",
             "date | None", "date | None", "date | None"]


class Timeline:
    """Every movement and state of one licence, in one mode, as known at one moment (immutable once built)."""

    __slots__ = ("_rows", "_states", "anomalies", "expected_letters", "licence_number", "mode", "movement_days",
                 "movements", "obtained_on", "state_days")

    def __init__(self, licence_number: str, mode: Mode, movements: tuple[Movement, ...], rows: list[_Row],
                 expected_letters: tuple[ExpectedLetter, ...], anomalies: tuple[Anomaly, ...],
                 obtained_on: date) -> None:
        self.licence_number = licence_number
        self.mode = mode
        self.movements = movements
        self.expected_letters = expected_letters
        self.anomalies = anomalies
        self.obtained_on = obtained_on
        self._rows = rows
        self._states: tuple[DayState, ...] | None = None
        self.state_days = [r[0] for r in rows]
        self.movement_days = [m.on for m in movements]

    @property
    def states(self) -> tuple[DayState, ...]:
        """The state at the end of each day on which something happened, oldest first."""
        if self._states is None:
            self._states = tuple(DayState(*row) for row in self._rows)
        return self._states

    def state_on(self, day: date) -> DayState:
        """The licence at the end of `day` (A.14)."""
        i = bisect_right(self.state_days, day)
        if i == 0:
            return DayState(day, 0, 0, Status.NOT_OBTAINED, None, None, None, 0, None, None, None, None)
        return DayState(day, *self._rows[i - 1][1:])

    def movements_until(self, day: date) -> tuple[Movement, ...]:
        """The movements effective on or before `day`: their deltas sum to the balance of `day`."""
        return self.movements[: bisect_right(self.movement_days, day)]

    def movements_after(self, day: date) -> tuple[Movement, ...]:
        return self.movements[bisect_right(self.movement_days, day):]


class _Fold:
    """The day-by-day evaluation. One instance per (record, mode); not reusable."""

    def __init__(self, record: LicenceRecord, mode: Mode) -> None:
        self.mode = mode
        self.record = record
        self.movements: list[Movement] = []
        self.rows: list[_Row] = []
        self.expected: list[ExpectedLetter] = []
        self.anomalies: list[Anomaly] = []
        self._agenda: list[_Entry] = []
        self._seq = 0
        # person-level state
        self.last_crediting_stage: date | None = None
        self.effective_48si: list[date] = []
        # licence-level state
        self.epoch: Epoch | None = None
        self.balance = 0
        self.ceiling = 0
        self.status = Status.NOT_OBTAINED
        self.majorations = 0
        self.probation_end: date | None = None
        self.probation_over = True
        self.anchor: date | None = None
        self.serious_record = False
        self.reconstitution_due: date | None = None
        self.last_full_reconstitution: date | None = None
        self.single_point_returned: set[str] = set()
        self.taken: dict[str, int] = {}  # points each withdrawal actually took (A.20)
        self.invalidated_on: date | None = None
        self.surrendered_on: date | None = None
        self.new_licence_not_before: date | None = None
        self._prepare()

    # -- preparation -------------------------------------------------------------------------------------

    def _prepare(self) -> None:
        record = self.record
        licence = record.licence
        annulled = {f.offence_id for f in record.facts if isinstance(f, OffenceAnnulled)}
        reissues = sorted((f for f in record.facts if isinstance(f, LicenceReissued)),
                          key=lambda r: (r.obtained_on, r.order_key))
        self.epochs = [Epoch(0, licence.obtained_on, licence.training, capital.probation_plan(
            licence.obtained_on, licence.training, first_licence=True,
            complementary_training_on=licence.complementary_training_on))]
        for r in reissues:
            self.epochs.append(Epoch(len(self.epochs), r.obtained_on, r.training, capital.probation_plan(
                r.obtained_on, r.training, first_licence=False, complementary_training_on=None)))

        raw = sorted((f for f in record.facts if isinstance(f, OffenceEstablished) and f.fact_id not in annulled),
                     key=lambda o: (o.committed_on, o.established_on, o.order_key))
        assessed = [(o, scale.assess(o)) for o in raw]
        groups: dict[str, list[tuple[OffenceEstablished, scale.Assessment]]] = {}
        shares: dict[str, int] = {}
        for o, a in assessed:
            if o.interception:
                groups.setdefault(o.interception, []).append((o, a))
            else:
                shares[o.fact_id] = a.points
        for group in groups.values():
            shares.update(scale.capped_points(group, self.mode))
        self.offences: list[Offence] = []
        for o, a in assessed:
            points = shares[o.fact_id]
            self.offences.append(Offence(o, points, a.offence_class, a.article,
                                         withdrawal.effective_on(o, self.mode), withdrawal.is_point_losing(points)))

        self._schedule_epoch_start(self.epochs[0])
        for later, reissue in zip(self.epochs[1:], reissues, strict=True):
            self._at(later.start, REISSUE, (reissue.order_key,), partial(self._reissue, epoch=later, fact=reissue))
        for offence in self.offences:
            o = offence.fact
            group_key = o.interception or f"~{o.fact_id}"
            self._at(offence.value_on, WITHDRAWAL, (group_key, offence.value_on, o.order_key),
                     partial(self._withdraw, offence=offence))
        for fact in record.facts:
            if isinstance(fact, StageCompleted):
                self._at(stage_recovery.stage_effective_on(fact), STAGE, (fact.order_key,),
                         partial(self._stage, stage=fact))
            elif isinstance(fact, LetterNotified) and fact.code is LetterCode.L48SI:
                self._at(fact.notified_on, NOTIFICATION, (fact.order_key,), partial(self._forty_eight_si, letter=fact))
            elif isinstance(fact, LicenceSurrendered):
                self._at(fact.surrendered_on, SURRENDER, (fact.order_key,), partial(self._surrender, fact=fact))

    def _at(self, day: date, phase: int, rank: tuple[object, ...], run: Callable[[date], None]) -> None:
        self._seq += 1
        heapq.heappush(self._agenda, (day, phase, rank, self._seq, run))

    def _schedule_epoch_start(self, epoch: Epoch) -> None:
        self._at(epoch.start, REISSUE, (), partial(self._start, epoch=epoch))
        if epoch.start < POINTS_SYSTEM_START:
            self._at(POINTS_SYSTEM_START, CEILING, (-1,), self._points_system_start)

    # -- the walk ----------------------------------------------------------------------------------------

    def run(self) -> Timeline:
        agenda = self._agenda
        while agenda:
            day, _phase, _rank, _seq, action = heapq.heappop(agenda)
            action(day)
            # Actions scheduled while processing `day` join the heap in their place (A.13 phase order).
            if not agenda or agenda[0][0] != day:
                self._snapshot(day)
        self._match_letters()
        return Timeline(self.record.licence_number, self.mode, tuple(self.movements), self.rows,
                        tuple(self.expected), tuple(self.anomalies), self.record.licence.obtained_on)

    def _snapshot(self, day: date) -> None:
        epoch = self.epoch
        plan = epoch.plan if epoch else None
        self.rows.append((
            day, self.balance, self.ceiling, self.status, epoch.start if epoch else None,
            plan.start if plan else None, self.probation_end if plan else None, self.majorations,
            self.last_crediting_stage, self.invalidated_on, self.surrendered_on, self.new_licence_not_before,
        ))

    def _move(self, day: date, delta: int, rule: Rule, article: str, fact_id: str | None, detail: str) -> None:
        self.balance += delta
        self.movements.append(Movement(day, delta, rule, article, fact_id, detail, self.balance, self.ceiling))

    def _flag(self, day: date, kind: AnomalyKind, detail: str, fact_id: str | None) -> None:
        self.anomalies.append(Anomaly(day, kind, detail, fact_id))

    def _expect(self, day: date, codes: tuple[LetterCode, ...], reason: str, fact_id: str | None) -> None:
        self.expected.extend(ExpectedLetter(code, day, reason, fact_id) for code in codes)

    @property
    def _active(self) -> bool:
        return self.epoch is not None and self.status is Status.VALID

    # -- licences ----------------------------------------------------------------------------------------

    def _start(self, day: date, epoch: Epoch) -> None:
        """L223-1; R223-1 — a licence starts with its capital and, if probationary, its probation."""
        self.epoch = epoch
        self.status = Status.VALID
        self.majorations = 0
        self.anchor = None
        self.serious_record = False
        self.reconstitution_due = None
        self.last_full_reconstitution = None
        self.invalidated_on = None
        self.surrendered_on = None
        self.new_licence_not_before = None
        points = capital.initial_capital(epoch.start)
        self.ceiling = points
        plan = epoch.plan
        self.probation_end = plan.end if plan else None
        self.probation_over = plan is None
        article = "L223-1 al. 2; R223-1 II" if plan else "L223-1; R223-1 I"
        detail = (f"probationary licence ({plan.regime.value}, {epoch.training.value}) until "
                  f"{plan.end.isoformat()}" if plan else "licence with the full capital")
        self._move(day, points - self.balance, Rule.INITIAL_CAPITAL, article, None, detail)
        if day < capital.TWELVE_POINTS_SINCE and plan is None:
            self._at(capital.TWELVE_POINTS_SINCE, CEILING, (0,), self._capital_increase)
        if plan is not None:
            for k, majoration in enumerate(plan.majorations, start=1):
                self._at(majoration.on, CEILING, (1, k),
                         partial(self._majoration, epoch=epoch, points=majoration.points, year=k))
            if plan.reduced_end is not None:
                self._at(plan.reduced_end, CEILING, (2,), partial(self._reduced_end, epoch=epoch))
            self._at(plan.end, CEILING, (3,), partial(self._probation_end, epoch=epoch))

    def _points_system_start(self, day: date) -> None:
        """Décret n° 92-559 — licences held on 1992-07-01 receive the capital then in force (6 points)."""
        if not self._active:
            return
        points = capital.MAXIMUM_CAPITAL.value_on(day)
        self.ceiling = points
        self._move(day, points - self.balance, Rule.POINTS_SYSTEM_START, "R.255 (décret n° 92-559)", None,
                   "the permis à points starts: the licence receives its capital")

    def _capital_increase(self, day: date) -> None:
        """R223-1 I (décret n° 92-1228) — the capital goes from 6 to 12 points."""
        if not self._active:
            return
        increase = capital.MAXIMUM_CAPITAL.value_on(day) - self.ceiling
        self.ceiling += increase
        self._move(day, increase, Rule.CAPITAL_INCREASE, "R223-1 I", None, "décret n° 92-1228: capital 6 → 12")

    def _reissue(self, day: date, epoch: Epoch, fact: LicenceReissued) -> None:
        """L223-5; L223-1 — a new licence after an invalidation: probationary, 6 points (A.15)."""
        if self.status is not Status.INVALIDATED:
            self._flag(day, AnomalyKind.REISSUE_WITHOUT_INVALIDATION,
                       "a new licence was recorded while the previous one had not lost its validity", fact.fact_id)
            return
        if self.new_licence_not_before is None:
            self._flag(day, AnomalyKind.REISSUE_WITHOUT_SURRENDER,
                       "a new licence was recorded before the previous one was surrendered", fact.fact_id)
        elif day < self.new_licence_not_before:
            self._flag(day, AnomalyKind.REISSUE_BEFORE_WAITING_PERIOD,
                       f"new licence obtained before {self.new_licence_not_before.isoformat()} (L223-5 II)",
                       fact.fact_id)
        self._start(day, epoch)

    # -- ceiling changes (probation) --------------------------------------------------------------------

    def _of_licence(self, offence: Offence, epoch: Epoch) -> bool:
        """A.15, A.21 — an offence weighs on the licence in force when it was committed."""
        return offence.fact.committed_on >= epoch.start

    def _offence_in(
        self, epoch: Epoch, start: date, end: date, exclude: OffenceEstablished | None = None
    ) -> Offence | None:
        """The first point-losing offence of `epoch` falling in [start, end) in this mode (A.1).

        `exclude` itself is left out; in legal mode its interception partners too: committed at the same moment,
        before its DV, they are not "une nouvelle infraction" (A.20). In administrative mode a partner
        registered in the window blocks like any other offence (A.8, A.20).
        """
        for offence in self.offences:
            fact = offence.fact
            if not offence.point_losing or not self._of_licence(offence, epoch):
                continue
            if not interrupts(fact, start, end, self.mode):
                continue
            if exclude is not None and (
                fact.fact_id == exclude.fact_id
                or (self.mode is Mode.LEGAL and exclude.interception is not None
                    and fact.interception == exclude.interception)
            ):
                continue
            return offence
        return None

    def _majoration(self, day: date, epoch: Epoch, points: int, year: int) -> None:
        """L223-1 al. 2; R223-1 II — +2 (+3 AAC) at each anniversary if no point-losing offence since the start
        of probation (CE 15 juin 2016 n° 393522); legal: committed before the anniversary, administrative:
        established before it (A.1, A.12).
        """
        if epoch is not self.epoch or not self._active or self.probation_over:
            return
        assert epoch.plan is not None
        blocking = self._offence_in(epoch, epoch.plan.start, day)
        if blocking is not None:
            self._move(day, 0, Rule.MAJORATION_LOST, "L223-1 al. 2; R223-1 II", blocking.fact_id,
                       f"year {year}: no majoration, offence {blocking.fact_id} since the start of probation")
            return
        self.ceiling += points
        self.majorations += 1
        self._move(day, points, Rule.PROBATION_MAJORATION, "L223-1 al. 2; R223-1 II", None,
                   f"year {year} of probation without offence: +{points}")

    def _reduced_end(self, day: date, epoch: Epoch) -> None:
        """L223-1 al. 2; R223-1 II (décret n° 2018-715) — the formation complémentaire ends probation after 2 years
        (18 months AAC) if no point-losing offence was committed (legal) / established (administrative) meanwhile.
        """
        if epoch is not self.epoch or not self._active or self.probation_over:
            return
        assert epoch.plan is not None
        blocking = self._offence_in(epoch, epoch.plan.start, day)
        if blocking is not None:
            self._move(day, 0, Rule.COMPLEMENTARY_TRAINING_REDUCTION_LOST, "L223-1 al. 2; R223-1 II",
                       blocking.fact_id, f"offence {blocking.fact_id} during the reduced probation: full length")
            return
        self.probation_end = day
        self._end_probation(day, epoch, "formation complémentaire: probation ends early")

    def _probation_end(self, day: date, epoch: Epoch) -> None:
        """R223-1 IV — at the end of probation the ceiling becomes 12."""
        if epoch is not self.epoch or not self._active or self.probation_over:
            return
        self._end_probation(day, epoch, "end of probation")

    def _end_probation(self, day: date, epoch: Epoch, why: str) -> None:
        """R223-1 IV — ceiling 12; the balance becomes 12 only if no point-losing offence was ever committed
        (legal) / established (administrative) during probation, else it stays (rules.md §1.3, A.12).
        """
        assert epoch.plan is not None
        self.probation_over = True
        self.ceiling = MAXIMUM
        blocking = self._offence_in(epoch, epoch.plan.start, day)
        if blocking is None:
            self._move(day, MAXIMUM - self.balance, Rule.END_OF_PROBATION, "R223-1 IV", None,
                       f"{why}, no offence: 12 points")
        else:
            self._move(day, 0, Rule.END_OF_PROBATION, "R223-1 IV", blocking.fact_id,
                       f"{why}: ceiling 12, balance kept (offence {blocking.fact_id})")

    # -- withdrawals ------------------------------------------------------------------------------------

    def _in_probation(self, day: date) -> bool:
        epoch = self.epoch
        return (epoch is not None and epoch.plan is not None and self.probation_end is not None
                and epoch.plan.start <= day < self.probation_end)

    def _withdraw(self, day: date, offence: Offence) -> None:
        """L223-1; L223-2 — the offence's points leave on its date de valeur, floored at 0 (A.2, A.5)."""
        fact = offence.fact
        epoch = self.epoch
        if before_points_system(fact.committed_on):
            self._move(day, 0, Rule.OFFENCE_BEFORE_POINTS_SYSTEM, offence.article, fact.fact_id,
                       f"committed {fact.committed_on.isoformat()}, before the permis à points started on "
                       f"{POINTS_SYSTEM_START.isoformat()}: no point withdrawn (A.19)")
            return
        if epoch is None or not self._of_licence(offence, epoch) or self.status is not Status.VALID:
            self._move(day, 0, Rule.WITHDRAWAL_WITHOUT_EFFECT, "L223-1; L223-5 (A.15)", fact.fact_id,
                       "offence committed under a licence that has since lost its validity: "
                       "it changes nothing on the current one")
            return
        if not offence.point_losing:
            self._move(day, 0, Rule.ZERO_POINT_OFFENCE, offence.article, fact.fact_id,
                       "no point withdrawn (barème or interception cap): no window is interrupted (A.10)")
            return
        before = self.balance
        taken = withdrawal.amount_taken(offence.points, before)
        self.taken[fact.fact_id] = taken
        registered = (f", registered in the national file on {day.isoformat()} (date de valeur "
                      f"{fact.established_on.isoformat()})" if day != fact.established_on else "")
        self._move(day, -taken, Rule.WITHDRAWAL, f"L223-1; {offence.article}", fact.fact_id,
                   f"{offence.offence_class.value} offence committed {fact.committed_on.isoformat()}{registered}: "
                   f"{offence.points} point(s)" + (f", {taken} taken (floor 0)" if taken != offence.points else ""))
        # A.7: a point-losing withdrawal re-anchors the full reconstitution.
        self.anchor = day
        self.serious_record = self.serious_record or offence.offence_class.is_serious
        years = reconstitution.full_reconstitution_years(
            serious_record=self.serious_record, anchor=day, anchor_in_probation=self._in_probation(day))
        due = reconstitution.full_reconstitution_on(day, years)
        self.reconstitution_due = due
        self._at(due, RECOVERY, (FULL,), partial(self._full_reconstitution, anchor=day, years=years))
        if offence.points == 1:
            back = reconstitution.single_point_return_on(day, fact.committed_on)
            if back is not None:
                self._at(back, RECOVERY, (SINGLE_POINT, fact.order_key), partial(self._single_point, offence=offence))
        ten = reconstitution.ten_year_return_on(offence.offence_class, day)
        if ten is not None:
            self._at(ten, RECOVERY, (TEN_YEAR, fact.order_key), partial(self._ten_year, offence=offence))
        committed_in_probation = (epoch.plan is not None and self.probation_end is not None
                                  and epoch.plan.start <= fact.committed_on < self.probation_end)
        self._expect(day, letters.letters_after_withdrawal(
            points=offence.points, balance_before=before, balance_after=self.balance,
            committed_in_probation=committed_in_probation), f"withdrawal {fact.fact_id}", fact.fact_id)

    # -- recoveries -------------------------------------------------------------------------------------

    def _full_reconstitution(self, day: date, anchor: date, years: int) -> None:
        """L223-6 al. 1-2 — no new point-losing offence for 2 (3) years after the last DV: the licence gets its
        ceiling back (A.7). Legal: an offence committed in [anchor, day) blocks even if established later;
        administrative: only DVs count, and each one already re-anchored.
        """
        if self.reconstitution_due != day or self.anchor != anchor or not self._active:
            return
        epoch = self.epoch
        assert epoch is not None
        self.reconstitution_due = None
        if self.mode is Mode.LEGAL:
            for offence in self.offences:
                fact = offence.fact
                if (offence.point_losing and self._of_licence(offence, epoch)
                        and anchor <= fact.committed_on < day and fact.established_on >= day):
                    self._move(day, 0, Rule.FULL_RECONSTITUTION_BLOCKED, "L223-6 al. 1", fact.fact_id,
                               f"offence {fact.fact_id} committed {fact.committed_on.isoformat()} within the "
                               f"{years}-year window (established later)")
                    return
        gain = self.ceiling - self.balance
        self.anchor = None
        self.serious_record = False
        self.last_full_reconstitution = day
        self._move(day, gain, Rule.FULL_RECONSTITUTION, "L223-6 al. 1-2", None,
                   f"{years} years without offence since {anchor.isoformat()}: back to the ceiling")

    def _single_point(self, day: date, offence: Offence) -> None:
        """L223-6 al. 3 — a single withdrawn point comes back after 6 months (1 year before 2011) if no other
        point-losing offence was committed (legal) / established (administrative) in [DV, return day) (A.8).
        """
        fact = offence.fact
        epoch = self.epoch
        if epoch is None or not self._of_licence(offence, epoch) or not self._active:
            return
        if self.last_full_reconstitution is not None and self.last_full_reconstitution > offence.value_on:
            return
        blocking = self._offence_in(epoch, offence.value_on, day, exclude=fact)
        if blocking is not None:
            self._move(day, 0, Rule.SINGLE_POINT_BLOCKED, "L223-6 al. 3", fact.fact_id,
                       f"offence {blocking.fact_id} within the window: the point waits for another mechanism")
            return
        taken = self.taken.get(fact.fact_id, 0)
        self.single_point_returned.add(fact.fact_id)
        if taken == 0:
            self._move(day, 0, Rule.SINGLE_POINT_RETURN, "L223-6 al. 3", fact.fact_id,
                       f"1-point offence established {fact.established_on.isoformat()} at a balance of 0: it took "
                       "nothing and returns nothing (A.20)")
            return
        gain = max(0, min(taken, self.ceiling - self.balance))
        self._move(day, gain, Rule.SINGLE_POINT_RETURN, "L223-6 al. 3", fact.fact_id,
                   f"1-point offence established {fact.established_on.isoformat()}: point back")

    def _ten_year(self, day: date, offence: Offence) -> None:
        """L223-6 last al. — the points of a class 1–4 contravention come back 10 years after its DV, unless a
        full reconstitution or an invalidation happened since; never twice for a single point (A.9).
        """
        fact = offence.fact
        epoch = self.epoch
        if epoch is None or not self._of_licence(offence, epoch) or not self._active:
            return
        if self.last_full_reconstitution is not None and self.last_full_reconstitution > offence.value_on:
            return
        taken = self.taken.get(fact.fact_id, 0)
        points = taken - (1 if fact.fact_id in self.single_point_returned and taken else 0)
        if points <= 0:
            return
        gain = max(0, min(points, self.ceiling - self.balance))
        self._move(day, gain, Rule.TEN_YEAR_RETURN, "L223-6 last al.", fact.fact_id,
                   f"{points} point(s) of the offence established {fact.established_on.isoformat()}")

    # -- stages -----------------------------------------------------------------------------------------

    def _stage(self, day: date, stage: StageCompleted) -> None:
        """L223-6 al. 4; R223-8 — +4 within the ceiling the day after the last day, once a year (A.3, A.4)."""
        if before_points_system(day):
            self._move(day, 0, Rule.STAGE_BEFORE_POINTS_SYSTEM, "R223-8; décret n° 92-559", stage.fact_id,
                       f"effective before the permis à points started on {POINTS_SYSTEM_START.isoformat()}: "
                       "nothing to credit, does not start the year (A.19)")
            return
        if not self._active:
            self._move(day, 0, Rule.STAGE_WITHOUT_EFFECT, "R223-8; L223-5", stage.fact_id,
                       "the licence had lost its validity (48SI notified) before the stage took effect")
            self._flag(day, AnomalyKind.STAGE_AFTER_INVALIDATION, "stage effective after an effective 48SI",
                       stage.fact_id)
            return
        if not stage_recovery.spacing_respected(day, self.last_crediting_stage):
            assert self.last_crediting_stage is not None
            self._move(day, 0, Rule.STAGE_TOO_SOON, "L223-6 al. 4", stage.fact_id,
                       f"less than a year after the stage effective {self.last_crediting_stage.isoformat()}")
            return
        credit = stage_recovery.stage_credit(self.balance, self.ceiling, day)
        if credit > 0:
            self.last_crediting_stage = day
        self._move(day, credit, Rule.STAGE_CREDIT, "L223-6 al. 4; R223-8 II-III", stage.fact_id,
                   f"{stage.case.value} stage {stage.first_day.isoformat()}–{stage.last_day.isoformat()}"
                   + ("" if credit else ": at the ceiling, nothing to credit (does not start the year)"))
        self._expect(day, letters.letter_after_stage(credit), f"stage {stage.fact_id}", stage.fact_id)

    # -- invalidation -----------------------------------------------------------------------------------

    def _forty_eight_si(self, day: date, letter: LetterNotified) -> None:
        """L223-1; L223-5; CE 29 sept. 2023 n° 461479 — a 48SI invalidates only a zero balance (A.6, A.15)."""
        if self.status is Status.INVALIDATED:
            self._move(day, 0, Rule.FORTY_EIGHT_SI_REPEATED, "L223-5", letter.fact_id,
                       "the licence had already lost its validity")
            return
        if (not self._active or before_points_system(day)
                or not invalidation.forty_eight_si_is_effective(self.balance)):
            self._move(day, 0, Rule.FORTY_EIGHT_SI_VOID, "L223-1; CE n° 461479", letter.fact_id,
                       f"48SI notified on a balance of {self.balance}: void, invalidates nothing")
            self._flag(day, AnomalyKind.VOID_48SI, f"48SI notified while the legal balance was {self.balance}",
                       letter.fact_id)
            return
        self.status = Status.INVALIDATED
        self.invalidated_on = day
        self.effective_48si.append(day)
        self.reconstitution_due = None
        self._move(day, 0, Rule.INVALIDATION, "L223-1; L223-5 I", letter.fact_id,
                   "48SI notified on a zero balance: the licence loses its validity")

    def _surrender(self, day: date, fact: LicenceSurrendered) -> None:
        """L223-5 II — the waiting period for a new licence runs from the surrender (A.15)."""
        if self.status is not Status.INVALIDATED or self.surrendered_on is not None:
            self._flag(day, AnomalyKind.SURRENDER_WITHOUT_INVALIDATION,
                       "licence surrendered while it had not lost its validity", fact.fact_id)
            return
        assert self.invalidated_on is not None
        previous = self.effective_48si[-2] if len(self.effective_48si) > 1 else None
        self.surrendered_on = day
        self.new_licence_not_before = invalidation.new_licence_not_before(day, self.invalidated_on, previous)

    # -- letters ----------------------------------------------------------------------------------------

    def _match_letters(self) -> None:
        notified = sorted((f for f in self.record.facts if isinstance(f, LetterNotified)),
                          key=lambda f: (f.notified_on, f.order_key))
        used: set[str] = set()
        matched: list[ExpectedLetter] = []
        for expected in sorted(self.expected, key=lambda e: e.due_from):
            answer = next((f for f in notified if f.code is expected.code and f.fact_id not in used
                           and f.notified_on >= expected.due_from), None)
            if answer is None:
                matched.append(expected)
                continue
            used.add(answer.fact_id)
            matched.append(ExpectedLetter(expected.code, expected.due_from, expected.reason, expected.fact_id,
                                          answer.notified_on, answer.fact_id))
        self.expected = matched


def build_timeline(record: LicenceRecord, mode: Mode = Mode.LEGAL) -> Timeline:
    """Fold every fact of `record` under the law, in `mode` (A.1). Cut `record` with `known_at` first."""
    return _Fold(record, mode).run()
