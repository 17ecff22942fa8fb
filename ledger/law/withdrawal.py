"""When and how much a withdrawal takes (L223-1, L223-2; docs/law.md A.2, A.5).

A withdrawal takes effect on the date de valeur (DV): the day the réalité de l'infraction is established (fine
paid, titre exécutoire, composition pénale executed, conviction final) — not the commission date, nor the day
the préfecture records it, nor the day the letter 48 arrives.
"""

from __future__ import annotations

from datetime import date

from ledger.facts import OffenceEstablished
from ledger.values import Mode


def effective_on(offence: OffenceEstablished, mode: Mode = Mode.LEGAL) -> date:
    """L223-1 al. 4 — a withdrawal takes effect when the réalité de l'infraction is established (A.2).

    The administrative mode reads the national file's registration date wherever the legal one reads the DV
    (A.22): the FNPC withdraws, anchors and counts the offence from the day it registered it.
    """
    if mode is Mode.ADMINISTRATIVE and offence.registered_on is not None:
        return offence.registered_on
    return offence.established_on


def amount_taken(points: int, balance: int) -> int:
    """L223-1 — a withdrawal takes at most the points that remain: the balance floor is 0 (A.5).

    A raw negative balance was discussed and not adopted (docs/law.md A.5): a stage before the 48SI adds to 0.
    """
    return max(0, min(points, balance))


def is_point_losing(points_after_cap: int) -> bool:
    """L223-6 — only an offence "ayant donné lieu au retrait de points" counts for windows and majorations.

    A.7(a): it counts when its points after the interception cap are > 0, even if the floor left nothing to
    take; 0-point offences (A.10) never count.
    """
    return points_after_cap > 0
