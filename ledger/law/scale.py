"""Barème: how many points an offence withdraws, and its class (L223-2, R223-2, R413-14, R413-14-1).

Points and class follow the law in force on the commission date, except that a more lenient rule that came into
force before the offence was established applies (rétroactivité in mitius, CE 15 mars 2017 n° 395286;
docs/law.md A.11). Simultaneous offences (one interception) are capped together (L223-2 III, R223-2; A.16).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from ledger.facts import OffenceEstablished, Speeding
from ledger.law import offence_catalogue, withdrawal
from ledger.law.in_force import POINTS_SYSTEM_START, Citation, Entry, InForce, before_points_system
from ledger.values import Mode, OffenceClass

CHECKED = date(2026, 11, 25)
PRE_POINTS_ARTICLE = "Décret n° 92-559 (points from 1992-07-01)"

R413_14 = Citation("Code de la route", "R413-14",
                   "https://juriblio.fr/codes/code-de-la-route/partie-reglementaire/livre-iv/titre-ier/"
                   "chapitre-iii/section-1/article-r413-14")

C3, C4, C5 = OffenceClass.C3, OffenceClass.C4, OffenceClass.C5


@dataclass(frozen=True, slots=True)
class SpeedingBand:
    """One bracket of the speeding barème: from this excess (km/h) up, these points and this class.

    The class depends on the limit: R413-14 makes a small excess 3rd class where the limit is above 50 km/h
    and 4th class elsewhere.
    """

    from_excess_kmh: int
    points: int
    class_above_50: OffenceClass
    class_up_to_50: OffenceClass


def _bands(small_excess: tuple[SpeedingBand, ...]) -> tuple[SpeedingBand, ...]:
    return (*small_excess, SpeedingBand(20, 2, C4, C4), SpeedingBand(30, 3, C4, C4), SpeedingBand(40, 4, C4, C4),
            SpeedingBand(50, 6, C5, C5))


# The speeding barème (R413-14, R413-14-1) as dated brackets, by the day the law is read on.
SPEEDING_BANDS: InForce[tuple[SpeedingBand, ...]] = InForce(
    Entry(POINTS_SYSTEM_START, _bands((SpeedingBand(1, 1, C3, C4),)), R413_14),
    # Décret n° 2023-1150 du 6 décembre 2023: an excess under 5 km/h costs 0 points from 1 January 2024.
    Entry(date(2024, 1, 1), _bands((SpeedingBand(1, 0, C3, C4), SpeedingBand(5, 1, C3, C4))),
          Citation("Décret n° 2023-1150 du 6 décembre 2023", "R413-14 III 4°",
                   "https://ma-veille-juridique.com/decret-n-2023-1150-du-6-decembre-2023-"
                   "portant-suppression-de-la-reduction-dun-point-du-permis-de-conduire-"
                   "pour-les-exces-de-vitesse-inferieurs-a-5-kilometres-par-heure/")),
    last_checked_on=CHECKED,
)


@dataclass(frozen=True, slots=True)
class GroupCap:
    """Most points simultaneous offences may take together: without a délit / with one."""

    contraventions: int
    with_delit: int


SIMULTANEOUS_CAP: InForce[GroupCap] = InForce(
    # Décret n° 92-559: with the 6-point capital, 3 (contraventions) / 4 (with a délit).
    Entry(POINTS_SYSTEM_START, GroupCap(3, 4), Citation("Décret n° 92-559 du 25 juin 1992", "R.256")),
    # Décret n° 92-1228 (12-point capital): contraventions ≤ 6, with a délit ≤ 8.
    Entry(date(1992, 12, 1), GroupCap(6, 8), Citation("Décret n° 92-1228 du 23 novembre 1992", "R223-2 (old)")),
    # Loi n° 2003-495 / décret n° 2003-642: 8 points for all, "deux tiers du nombre maximal".
    Entry(date(2003, 7, 12), GroupCap(8, 8), Citation("Décret n° 2003-642 du 11 juillet 2003", "L223-2 III; R223-2",
                                                       "https://www.doctrine.fr/l/texts/codes/LEGITEXT000006074228/"
                                                       "articles/LEGIARTI000006841412")),
    last_checked_on=CHECKED,
)


@dataclass(frozen=True, slots=True)
class Assessment:
    """An offence's points and class as the barème gives them, with the article that decided."""

    points: int
    offence_class: OffenceClass
    article: str


def speeding_band(speeding: Speeding, day: date) -> SpeedingBand:
    """R413-14, R413-14-1 — the bracket of the barème in force on `day` that an excess falls in (A.11).

    1 point below 20 km/h over (from 2024-01-01: 0 below 5 km/h), 2 from 20, 3 from 30, 4 from 40, 6 and 5th
    class from 50; below 20 km/h over, 3rd class where the limit is above 50 km/h, else 4th.
    """
    return _band_of(SPEEDING_BANDS.entry_on(day).since, speeding.excess_kmh)


@lru_cache(maxsize=1024)
def _band_of(table_since: date, excess_kmh: int) -> SpeedingBand:
    """The bracket of the barème that starts on `table_since` an excess falls in: a pure function of two small
    values (a few barèmes × the excesses seen), so each is worked out once per process — every speeding
    offence of a rebuild asks three times."""
    bands = SPEEDING_BANDS.value_on(table_since)
    return [band for band in bands if band.from_excess_kmh <= excess_kmh][-1]


def speeding_class(speeding: Speeding, day: date) -> OffenceClass:
    """R413-14, R413-14-1 — class of a speeding offence under the barème in force on `day`."""
    band = speeding_band(speeding, day)
    return band.class_above_50 if speeding.limit_kmh > 50 else band.class_up_to_50


def speeding_points_on(speeding: Speeding, day: date) -> int:
    """R413-14, R413-14-1 — points of a speeding offence under the barème in force on `day`."""
    return speeding_band(speeding, day).points


def assess(offence: OffenceEstablished, established_on: date | None = None) -> Assessment:
    """L223-2; R413-14 — points and class of an offence (A.11, A.19, A.22).

    Speeding: the barème of the commission date, or the more lenient one in force when the offence was
    established (in mitius, CE n° 395286; for the 2024 rule, docs/law.md A.11). An offence recorded by its kind:
    the catalogue's barème by date, with the same in mitius rule. Otherwise the points and class recorded.
    An offence committed before the points system started (1992-07-01) withdraws nothing.
    `established_on` is the day the mode reads as the date de valeur (the registration date in administrative
    mode, A.22 "throughout"); by default the offence's own date de valeur.
    """
    established_on = established_on or offence.established_on
    if before_points_system(offence.committed_on):
        return Assessment(0, _class_without_points(offence), PRE_POINTS_ARTICLE)
    if offence.speeding is not None:
        at_commission = speeding_points_on(offence.speeding, offence.committed_on)
        at_establishment = speeding_points_on(offence.speeding, established_on)
        article = "R413-14-1" if offence.speeding.excess_kmh >= 50 else "R413-14"
        return Assessment(min(at_commission, at_establishment),
                          speeding_class(offence.speeding, offence.committed_on), article)
    if offence.offence_kind is not None:
        scale = offence_catalogue.scale_of(offence.offence_kind, offence.committed_on, established_on)
        assert scale is not None  # guaranteed by validation
        return Assessment(scale.points, scale.offence_class, scale.article)
    assert offence.points is not None and offence.offence_class is not None  # guaranteed by validation
    return Assessment(offence.points, offence.offence_class, "L223-2")


def _class_without_points(offence: OffenceEstablished) -> OffenceClass:
    """The class an offence committed before 1992-07-01 is listed under (it weighs nothing either way)."""
    if offence.offence_class is not None:
        return offence.offence_class
    if offence.speeding is not None:
        return speeding_class(offence.speeding, POINTS_SYSTEM_START)
    return offence_catalogue.class_of(offence.offence_kind or "")


def group_cap(classes: Iterable[OffenceClass], committed_on: date) -> int:
    """L223-2 III; R223-2 — the most points offences of one interception may withdraw together (8 since 2003)."""
    cap = SIMULTANEOUS_CAP.value_on(max(committed_on, POINTS_SYSTEM_START))
    return cap.with_delit if any(c is OffenceClass.DELIT for c in classes) else cap.contraventions


def capped_points(
    group: list[tuple[OffenceEstablished, Assessment]], mode: Mode = Mode.LEGAL
) -> dict[str, int]:
    """L223-2 III; R223-2 — share the interception's cap in date-de-valeur order (A.16).

    The first established takes its points, the next what remains of the cap. Ties: recording order. The
    administrative mode reads the registration date as the DV (A.22).
    """
    ordered = sorted(group, key=lambda item: (withdrawal.effective_on(item[0], mode), item[0].order_key))
    cap = group_cap((a.offence_class for _, a in ordered), min(o.committed_on for o, _ in ordered))
    remaining = cap
    shares: dict[str, int] = {}
    for offence, assessment in ordered:
        take = min(assessment.points, remaining)
        shares[offence.fact_id] = take
        remaining -= take
    return shares
