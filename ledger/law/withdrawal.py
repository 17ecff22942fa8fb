"""When and how much a withdrawal takes (L223-1, L223-2; rules.md A.2, A.5).

A withdrawal takes effect on the date de valeur (DV): the day the réalité de l'infraction is established (fine
paid, titre exécutoire, composition pénale executed, conviction final) — not the commission date, nor the day
the préfecture records it, nor the day the letter 48 arrives.
"""

from __future__ import annotations

from datetime import date

from ledger.facts import OffenceEstablished


def effective_on(offence: OffenceEstablished) -> date:
    """L223-1 al. 4 — a withdrawal takes effect when the réalité de l'infraction is established (A.2)."""
    return offence.established_on


def amount_taken(points: int, balance: int) -> int:
    """L223-1 — a withdrawal takes at most the points that remain: the balance floor is 0 (A.5).

    rules.md §5.3 discusses a raw negative balance; section A.5 supersedes it: a stage before the 48SI adds to 0.
    """
    return max(0, min(points, balance))


def is_point_losing(points_after_cap: int) -> bool:
    """L223-6 — only an offence "ayant donné lieu au retrait de points" counts for windows and majorations.

    A.7(a): it counts when its points after the interception cap are > 0, even if the floor left nothing to
    take; 0-point offences (A.10) never count.
    """
    return points_after_cap > 0
