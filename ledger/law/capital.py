"""Capital, probation and ceiling (L223-1, R223-1).

A licence carries at most 12 points; a probationary licence starts at 6 and its ceiling grows with the
majorations it actually obtains (R223-1 III). Who is probationary, how long and how fast depends on the date
the licence was obtained, hence the dated tables below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ledger.law.calendar import add_months, add_years
from ledger.law.in_force import POINTS_SYSTEM_START as POINTS_SYSTEM_START
from ledger.law.in_force import Citation, Entry, InForce, before_points_system
from ledger.values import Training

CHECKED = date(2026, 11, 25)

TWELVE_POINTS_SINCE = date(1992, 12, 1)

# Capital of a standard licence, by day.
MAXIMUM_CAPITAL: InForce[int] = InForce(
    # Décret n° 92-559 du 25 juin 1992: the points system starts with 6 points (former R.255).
    Entry(POINTS_SYSTEM_START, 6, Citation("Décret n° 92-559 du 25 juin 1992", "R.255",
                                        "https://admi.net/jo/19920628/EQUS9200718D.html")),
    # Décret n° 92-1228 du 23 novembre 1992: 12 points (entry into force UNVERIFIED, commonly 1 Dec 1992).
    Entry(date(1992, 12, 1), 12, Citation("Décret n° 92-1228 du 23 novembre 1992", "R223-1 I",
                                          "http://admi.net/jo/19921124/EQUS9201414D.html")),
    last_checked_on=CHECKED,
)


class ProbationRegime(StrEnum):
    """How a licence obtained on a given day goes through probation."""

    NONE = "none"  # before 2004-03-01: 12 points at once
    FLAT = "flat"  # 2004-03-01 … 2007-12-30: 6 points flat, 12 at the end
    PROGRESSIVE = "progressive"  # from 2007-12-31: +2 (+3 AAC) at each anniversary


PROBATION_REGIME: InForce[ProbationRegime] = InForce(
    Entry(POINTS_SYSTEM_START, ProbationRegime.NONE,
          Citation("Décret n° 92-559 du 25 juin 1992", "R223-1")),
    # Loi n° 2003-495 du 12 juin 2003, R223-1 version 01/03/2004: probationary licence, 6 points flat.
    Entry(date(2004, 3, 1), ProbationRegime.FLAT,
          Citation("Loi n° 2003-495 du 12 juin 2003; R223-1 version 01/03/2004", "L223-1 al. 2; R223-1 II",
                   "https://legal.tricoteuses.fr/articles/JORFARTI000001661724")),
    # Loi n° 2007-297 du 5 mars 2007, décret n° 2007-753 du 9 mai 2007: progressive majorations for licences
    # obtained from 31 December 2007.
    Entry(date(2007, 12, 31), ProbationRegime.PROGRESSIVE,
          Citation("Décret n° 2007-753 du 9 mai 2007", "R223-1 II",
                   "https://www.tribune-auto-ecoles.fr/mobile/pages/archives/fiche.php?id=188")),
    last_checked_on=CHECKED,
)

# Ordonnance n° 2018-207 du 28 mars 2018 + décret n° 2018-715 du 3 août 2018: a formation complémentaire taken
# from 1 January 2019 shortens the probation of a first licence.
COMPLEMENTARY_TRAINING_SINCE: InForce[bool] = InForce(
    Entry(POINTS_SYSTEM_START, False, Citation("R223-1 before décret n° 2018-715", "R223-1 II")),
    Entry(date(2019, 1, 1), True, Citation("Décret n° 2018-715 du 3 août 2018", "L223-1 al. 2; R223-1 II",
                                           "https://legal.tricoteuses.fr/articles/JORFARTI000036748268")),
    last_checked_on=CHECKED,
)

PROBATIONARY_CAPITAL = 6
MAXIMUM = 12


@dataclass(frozen=True, slots=True)
class Majoration:
    """R223-1 II — a majoration due on an anniversary if no point-losing offence since the start."""

    on: date
    points: int


@dataclass(frozen=True, slots=True)
class ProbationPlan:
    """The probation of one licence as the law schedules it, before any offence is considered."""

    regime: ProbationRegime
    start: date
    end: date  # full length (3 years, 2 with AAC)
    majorations: tuple[Majoration, ...]
    reduced_end: date | None  # formation complémentaire: 2 years (18 months AAC) if no offence


def initial_capital(start: date) -> int:
    """L223-1 al. 2; R223-1 — the points a licence receives when it starts.

    6 for a probationary licence (half the maximum), else the maximum capital in force (6 in 1992, then 12);
    0 before the points system started on 1992-07-01 (the licence receives its capital that day).
    """
    if before_points_system(start):
        return 0
    if PROBATION_REGIME.value_on(start) is not ProbationRegime.NONE:
        return PROBATIONARY_CAPITAL
    return MAXIMUM_CAPITAL.value_on(start)


def probation_plan(
    start: date, training: Training, *, first_licence: bool, complementary_training_on: date | None
) -> ProbationPlan | None:
    """L223-1 al. 2; R223-1 II — probation of a licence obtained on `start` (None: not probationary).

    Traditional training: 3 years, +2 at each anniversary; AAC: 2 years, +3. Licences obtained from 2004-03-01 to
    2007-12-30 stay at 6 points until the end. A formation complémentaire taken on/after 2019-01-01 on a *first*
    licence (the Code says "premier permis"; docs/law.md A.12) shortens probation to 2 years (18 months with AAC),
    provided no point-losing offence occurs during that reduced period — decided by the projection on the
    reduced end date.
    """
    if before_points_system(start):
        return None
    regime = PROBATION_REGIME.value_on(start)
    if regime is ProbationRegime.NONE:
        return None
    aac = training is Training.AAC
    end = add_years(start, 2 if aac else 3)
    majorations: tuple[Majoration, ...] = ()
    if regime is ProbationRegime.PROGRESSIVE:
        step = 3 if aac else 2
        years = 1 if aac else 2
        majorations = tuple(Majoration(add_years(start, k), step) for k in range(1, years + 1))
    reduced_end = None
    if (
        first_licence
        and regime is ProbationRegime.PROGRESSIVE
        and complementary_training_on is not None
        and not before_points_system(complementary_training_on)
        and COMPLEMENTARY_TRAINING_SINCE.value_on(complementary_training_on)
    ):
        candidate = add_months(start, 18) if aac else add_years(start, 2)
        # A training taken after the reduced end cannot shorten a probation already past it.
        if complementary_training_on < candidate:
            reduced_end = candidate
    return ProbationPlan(regime, start, end, majorations, reduced_end)
