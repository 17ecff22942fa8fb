"""A deterministic, seeded synthetic population of licences, calibrated on French national statistics.

Each licence is simulated from its own random stream (seeded by `(seed, index)`), so licence *i* is the same
whatever the scale, whichever subset is generated and in whichever process: a 10 k population is the first
10 k licences of the 1 M one. The life of a licence is simulated forward in time:

1. the licence is obtained some day between 1960 and the horizon (AAC for ~30 % of recent licences, a
   formation complémentaire for some 2019+ ones);
2. offences arrive as a Poisson process whose rate is the driver's own propensity (gamma-distributed: most
   drivers almost never lose a point, a few lose many) times the national level of the year (automatic speed
   cameras from 2003), lowered after a letter 48M (deterrence); each offence is drawn from a barème mix
   and established 0–90 days after it was committed;
3. after a withdrawal the law is folded (`projections.timeline.build_timeline`) whenever the balance could be
   low, and the driver reacts as drivers do: letters 48 / 48M / 48N, a voluntary or mandatory stage, and at
   zero a 48SI (sometimes preceded by a stage that voids it), a surrender and, later, a new licence;
4. a few offences are annulled; every fact is recorded (its `recorded_at`) a few days after its legal date.

Finally every fact is checked in recording order exactly as the aggregate will check it (`ledger.validation`),
so the population always imports. The distributions and their calibration are documented in
docs/population.md; `calibration()` measures them on a generated sample.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from ledger import facts as fact_types
from ledger.errors import InvalidFact
from ledger.facts import LegalFact, LicenceRecord, Speeding
from ledger.law import scale
from ledger.law.calendar import add_months, add_years
from ledger.validation import check_fact
from ledger.values import LetterCode, OffenceClass, StageCase, Training
from projections.timeline import build_timeline

HORIZON = date(2025, 6, 30)  # the population is taken on this day: every fact is recorded by then
LEGAL_CUTOFF = HORIZON - timedelta(days=30)  # last legal date of a fact (recording takes up to 20 days)
POINTS_SYSTEM_START = date(1992, 7, 1)
FIRST_LICENCE_YEAR = 1960
RECORDED_BY = "fnpc-backfill"

SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}

# Mean propensity (offences per driver-year at the 2024 level). 6.3 M offences over ~40 M licences is 0.16, but
# part of the propensity is never realised (deterrence after a 48M, no licence after an invalidation, 0-point
# small excesses since 2024): 0.30 gives ~5.2 M point-losing offences a year (docs/population.md).
MEAN_OFFENCE_RATE = 0.30
# Shape of the gamma distribution of individual propensities: small = concentrated on few drivers. 0.35 puts
# ~78 % of licences at 12 points; lower shapes raise that share but also the invalidations.
PROPENSITY_SHAPE = 0.35
REISSUED_FACTOR = 0.7  # after an invalidation and a new licence: more careful for a while
DETERRENCE = 0.6  # after a letter 48M (6 points or fewer left) drivers slow down

# National level of withdrawals relative to 2024 (ONISR series of points withdrawn, rounded): few offences before
# the automatic speed cameras (from late 2003), a peak in the late 2010s.
ERA_LEVEL: tuple[tuple[int, float], ...] = (
    (1992, 0.20), (2000, 0.30), (2003, 0.45), (2004, 0.65), (2007, 0.85), (2012, 1.05), (2020, 0.90),
    (2021, 1.00),
)
MAX_ERA_LEVEL = max(level for _, level in ERA_LEVEL)


@dataclass(frozen=True, slots=True)
class OffenceKind:
    """One line of the barème mix: how often, how many points, which class (or a speeding band)."""

    label: str
    weight: float
    points: int | None  # None: a speeding offence, the barème decides from the excess
    offence_class: OffenceClass | None
    excess_kmh: tuple[int, int] | None = None  # speeding band [low, high]
    natinf: str | None = None


# Weights sum to 1. Mean points ≈ 1.86 per offence (11.7 M points / 6.3 M offences in 2024): small speeding
# excesses caught by cameras dominate, then mobile phone, red lights and alcohol.
BAREME: tuple[OffenceKind, ...] = (
    OffenceKind("speeding under 20 km/h", 0.620, None, None, (1, 19), "11300"),
    OffenceKind("speeding 20 to 29 km/h", 0.090, None, None, (20, 29), "11301"),
    OffenceKind("speeding 30 to 39 km/h", 0.022, None, None, (30, 39), "11302"),
    OffenceKind("speeding 40 to 49 km/h", 0.008, None, None, (40, 49), "11303"),
    OffenceKind("speeding 50 km/h or more", 0.004, None, None, (50, 70), "11304"),
    OffenceKind("crossing a continuous line", 0.030, 1, OffenceClass.C4, None, "6338"),
    OffenceKind("hand-held mobile phone", 0.085, 3, OffenceClass.C4, None, "23290"),
    OffenceKind("seat belt not worn", 0.030, 3, OffenceClass.C4, None, "7181"),
    OffenceKind("safety distance", 0.012, 3, OffenceClass.C4, None, "23323"),
    OffenceKind("red light", 0.045, 4, OffenceClass.C4, None, "164"),
    OffenceKind("stop sign", 0.018, 4, OffenceClass.C4, None, "22222"),
    OffenceKind("alcohol 0.5 to 0.8 g/l", 0.012, 6, OffenceClass.C4, None, "21603"),
    OffenceKind("alcohol 0.8 g/l or more, drugs (délit)", 0.024, 6, OffenceClass.DELIT, None, "217"),
)
BAREME_WEIGHTS = tuple(k.weight for k in BAREME)
# Offences that come with a second one at the same interception (e.g. phone + seat belt).
COMPANION = (BAREME[6], BAREME[7], BAREME[5])
SPEED_LIMITS = ((50, 0.30), (80, 0.35), (90, 0.10), (110, 0.10), (130, 0.15))

P_LETTER_48 = 0.95  # the letter informing of a withdrawal, recorded with its notification date
P_LETTER_47 = 0.85  # the letter after a stage
P_INTERCEPTION_PAIR = 0.03
P_ANNULMENT = 0.008
P_MANDATORY_STAGE = 0.75  # probationary, ≥ 3 points: a stage within four months (R223-4)
P_STAGE_BEFORE_48SI = 0.15  # at zero, the driver does a stage before the 48SI is notified
P_48SI_DESPITE_STAGE = 0.5  # … and the 48SI is still sent (void, CE n° 461479)
P_SURRENDER = 0.95
P_REISSUE = 0.65
P_FORMATION_COMPLEMENTAIRE = 0.08
P_AAC_SINCE_1990 = 0.30


def voluntary_stage_probability(balance: int) -> float:
    """Drivers book a stage when they fear for their licence: the lower the balance, the likelier."""
    if balance <= 2:
        return 0.60
    if balance <= 4:
        return 0.35
    if balance <= 6:
        return 0.05
    return 0.0


def licence_number(seed: int, index: int) -> str:
    """Twelve digits, like a French licence number: two for the seed, ten for the index."""
    return f"{seed % 100:02d}{index:010d}"


def era_level(day: date) -> float:
    level = ERA_LEVEL[0][1]
    for since, value in ERA_LEVEL:
        if day.year >= since:
            level = value
    return level


class _Life:
    """The simulated life of one licence. One instance per licence; `run()` once."""

    def __init__(self, seed: int, index: int) -> None:
        self.rng = random.Random(f"points-ledger:{seed}:{index}")
        self.number = licence_number(seed, index)
        self.facts: list[LegalFact] = []
        self.counter = 0

    # -- small draws -------------------------------------------------------------------------------------

    def _id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def _ref(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.number}-{self.counter:03d}"

    def _days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def _at(self, day: date) -> datetime:
        """Placeholder recording time (the legal date): the real one is set once the life is complete."""
        return datetime.combine(day, time(8), tzinfo=UTC)

    def _obtained_on(self) -> date:
        """Licences held today: roughly constant yearly numbers since 1985, fewer further back (mortality)."""
        rng = self.rng
        while True:
            year = rng.randint(FIRST_LICENCE_YEAR, HORIZON.year)
            weight = 1.0 if year >= 1985 else 0.25 + 0.75 * (year - FIRST_LICENCE_YEAR) / (1985 - 1960)
            if rng.random() < weight:
                break
        start = date(year, 1, 1)
        end = min(date(year, 12, 31), LEGAL_CUTOFF)
        return start + timedelta(days=rng.randint(0, (end - start).days))

    # -- the life ----------------------------------------------------------------------------------------

    def run(self) -> LicenceRecord:
        rng = self.rng
        obtained_on = self._obtained_on()
        aac = rng.random() < (P_AAC_SINCE_1990 if obtained_on.year >= 1990 else 0.05)
        training = Training.AAC if aac else Training.TRADITIONAL
        fc: date | None = None
        if obtained_on >= date(2018, 7, 1) and rng.random() < P_FORMATION_COMPLEMENTAIRE:
            candidate = obtained_on + self._days(183, 365)
            if date(2019, 1, 1) <= candidate <= LEGAL_CUTOFF:
                fc = candidate
        self.licence = fact_types.LicenceObtained(
            fact_id=self._id(), recorded_at=self._at(obtained_on), recorded_by=RECORDED_BY,
            evidence_ref=f"PERMIS-{self.number}", seq=0, licence_number=self.number, obtained_on=obtained_on,
            training=training, complementary_training_on=fc,
        )
        self.propensity = rng.gammavariate(PROPENSITY_SHAPE, MEAN_OFFENCE_RATE / PROPENSITY_SHAPE)
        self.epoch_start = obtained_on
        self.last_losing_dv: date | None = None
        self.run_lost = 0
        self.last_effective_48si: date | None = None
        self._offences()
        self._annulments()
        return self._recorded()

    def _offences(self) -> None:
        """The offence process, by thinning a Poisson process at the highest possible rate."""
        rng = self.rng
        day = max(self.epoch_start, POINTS_SYSTEM_START)
        top = self.propensity * MAX_ERA_LEVEL
        if top <= 0:
            return
        while True:
            gap = rng.expovariate(top) * 365.25
            if gap > (LEGAL_CUTOFF - day).days:
                return
            day = day + timedelta(days=max(1, round(gap)))
            if rng.random() * top >= self.propensity * era_level(day):
                continue
            resumed = self._offence(day)
            if resumed is None:
                return  # invalidated and no new licence (yet)
            day = resumed

    def _draw_offence(self, committed_on: date, established_on: date, interception: str | None,
                      kind: OffenceKind) -> fact_types.OffenceEstablished:
        rng = self.rng
        speeding = None
        if kind.excess_kmh is not None:
            low, high = kind.excess_kmh
            if low == 1 and rng.random() < 0.8:
                low = 5  # most small excesses are 5–19 km/h over (after the legal tolerance)
            limit = rng.choices([s for s, _ in SPEED_LIMITS], [w for _, w in SPEED_LIMITS])[0]
            speeding = Speeding(limit, rng.randint(low, high))
        return fact_types.OffenceEstablished(
            fact_id=self._id(), recorded_at=self._at(established_on), recorded_by=RECORDED_BY,
            evidence_ref=self._ref("PV"), committed_on=committed_on, established_on=established_on,
            points=kind.points, offence_class=kind.offence_class, speeding=speeding, interception=interception,
            description=kind.label, natinf=kind.natinf,
            established_by="conviction" if kind.offence_class is OffenceClass.DELIT else "fine_paid",
        )

    def _establishment_delay(self) -> timedelta:
        """0–90 days: most fines are paid within weeks, some become a titre exécutoire (≈ 45–90 days)."""
        u = self.rng.random()
        if u < 0.05:
            return self._days(0, 2)
        if u < 0.75:
            return self._days(3, 45)
        return self._days(46, 90)

    def _offence(self, committed_on: date) -> date | None:
        """Record one offence (and its consequences); returns the day the process resumes (None: it stops)."""
        rng = self.rng
        kind = rng.choices(BAREME, BAREME_WEIGHTS)[0]
        established_on = committed_on + self._establishment_delay()
        if established_on > LEGAL_CUTOFF:
            return committed_on  # not established yet on the horizon
        interception = None
        group = [kind]
        if rng.random() < P_INTERCEPTION_PAIR:
            interception = self._ref("INT")
            group.append(rng.choice(COMPANION))
        offences = [self._draw_offence(committed_on, established_on + timedelta(days=i), interception, k)
                    for i, k in enumerate(group)]
        self.facts.extend(offences)
        points = sum(scale.assess(o).points for o in offences)
        if points == 0:
            return committed_on
        dv = offences[-1].established_on
        if rng.random() < P_LETTER_48:
            self._letter(LetterCode.L48, dv + self._days(5, 20))
        balance, probationary = self._balance_after(dv, points)
        self.last_losing_dv = dv
        if balance == 0:
            return self._at_zero(dv)
        if probationary and max(scale.assess(o).points for o in offences) >= 3:
            notified = dv + self._days(10, 30)
            self._letter(LetterCode.L48N, notified)
            if rng.random() < P_MANDATORY_STAGE:
                self._stage(notified + self._days(10, 110), StageCase.MANDATORY)
        elif not probationary and balance is not None and balance <= 6:
            self._letter(LetterCode.L48M, dv + self._days(5, 20))
            self.propensity *= DETERRENCE
            if rng.random() < voluntary_stage_probability(balance):
                self._stage(dv + self._days(14, 180), StageCase.VOLUNTARY)
        return committed_on

    def _balance_after(self, dv: date, points: int) -> tuple[int | None, bool]:
        """The balance at the end of `dv` when the driver may react to it (else None), and whether the licence
        is probationary then.

        Folding the law is the costly part of the simulation, so it is done only when a reaction is possible:
        the points lost since the last three-year gap between withdrawals (after which L223-6 gave everything
        back) bound the balance from below; above 6 points (above 0 in probation) nothing happens.
        """
        probationary = self.epoch_start >= date(2004, 3, 1) and dv < add_years(self.epoch_start, 3)
        if self.last_losing_dv is None or dv >= add_years(self.last_losing_dv, 3):
            self.run_lost = 0
        self.run_lost += points
        lowest = (6 if probationary else 12) - self.run_lost
        if lowest > (0 if probationary else 6):
            return None, probationary
        state = build_timeline(LicenceRecord(self.licence, tuple(self.facts))).state_on(dv)
        return state.balance, state.in_probation

    def _at_zero(self, dv: date) -> date | None:
        """Balance 0: a stage may come first (the 48SI is then void), else the 48SI, surrender, new licence."""
        rng = self.rng
        if rng.random() < P_STAGE_BEFORE_48SI:
            stage_day = dv + self._days(5, 25)
            self._stage(stage_day, StageCase.VOLUNTARY)
            if rng.random() < P_48SI_DESPITE_STAGE:
                self._letter(LetterCode.L48SI, stage_day + self._days(3, 40))
            return dv
        notified = dv + self._days(20, 90)
        if notified > LEGAL_CUTOFF:
            return None
        self._letter(LetterCode.L48SI, notified)
        previous = self.last_effective_48si
        self.last_effective_48si = notified
        if rng.random() >= P_SURRENDER:
            return None
        surrendered = notified + self._days(3, 15)
        if surrendered > LEGAL_CUTOFF:
            return None
        self.facts.append(fact_types.LicenceSurrendered(
            fact_id=self._id(), recorded_at=self._at(surrendered), recorded_by=RECORDED_BY,
            evidence_ref=self._ref("REMISE"), surrendered_on=surrendered))
        if rng.random() >= P_REISSUE:
            return None
        wait = 12 if previous is not None and notified < add_years(previous, 5) else 6
        reissued = add_months(surrendered, wait) + self._days(0, 900)
        if reissued > LEGAL_CUTOFF:
            return None
        training = Training.AAC if rng.random() < 0.1 else Training.TRADITIONAL
        self.facts.append(fact_types.LicenceReissued(
            fact_id=self._id(), recorded_at=self._at(reissued), recorded_by=RECORDED_BY,
            evidence_ref=self._ref("PERMIS"), obtained_on=reissued, training=training))
        self.epoch_start = reissued
        self.last_losing_dv = None
        self.propensity *= REISSUED_FACTOR
        return reissued

    def _letter(self, code: LetterCode, notified_on: date) -> None:
        if notified_on > LEGAL_CUTOFF:
            return
        self.facts.append(fact_types.LetterNotified(
            fact_id=self._id(), recorded_at=self._at(notified_on), recorded_by=RECORDED_BY,
            evidence_ref=self._ref(f"LR{code.value}"), code=code, notified_on=notified_on))

    def _stage(self, first_day: date, case: StageCase) -> None:
        last_day = first_day + timedelta(days=1)
        if last_day > LEGAL_CUTOFF:
            return
        self.facts.append(fact_types.StageCompleted(
            fact_id=self._id(), recorded_at=self._at(last_day), recorded_by=RECORDED_BY,
            evidence_ref=self._ref("ATT"), first_day=first_day, last_day=last_day, case=case,
            agrement=f"R{self.rng.randint(1, 99):02d}{self.rng.randint(0, 9999):04d}0"))
        if self.rng.random() < P_LETTER_47:
            self._letter(LetterCode.L47, last_day + self._days(20, 60))

    def _annulments(self) -> None:
        rng = self.rng
        for offence in [f for f in self.facts if isinstance(f, fact_types.OffenceEstablished)]:
            if rng.random() < P_ANNULMENT:
                decided = offence.established_on + self._days(30, 365)
                if decided <= LEGAL_CUTOFF:
                    self.facts.append(fact_types.OffenceAnnulled(
                        fact_id=self._id(), recorded_at=self._at(decided), recorded_by=RECORDED_BY,
                        evidence_ref=self._ref("DECISION"), offence_id=offence.fact_id, decided_on=decided))

    # -- recording ---------------------------------------------------------------------------------------

    def _recorded(self) -> LicenceRecord:
        """Recording times a few days after each legal date, strictly increasing; then the aggregate's checks.

        A fact the aggregate would refuse (e.g. a stage planned after a surrender) is dropped, so the
        population records cleanly through `PointsLedger` and through the bulk import alike.
        """
        rng = self.rng
        ordered = sorted(self.facts, key=lambda f: f.recorded_at)
        moment = self.licence.recorded_at + timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
        licence = replace(self.licence, recorded_at=moment)
        kept: list[LegalFact] = []
        for fact in ordered:
            candidate = fact.recorded_at + timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
            moment = max(candidate, moment + timedelta(seconds=1))
            stamped = replace(fact, recorded_at=moment, seq=len(kept) + 1)
            try:
                check_fact(stamped, licence, kept)
            except InvalidFact:
                continue
            kept.append(stamped)
        return LicenceRecord(licence, tuple(kept))


def licence_record(seed: int, index: int) -> LicenceRecord:
    """Licence number `index` of the population `seed` (independent of every other licence)."""
    return _Life(seed, index).run()


def population(size: int, seed: int = 1, start: int = 0) -> Iterator[LicenceRecord]:
    """Licences `start` … `size - 1` of the population `seed`, in index order."""
    for index in range(start, size):
        yield licence_record(seed, index)


def scale_size(scale_name: str) -> int:
    try:
        return SCALES[scale_name.lower()]
    except KeyError:
        raise ValueError(f"unknown scale {scale_name!r}: one of {', '.join(SCALES)}") from None
