"""L223-2; R223-2 — what each offence of a file weighs: its barème, its share of the interception cap, and the
day it counts from in the mode being computed (A.11, A.16, A.22).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ledger.facts import OffenceEstablished
from ledger.law import scale, withdrawal
from ledger.law.decision import Decision
from ledger.law.in_force import POINTS_SYSTEM_START, before_points_system
from ledger.law.vocabulary import Rule
from ledger.values import Mode, OffenceClass


@dataclass(frozen=True, slots=True)
class WeighedOffence:
    """An offence as the law weighs it: the fact, its points after the interception cap, its class and article,
    the day it takes effect in this mode (its DV, or its registration in administrative mode)."""

    fact: OffenceEstablished
    points: int
    offence_class: OffenceClass
    article: str
    value_on: date
    point_losing: bool

    @property
    def fact_id(self) -> str:
        """A.13 — the offence's fact id (its recording order breaks ties)."""
        return self.fact.fact_id


def weigh(offences: Iterable[OffenceEstablished], mode: Mode) -> list[WeighedOffence]:
    """L223-2 III; R223-2 — every offence weighed, ordered by commission (A.11, A.16).

    An interception's offences share its cap in order of date de valeur (of registration in administrative
    mode); the others keep their barème.
    """
    ordered = sorted(offences, key=lambda o: (o.committed_on, o.established_on, o.order_key))
    assessed = [(o, scale.assess(o)) for o in ordered]
    groups: dict[str, list[tuple[OffenceEstablished, scale.Assessment]]] = {}
    shares: dict[str, int] = {}
    for offence, assessment in assessed:
        if offence.interception:
            groups.setdefault(offence.interception, []).append((offence, assessment))
        else:
            shares[offence.fact_id] = assessment.points
    for group in groups.values():
        shares.update(scale.capped_points(group, mode))
    return [WeighedOffence(o, shares[o.fact_id], a.offence_class, a.article, withdrawal.effective_on(o, mode),
                           withdrawal.is_point_losing(shares[o.fact_id])) for o, a in assessed]


def withdrawal_decision(offence: WeighedOffence, *, in_force: bool, balance: int) -> Decision:
    """L223-1; L223-2 — what the offence takes on the day it takes effect (A.2, A.5, A.10, A.15, A.19, A.22).

    Nothing for an offence committed before 1992-07-01, for one committed under a licence that has lost its
    validity or is no longer the licence in force (`in_force` False), or for a 0-point offence; else its points,
    floored at 0.
    """
    fact = offence.fact
    if before_points_system(fact.committed_on):
        return Decision(Rule.OFFENCE_BEFORE_POINTS_SYSTEM, 0, f"committed {fact.committed_on.isoformat()}, before "
                        f"the permis à points started on {POINTS_SYSTEM_START.isoformat()}: no point withdrawn",
                        fact.fact_id, offence.article)
    if not in_force:
        return Decision(Rule.WITHDRAWAL_WITHOUT_EFFECT, 0, "offence committed under a licence that has since lost "
                        "its validity: it changes nothing on the current one", fact.fact_id, "L223-1; L223-5 (A.15)")
    if not offence.point_losing:
        return Decision(Rule.ZERO_POINT_OFFENCE, 0, "no point withdrawn (barème or interception cap): no window "
                        "is interrupted (A.10)", fact.fact_id, offence.article)
    taken = withdrawal.amount_taken(offence.points, balance)
    registered = (f", registered in the national file on {offence.value_on.isoformat()} (date de valeur "
                  f"{fact.established_on.isoformat()})" if offence.value_on != fact.established_on else "")
    floor = f", {taken} taken (floor 0)" if taken != offence.points else ""
    return Decision(Rule.WITHDRAWAL, -taken, f"{offence.offence_class.value} offence committed "
                    f"{fact.committed_on.isoformat()}{registered}: {offence.points} point(s){floor}",
                    fact.fact_id, f"L223-1; {offence.article}")
