"""Solde nul, lettre 48SI, surrender and new licence (L223-1, L223-5, R223-3; docs/law.md A.6, A.15).

A balance of 0 invalidates the licence only when the 48SI decision is notified, and only if the balance is still
0 that day after its recoveries, withdrawals and stage credits (CE 29 septembre 2023 n° 461479). A 48SI notified
on a positive balance is void: it invalidates nothing and is flagged.
"""

from __future__ import annotations

from datetime import date

from ledger.facts import LetterNotified
from ledger.law.calendar import add_months, add_years
from ledger.law.decision import Decision
from ledger.law.in_force import before_points_system
from ledger.law.vocabulary import AnomalyKind, Rule
from ledger.values import Status


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


def forty_eight_si_decision(letter: LetterNotified, *, status: Status, balance: int) -> Decision:
    """L223-1; L223-5; CE 29 sept. 2023 n° 461479 — a 48SI invalidates only a zero balance of a valid licence,
    never before the points system (A.6, A.15, A.19); a void one is flagged.
    """
    if status is Status.INVALIDATED:
        return Decision(Rule.FORTY_EIGHT_SI_REPEATED, 0, "the licence had already lost its validity", letter.fact_id)
    if status is not Status.VALID or before_points_system(letter.notified_on) or not forty_eight_si_is_effective(
            balance):
        return Decision(Rule.FORTY_EIGHT_SI_VOID, 0, f"48SI notified on a balance of {balance}: void, invalidates "
                        "nothing", letter.fact_id, anomaly=AnomalyKind.VOID_48SI)
    return Decision(Rule.INVALIDATION, 0, "48SI notified on a zero balance: the licence loses its validity",
                    letter.fact_id)


def reissue_anomalies(
    obtained_on: date, *, status: Status, new_licence_not_before: date | None
) -> tuple[tuple[AnomalyKind, str], ...]:
    """L223-5 II — what is wrong with a new licence: without an effective invalidation it starts nothing (A.21);
    without a surrender, or before the waiting period, it starts but is flagged (A.15).
    """
    if status is not Status.INVALIDATED:
        return ((AnomalyKind.REISSUE_WITHOUT_INVALIDATION,
                 "a new licence was recorded while the previous one had not lost its validity"),)
    if new_licence_not_before is None:
        return ((AnomalyKind.REISSUE_WITHOUT_SURRENDER,
                 "a new licence was recorded before the previous one was surrendered"),)
    if obtained_on < new_licence_not_before:
        return ((AnomalyKind.REISSUE_BEFORE_WAITING_PERIOD,
                 f"new licence obtained before {new_licence_not_before.isoformat()} (L223-5 II)"),)
    return ()
