"""Barème: how many points an offence withdraws, and its class (L223-2, R223-2, R413-14, R413-14-1).

Points and class follow the law in force on the commission date, except that a more lenient rule that came into
force before the offence was established applies (rétroactivité in mitius, CE 15 mars 2017 n° 395286;
rules.md A.11). Simultaneous offences (one interception) are capped together (L223-2 III, R223-2; A.16).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ledger.facts import OffenceEstablished, Speeding
from ledger.law import offence_catalogue
from ledger.law.in_force import Citation, Entry, InForce
from ledger.values import OffenceClass

CHECKED = date(2026, 11, 25)

R413_14 = Citation("Code de la route", "R413-14",
                   "https://juriblio.fr/codes/code-de-la-route/partie-reglementaire/livre-iv/titre-ier/"
                   "chapitre-iii/section-1/article-r413-14")

# Excess (km/h) below which speeding costs no point.
SPEEDING_FREE_BELOW: InForce[int] = InForce(
    Entry(date(1992, 7, 1), 0, R413_14),
    # Décret n° 2023-1150 du 6 décembre 2023: an excess under 5 km/h costs 0 points from 1 January 2024.
    Entry(date(2024, 1, 1), 5, Citation("Décret n° 2023-1150 du 6 décembre 2023", "R413-14 III 4°",
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
    Entry(date(1992, 7, 1), GroupCap(3, 4), Citation("Décret n° 92-559 du 25 juin 1992", "R.256")),
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


def speeding_class(speeding: Speeding) -> OffenceClass:
    """R413-14, R413-14-1 — class of a speeding offence.

    3rd class below 20 km/h over when the limit is above 50 km/h, else 4th; 5th from 50 km/h over.
    """
    if speeding.excess_kmh >= 50:
        return OffenceClass.C5
    if speeding.excess_kmh < 20 and speeding.limit_kmh > 50:
        return OffenceClass.C3
    return OffenceClass.C4


def speeding_points_on(speeding: Speeding, day: date) -> int:
    """R413-14, R413-14-1 — points of a speeding offence under the barème in force on `day`.

    1 below 20 km/h over (from 2024-01-01: 0 below 5 km/h, 1 from 5 km/h exactly), 2 from 20, 3 from 30,
    4 from 40, 6 from 50 (R413-14-1).
    """
    excess = speeding.excess_kmh
    if excess >= 50:
        return 6
    if excess >= 40:
        return 4
    if excess >= 30:
        return 3
    if excess >= 20:
        return 2
    return 0 if excess < SPEEDING_FREE_BELOW.value_on(day) else 1


def assess(offence: OffenceEstablished) -> Assessment:
    """L223-2; R413-14 — points and class of an offence (A.11).

    Speeding: the barème of the commission date, or the more lenient one in force when the offence was
    established (in mitius, CE n° 395286; for the 2024 rule, rules.md §3.3). An offence recorded by its kind:
    the catalogue's barème by date, with the same in mitius rule. Otherwise the points and class recorded.
    """
    if offence.speeding is not None:
        at_commission = speeding_points_on(offence.speeding, offence.committed_on)
        at_establishment = speeding_points_on(offence.speeding, offence.established_on)
        article = "R413-14-1" if offence.speeding.excess_kmh >= 50 else "R413-14"
        return Assessment(min(at_commission, at_establishment), speeding_class(offence.speeding), article)
    if offence.offence_kind is not None:
        scale = offence_catalogue.scale_of(offence.offence_kind, offence.committed_on, offence.established_on)
        assert scale is not None  # guaranteed by validation
        return Assessment(scale.points, scale.offence_class, scale.article)
    assert offence.points is not None and offence.offence_class is not None  # guaranteed by validation
    return Assessment(offence.points, offence.offence_class, "L223-2")


def group_cap(classes: Iterable[OffenceClass], committed_on: date) -> int:
    """L223-2 III; R223-2 — the most points offences of one interception may withdraw together (8 since 2003)."""
    cap = SIMULTANEOUS_CAP.value_on(max(committed_on, date(1992, 7, 1)))
    return cap.with_delit if any(c is OffenceClass.DELIT for c in classes) else cap.contraventions


def capped_points(
    group: list[tuple[OffenceEstablished, Assessment]],
) -> dict[str, int]:
    """L223-2 III; R223-2 — share the interception's cap in date-de-valeur order (A.16).

    The first established takes its points, the next what remains of the cap. Ties: recording order.
    """
    ordered = sorted(group, key=lambda item: (item[0].established_on, item[0].order_key))
    cap = group_cap((a.offence_class for _, a in ordered), min(o.committed_on for o, _ in ordered))
    remaining = cap
    shares: dict[str, int] = {}
    for offence, assessment in ordered:
        take = min(assessment.points, remaining)
        shares[offence.fact_id] = take
        remaining -= take
    return shares
