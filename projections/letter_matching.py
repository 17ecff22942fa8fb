"""Which notified letter answers each letter the law expects (docs/law.md A.17).

Kept apart from the fold: only the balance's explanation, the reconciliation and the pages read the letters, so a
`Timeline` matches them the first time they are asked for — a read-model rebuild folds every licence and never
does.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.facts import LetterNotified
from projections.explanation import ExpectedLetter


def match_letters(expected: Iterable[ExpectedLetter], notified: Iterable[LetterNotified]) -> tuple[ExpectedLetter, ...]:
    """A.17 — each expected letter, in due order, is answered by the first unused letter of its code notified
    from its due day (letters in notification then recording order)."""
    letters = sorted(notified, key=lambda f: (f.notified_on, f.order_key))
    used: set[str] = set()
    matched: list[ExpectedLetter] = []
    for letter in sorted(expected, key=lambda e: e.due_from):
        answer = next((f for f in letters if f.code is letter.code and f.fact_id not in used
                       and f.notified_on >= letter.due_from), None)
        if answer is not None:
            used.add(answer.fact_id)
            letter = ExpectedLetter(letter.code, letter.due_from, letter.reason, letter.fact_id, answer.notified_on,
                                    answer.fact_id)
        matched.append(letter)
    return tuple(matched)
