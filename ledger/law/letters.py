"""Letters the law expects after a movement (R223-3, R223-4, R223-8; docs/law.md A.17 and A.17).

They carry no date-relevant effect except 48SI (opposability of the invalidation) and 48N (start of the
4-month obligation): the ledger expects them for audit and reconciliation.
"""

from __future__ import annotations

from ledger.values import LetterCode

FORTY_EIGHT_M_THRESHOLD = 6
FORTY_EIGHT_N_THRESHOLD = 3


def letters_after_withdrawal(
    *, points: int, balance_before: int, balance_after: int, committed_in_probation: bool
) -> tuple[LetterCode, ...]:
    """R223-3; R223-4 — letters due after a withdrawal (A.17).

    48 after each withdrawal; 48M when a non-probationary balance falls to 6 or below; 48N for a probationary
    offence withdrawing ≥ 3 points (its commission date decides, docs/law.md A.17); 48SI when the balance reaches 0.
    """
    due = [LetterCode.L48]
    if (
        not committed_in_probation
        and balance_before > FORTY_EIGHT_M_THRESHOLD >= balance_after
        and balance_after > 0
    ):
        due.append(LetterCode.L48M)
    if committed_in_probation and points >= FORTY_EIGHT_N_THRESHOLD:
        due.append(LetterCode.L48N)
    if balance_after == 0 and balance_before > 0:
        due.append(LetterCode.L48SI)
    return tuple(due)


def letter_after_stage(credited: int) -> tuple[LetterCode, ...]:
    """R223-8 III — the reconstitution is notified by lettre simple (47) after a crediting stage (A.17)."""
    return (LetterCode.L47,) if credited > 0 else ()
