"""Which offences interrupt a window, in each mode (docs/law.md A.1, A.7(d), A.8, A.12).

`legal` applies the text with hindsight: an offence *committed* in the window interrupts it (L223-6: "n'a pas
commis … une nouvelle infraction"). `administrative` reproduces the FNPC: a decision on day D only sees
withdrawals whose date de valeur is strictly before D.
"""

from __future__ import annotations

from datetime import date

from ledger.facts import OffenceEstablished
from ledger.law.withdrawal import effective_on
from ledger.values import Mode


def interrupts(offence: OffenceEstablished, start: date, end: date, mode: Mode) -> bool:
    """L223-6 al. 1 and 3; L223-1 al. 2 — does `offence` fall in the window [start, end) in this mode?

    legal: committed in [start, end). administrative: registered by the national file (its DV unless a later
    registration date is known, A.22) in [start, end).
    """
    day = offence.committed_on if mode is Mode.LEGAL else effective_on(offence, mode)
    return start <= day < end
