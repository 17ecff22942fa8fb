"""Which offences interrupt a window, in each mode (docs/law.md A.1, A.7(d), A.8, A.12).

`legal` applies the text with hindsight: an offence *committed* in the window interrupts it (L223-6: "n'a pas
commis … une nouvelle infraction"). `administrative` reproduces the FNPC: a decision on day D only sees
withdrawals whose date de valeur is strictly before D.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ledger.facts import OffenceEstablished
from ledger.law.weighing import WeighedOffence
from ledger.law.withdrawal import effective_on
from ledger.values import Mode


def interrupts(offence: OffenceEstablished, start: date, end: date, mode: Mode) -> bool:
    """L223-6 al. 1 and 3; L223-1 al. 2 — does `offence` fall in the window [start, end) in this mode?

    legal: committed in [start, end). administrative: registered by the national file (its DV unless a later
    registration date is known, A.22) in [start, end).
    """
    day = offence.committed_on if mode is Mode.LEGAL else effective_on(offence, mode)
    return start <= day < end


def first_in_window(
    offences: Iterable[WeighedOffence], start: date, end: date, mode: Mode, *, licence_start: date,
    exclude: OffenceEstablished | None = None,
) -> WeighedOffence | None:
    """L223-6 al. 1 and 3; L223-1 al. 2 — the first point-losing offence of the licence in force falling in the
    window [start, end) in this mode (A.1, A.8, A.12, A.20, A.21).

    Only offences committed under the licence in force count (A.15, A.21). `exclude` itself is left out; in legal
    mode its interception partners too — committed at the same moment, before its DV, they are not "une nouvelle
    infraction" — while in administrative mode a partner registered in the window counts like any other (A.20).
    """
    for offence in offences:
        fact = offence.fact
        if not offence.point_losing or fact.committed_on < licence_start or not interrupts(fact, start, end, mode):
            continue
        if exclude is not None and (fact.fact_id == exclude.fact_id or (
                mode is Mode.LEGAL and exclude.interception is not None and fact.interception == exclude.interception)):
            continue
        return offence
    return None


def reconstitution_blocker(
    offences: Iterable[WeighedOffence], anchor: date, day: date, mode: Mode, *, licence_start: date
) -> WeighedOffence | None:
    """L223-6 al. 1 — legal mode: a point-losing offence committed in [anchor, day) but established on or after
    `day` blocks the full reconstitution (A.7(d)); administrative mode: none, each registration re-anchored it.
    """
    if mode is not Mode.LEGAL:
        return None
    for offence in offences:
        fact = offence.fact
        if (offence.point_losing and fact.committed_on >= licence_start
                and anchor <= fact.committed_on < day <= fact.established_on):
            return offence
    return None
