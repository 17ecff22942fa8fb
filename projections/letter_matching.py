"""Which letters the law expects after the fold's movements, and which notified letter answers each (A.17).

Kept apart from the fold: only the balance's explanation, the reconciliation and the pages read the letters, so the
fold notes only what each letter depends on (a `LetterCause`) and a `Timeline` works the letters out the first
time they are asked for — a read-model rebuild folds every licence and never does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ledger.facts import LetterNotified
from ledger.law import letters
from projections.explanation import ExpectedLetter

# What the letters after a movement depend on, noted by the fold as the movement happens, in the fold's order:
# a withdrawal — (day, fact id, points, balance before, balance after, committed in probation) — or a crediting
# stage decision — (day, fact id, points credited).
WithdrawalCause = tuple[date, str, int, int, int, bool]
StageCause = tuple[date, str, int]
LetterCause = WithdrawalCause | StageCause


def letters_due(causes: Iterable[LetterCause]) -> list[ExpectedLetter]:
    """R223-3; R223-4; R223-8 III — the letters the law expects after each noted movement, in the fold's order."""
    due: list[ExpectedLetter] = []
    for cause in causes:
        if len(cause) == 6:
            day, fact_id, points, before, after, in_probation = cause
            codes = letters.letters_after_withdrawal(points=points, balance_before=before, balance_after=after,
                                                     committed_in_probation=in_probation)
            due.extend(ExpectedLetter(code, day, f"withdrawal {fact_id}", fact_id) for code in codes)
        else:
            day, fact_id, credited = cause[:3]
            due.extend(ExpectedLetter(code, day, f"stage {fact_id}", fact_id)
                       for code in letters.letter_after_stage(credited))
    return due


def expected_letters(causes: Iterable[LetterCause], notified: Iterable[LetterNotified]) -> tuple[ExpectedLetter, ...]:
    """A.17 — the letters due after the fold's movements, each with the notified letter that answered it."""
    return match_letters(letters_due(causes), notified)


def match_letters(expected: Iterable[ExpectedLetter], notified: Iterable[LetterNotified]) -> tuple[ExpectedLetter, ...]:
    """A.17 — each expected letter, in due order, is answered by the first unused letter of its code notified
    from its due day (letters in notification then recording order)."""
    in_order = sorted(notified, key=lambda f: (f.notified_on, f.order_key))
    used: set[str] = set()
    matched: list[ExpectedLetter] = []
    for letter in sorted(expected, key=lambda e: e.due_from):
        answer = next((f for f in in_order if f.code is letter.code and f.fact_id not in used
                       and f.notified_on >= letter.due_from), None)
        if answer is not None:
            used.add(answer.fact_id)
            letter = ExpectedLetter(letter.code, letter.due_from, letter.reason, letter.fact_id, answer.notified_on,
                                    answer.fact_id)
        matched.append(letter)
    return tuple(matched)
