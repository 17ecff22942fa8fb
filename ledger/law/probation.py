"""L223-1 al. 2; R223-1 II-IV — the decisions of a probation on its anniversaries and at its end (A.12).

The probation's calendar is `capital.probation_plan`; these functions decide, on each of its days, given the
first point-losing offence of the probation in the mode being computed (`interruption.first_in_window`).
"""

from __future__ import annotations

from ledger.law.capital import MAXIMUM
from ledger.law.decision import Decision
from ledger.law.vocabulary import Rule
from ledger.law.weighing import WeighedOffence


def majoration(year: int, points: int, blocking: WeighedOffence | None) -> Decision:
    """L223-1 al. 2; R223-1 II — +2 (+3 AAC) on an anniversary if no point-losing offence since the start of
    probation (CE 15 juin 2016 n° 393522): committed before the anniversary (legal) / registered (administrative).
    """
    if blocking is not None:
        return Decision(Rule.MAJORATION_LOST, 0, f"year {year}: no majoration, offence {blocking.fact_id} since "
                                                 "the start of probation", blocking.fact_id)
    return Decision(Rule.PROBATION_MAJORATION, points, f"year {year} of probation without offence: +{points}")


def reduced_end(blocking: WeighedOffence | None) -> Decision | None:
    """L223-1 al. 2; R223-1 II (décret n° 2018-715) — the formation complémentaire ends probation early unless a
    point-losing offence came during the reduced period; None: it ends today.
    """
    if blocking is None:
        return None
    return Decision(Rule.COMPLEMENTARY_TRAINING_REDUCTION_LOST, 0,
                    f"offence {blocking.fact_id} during the reduced probation: full length", blocking.fact_id)


def end_of_probation(why: str, balance: int, blocking: WeighedOffence | None) -> Decision:
    """R223-1 IV — the ceiling becomes 12; the balance too only if no point-losing offence was committed (legal)
    / registered (administrative) during probation, else it stays (A.12).
    """
    if blocking is None:
        return Decision(Rule.END_OF_PROBATION, MAXIMUM - balance, f"{why}, no offence: 12 points")
    return Decision(Rule.END_OF_PROBATION, 0, f"{why}: ceiling 12, balance kept (offence {blocking.fact_id})",
                    blocking.fact_id)
