"""Barème of common offences by article, with its changes over time (docs/law.md A.11, A.18).

An offence may be recorded by its kind (`"phone_in_hand"`) instead of explicit points and class: the law in
force on the commission date decides, or a more lenient rule in force when the offence was established
(in mitius, CE 15 mars 2017 n° 395286; docs/law.md A.11). Where the Code and secondary tables disagree, the
Code wins (e.g. the clignotant is 2nd class, R412-10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.law.in_force import POINTS_SYSTEM_START, Citation, Entry, InForce
from ledger.values import OffenceClass

CHECKED = date(2026, 11, 25)
SYSTEM_START = POINTS_SYSTEM_START


@dataclass(frozen=True, slots=True)
class Scale:
    """Points and class of an offence under one version of its article."""

    points: int
    offence_class: OffenceClass
    article: str


def _always(points: int, klass: OffenceClass, article: str,
            source: str = "Code de la route") -> InForce[Scale | None]:
    return InForce(Entry(SYSTEM_START, Scale(points, klass, article), Citation(source, article)),
                   last_checked_on=CHECKED)


C1, C2, C3, C4, C5, DELIT = (OffenceClass.C1, OffenceClass.C2, OffenceClass.C3, OffenceClass.C4,
                             OffenceClass.C5, OffenceClass.DELIT)

CATALOGUE: dict[str, InForce[Scale | None]] = {
    "phone_in_hand": InForce(
        Entry(SYSTEM_START, None, Citation("Code de la route before décret n° 2003-293", "R412-6-1")),
        # Décret n° 2003-293 du 31 mars 2003: phone held in hand, 2nd class, 2 points.
        Entry(date(2003, 4, 1), Scale(2, C2, "R412-6-1"),
              Citation("Décret n° 2003-293 du 31 mars 2003", "R412-6-1")),
        # Décret n° 2012-3 du 3 janvier 2012: 4th class, 3 points (in force the day after its publication in
        # the JO of 5 January 2012 — exact day UNVERIFIED, docs/law.md A.11).
        Entry(date(2012, 1, 6), Scale(3, C4, "R412-6-1"),
              Citation("Décret n° 2012-3 du 3 janvier 2012", "R412-6-1",
                       "http://www.maitreiosca.fr/glossaire/telephone-tenu-en-main/")),
        last_checked_on=CHECKED,
    ),
    "pedestrian_priority": InForce(
        Entry(SYSTEM_START, Scale(4, C4, "R415-11"), Citation("Code de la route", "R415-11")),
        # Décret n° 2018-795 du 17 septembre 2018 (JO 18 Sept 2018): 6 points from 19 September 2018.
        Entry(date(2018, 9, 19), Scale(6, C4, "R415-11"),
              Citation("Décret n° 2018-795 du 17 septembre 2018", "R415-11",
                       "https://www.idcite.com/Actu-Securite-des-pietons-le-code-de-la-route-evolue-"
                       "informations-complementaires_a36832.html")),
        last_checked_on=CHECKED,
    ),
    "red_light": _always(4, C4, "R412-30"),
    "stop_sign": _always(4, C4, "R415-6"),
    "give_way": _always(4, C4, "R415-7"),
    "wrong_way": _always(4, C4, "R412-28"),
    "seat_belt": _always(3, C4, "R412-1"),
    "continuous_line_crossing": _always(3, C4, "R412-19"),
    "continuous_line_straddling": _always(1, C4, "R412-19"),
    "indicator": _always(3, C2, "R412-10"),  # clignotant: 2nd class per the Code (docs/law.md A.11)
    "safety_distance": _always(3, C4, "R412-12"),
    "dangerous_overtaking": _always(3, C4, "R414-4"),
    "accelerating_when_overtaken": _always(2, C4, "R414-16"),
    "helmet": _always(3, C4, "R431-1"),
    "gloves": InForce(
        Entry(SYSTEM_START, None, Citation("Code de la route before décret n° 2016-1232", "R431-1-2")),
        # Décret n° 2016-1232 du 16 septembre 2016: gloves compulsory for motorcyclists from 20 November 2016.
        Entry(date(2016, 11, 20), Scale(1, C3, "R431-1-2"),
              Citation("Décret n° 2016-1232 du 16 septembre 2016", "R431-1-2")),
        last_checked_on=CHECKED,
    ),
    "alcohol_contravention": _always(6, C4, "R234-1"),
    "alcohol_delit": _always(6, DELIT, "L234-1"),
    "drugs": _always(6, DELIT, "L235-1"),
    "radar_detector": _always(6, C5, "R413-15"),
    "speeding_50_repeat": _always(6, DELIT, "L413-1"),
    "hit_and_run": _always(6, DELIT, "L231-1"),
    "missed_mandatory_stage": _always(0, C4, "R223-4"),
}


def known_kinds() -> tuple[str, ...]:
    """R413-14 … L235-1 — the offence kinds the catalogue can weigh, sorted (for error messages)."""
    return tuple(sorted(CATALOGUE))


def scale_of(kind: str, committed_on: date, established_on: date) -> Scale | None:
    """R413-14 … L235-1 — the barème of `kind` for an offence committed and established on these days (A.11).

    The version in force on the commission date, unless a version in force on the establishment date is more
    lenient (fewer points): rétroactivité in mitius. None when the article carried no points then (the caller
    asks only about offences committed since 1992-07-01).
    """
    table = CATALOGUE[kind]
    at_commission = table.value_on(committed_on)
    at_establishment = table.value_on(established_on)
    if at_commission is None:
        return None
    if at_establishment is not None and at_establishment.points < at_commission.points:
        return at_establishment
    return at_commission


def class_of(kind: str) -> OffenceClass:
    """R413-14 … L235-1 — the class of `kind` in its latest version (a 4th-class contravention if unknown)."""
    table = CATALOGUE.get(kind)
    latest = table.entries[-1].value if table is not None else None
    return latest.offence_class if latest is not None else OffenceClass.C4
