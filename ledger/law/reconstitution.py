"""Automatic recovery of points (L223-6; docs/law.md A.7, A.8, A.9).

- full reconstitution: 2 years after the last date de valeur (3 years for a serious record, a pre-2011 anchor
  or an anchor during probation), if no new point-losing offence in between;
- single point: a 1-point withdrawal comes back after 6 months (1 year before 2011) if no new offence;
- ten-year rule: the points of each contravention of classes 1–4 come back 10 years after its DV.
"""

from __future__ import annotations

from datetime import date

from ledger.law.calendar import add_months, add_years
from ledger.law.decision import Decision
from ledger.law.in_force import POINTS_SYSTEM_START, Citation, Entry, InForce
from ledger.law.vocabulary import Rule
from ledger.law.weighing import WeighedOffence
from ledger.values import OffenceClass

CHECKED = date(2026, 11, 25)
LOPPSI_2_DV = date(2011, 1, 1)
LOI_2007_297_COMMITTED = date(2007, 1, 1)

# Years of the full reconstitution for a record of 1st–3rd class contraventions, by anchor DV.
FULL_RECONSTITUTION_LIGHT_YEARS: InForce[int] = InForce(
    # Décret n° 92-1228: full reconstitution after 3 years without offence.
    Entry(POINTS_SYSTEM_START, 3, Citation("Décret n° 92-1228 du 23 novembre 1992", "L223-6 al. 1 (old)")),
    # Loi n° 2011-267 (LOPPSI 2): 2 years for DV on/after 1 January 2011 (CE 21 nov. 2016 n° 392555).
    Entry(LOPPSI_2_DV, 2, Citation("Loi n° 2011-267 du 14 mars 2011", "L223-6 al. 1",
                                   "http://www.conseil-etat.fr/fr/arianeweb/CE/analyse/2016-11-21/392555")),
    last_checked_on=CHECKED,
)

# The single-point rule has two date axes (A.8). By DV: from 2011-01-01, 6 months (None: look at the commission).
SINGLE_POINT_MONTHS_BY_DV: InForce[int | None] = InForce(
    Entry(POINTS_SYSTEM_START, None, Citation("L223-6 before loi n° 2011-267", "L223-6 al. 3")),
    # Loi n° 2011-267: 6 months for DV on/after 1 January 2011 (first returns 1 July 2011).
    Entry(LOPPSI_2_DV, 6, Citation("Loi n° 2011-267 du 14 mars 2011", "L223-6 al. 3",
                                   "https://permisapoints.fr/recuperer-des-points/stage-de-recuperation-de-points/"
                                   "changements-2011")),
    last_checked_on=CHECKED,
)

# By commission date, for a DV before 2011: 1 year for offences committed from 2007-01-01 (None: no such rule).
SINGLE_POINT_MONTHS_BY_COMMISSION: InForce[int | None] = InForce(
    Entry(POINTS_SYSTEM_START, None, Citation("L223-6 before loi n° 2007-297", "L223-6")),
    # Loi n° 2007-297 du 5 mars 2007: 1 year, for offences committed from 1 January 2007.
    Entry(LOI_2007_297_COMMITTED, 12, Citation("Loi n° 2007-297 du 5 mars 2007", "L223-6 al. 3",
                                               "https://www.club911.net/viewtopic.php?t=76750&view=print")),
    last_checked_on=CHECKED,
)

TEN_YEARS = 10


def full_reconstitution_years(*, serious_record: bool, anchor: date, anchor_in_probation: bool) -> int:
    """L223-6 al. 1-2; L223-1 last al. — years from the anchor DV to the full reconstitution (A.7).

    3 years if any withdrawal since the licence or the last full reconstitution was a délit or a 4th/5th-class
    contravention (the whole record, CE 21 nov. 2016 n° 392555), if the anchor DV is before 2011-01-01, or if
    it falls during probation (the 2-year rule does not apply during probation: L223-1 last al.); else 2.
    """
    if serious_record or anchor_in_probation:
        return 3
    return FULL_RECONSTITUTION_LIGHT_YEARS.value_on(anchor)


def full_reconstitution_on(anchor: date, years: int) -> date:
    """L223-6 al. 1 — the reconstitution day: anchor + period, calendar arithmetic (A.14)."""
    return add_years(anchor, years)


def single_point_return_on(established_on: date, committed_on: date) -> date | None:
    """L223-6 al. 3 — day a single withdrawn point comes back, or None when no such rule applies (A.8).

    DV on/after 2011-01-01: 6 months after it. DV earlier: 1 year after it, if the offence was committed on or
    after 2007-01-01 (loi n° 2007-297); offences committed before 2007 have no single-point rule. Both axes
    are read from their tables.
    """
    months = SINGLE_POINT_MONTHS_BY_DV.value_on(established_on)
    if months is None:
        months = SINGLE_POINT_MONTHS_BY_COMMISSION.value_on(committed_on)
    return None if months is None else add_months(established_on, months)


def ten_year_return_on(offence_class: OffenceClass, established_on: date) -> date | None:
    """L223-6 last al. — points of contraventions passibles d'une amende forfaitaire (classes 1–4) come back
    10 years after their DV (A.9; CE 15 mars 2017 n° 395286). None for 5th class and délits.
    """
    if not offence_class.has_fixed_fine:
        return None
    return add_years(established_on, TEN_YEARS)


def single_point_decision(
    offence: WeighedOffence, *, taken: int, blocking: WeighedOffence | None, balance: int, ceiling: int
) -> Decision:
    """L223-6 al. 3 ("ce point est réattribué") — the single point comes back unless another point-losing offence
    fell in the window (A.8); only a point actually taken comes back (A.20), within the ceiling.
    """
    fact = offence.fact
    if blocking is not None:
        return Decision(Rule.SINGLE_POINT_BLOCKED, 0, f"offence {blocking.fact_id} within the window: the point "
                                                      "waits for another mechanism", fact.fact_id)
    if taken == 0:
        return Decision(Rule.SINGLE_POINT_RETURN, 0, f"1-point offence established {fact.established_on.isoformat()}"
                                                     " at a balance of 0: it took nothing and returns nothing (A.20)",
                        fact.fact_id)
    return Decision(Rule.SINGLE_POINT_RETURN, max(0, min(taken, ceiling - balance)),
                    f"1-point offence established {fact.established_on.isoformat()}: point back", fact.fact_id)


def ten_year_decision(
    offence: WeighedOffence, *, taken: int, single_point_returned: bool, balance: int, ceiling: int
) -> Decision | None:
    """L223-6 last al. — the points the contravention took come back after ten years, within the ceiling, less a
    point already returned by the single-point rule (A.9, A.20); None when nothing is left to return.
    """
    points = taken - (1 if single_point_returned and taken else 0)
    if points <= 0:
        return None
    return Decision(Rule.TEN_YEAR_RETURN, max(0, min(points, ceiling - balance)),
                    f"{points} point(s) of the offence established {offence.fact.established_on.isoformat()}",
                    offence.fact_id)


def full_reconstitution_decision(
    anchor: date, years: int, blocking: WeighedOffence | None, *, balance: int, ceiling: int
) -> Decision:
    """L223-6 al. 1-2 — no new point-losing offence for 2 (3) years after the anchor: back to the ceiling (A.7);
    legal mode: an offence committed in the window and established later blocks it.
    """
    if blocking is not None:
        fact = blocking.fact
        return Decision(Rule.FULL_RECONSTITUTION_BLOCKED, 0, f"offence {fact.fact_id} committed "
                        f"{fact.committed_on.isoformat()} within the {years}-year window (established later)",
                        fact.fact_id)
    return Decision(Rule.FULL_RECONSTITUTION, ceiling - balance,
                    f"{years} years without offence since {anchor.isoformat()}: back to the ceiling")
