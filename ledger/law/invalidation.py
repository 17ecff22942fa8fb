"""Solde nul, lettre 48SI, surrender and new licence (L223-1, L223-5, R223-3; docs/law.md A.6, A.15).

A balance of 0 invalidates the licence only when the 48SI decision is notified, and only if the balance is still
0 that day after its recoveries, withdrawals and stage credits (CE 29 septembre 2023 n° 461479). A 48SI notified
on a positive balance is void: it invalidates nothing and is flagged.
"""

from __future__ import annotations

from datetime import date

from ledger.law.calendar import add_months, add_years


def forty_eight_si_is_effective(balance_on_notification: int) -> bool:
    """L223-1; CE 29 sept. 2023 n° 461479 — a 48SI takes effect only on a zero balance (A.6)."""
    return balance_on_notification == 0


def new_licence_not_before(surrendered_on: date, this_48si: date, previous_48si: date | None) -> date:
    """L223-5 II — no new licence before 6 months from the surrender, 1 year when the previous total loss
    (effective 48SI) was notified less than 5 years before this one (A.15).
    """
    if previous_48si is not None and add_years(previous_48si, 5) > this_48si:
        return add_years(surrendered_on, 1)
    return add_months(surrendered_on, 6)
