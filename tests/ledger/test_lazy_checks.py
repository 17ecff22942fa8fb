"""The aggregate checks a new fact off its events, converting them only when a check reads them: its answers are
exactly `already_recorded`'s, the bulk import's check on the converted facts (same id, same refusal)."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest

from ledger.errors import LedgerError
from ledger.facts import LegalFact
from ledger.licence import Licence, already_recorded
from ledger.values import LetterCode
from tests.builders import (
    a_letter,
    a_licence,
    a_rectification,
    a_reissue,
    a_stage,
    a_surrender,
    an_annulment,
    an_offence,
    d,
)

OFFENCE = an_offence("2022-03-10", "2022-03-20", 4, fact_id="o1")
STAGE = a_stage("2022-06-13", fact_id="s1")
LETTER = a_letter(LetterCode.L48SI, "2023-02-01", fact_id="l1")
HISTORY = [OFFENCE, STAGE, an_offence("2022-09-01", "2022-10-01", 6, fact_id="o2"), LETTER]

CANDIDATES: dict[str, LegalFact] = {
    "a new offence": an_offence("2023-05-01", "2023-05-10", 3),
    "an offence before the licence": an_offence("1990-01-01", "1990-02-01", 3),
    "the same offence again": OFFENCE,
    "the same evidence, other content": replace(OFFENCE, fact_id="o9", points=2),
    "a reused id on new evidence": replace(an_offence("2023-05-01", "2023-05-10", 3), fact_id="s1"),
    "an empty evidence reference": replace(an_offence("2023-05-01", "2023-05-10", 3), evidence_ref=" "),
    "a stage of three days": replace(a_stage("2023-06-12"), last_day=d("2023-06-14")),
    "a new letter": a_letter(LetterCode.L48, "2023-03-01"),
    "an annulment of a recorded offence": an_annulment("o2", "2023-01-10"),
    "an annulment of an unknown offence": an_annulment("nope", "2023-01-10"),
    "a surrender after the 48SI": a_surrender("2023-03-01"),
    "a surrender before any 48SI": a_surrender("2023-01-15"),
    "a surrender on the day the 48SI was first recorded as notified": a_surrender("2023-02-01"),
    "a new licence": a_reissue("2023-09-01"),
    "a rectification of the stage": a_rectification("s1", "2023-04-01", first_day=d("2022-06-20"),
                                                    last_day=d("2022-06-21")),
    "a rectification of an offence": a_rectification("o1", "2023-04-01", first_day=d("2022-06-20")),
}


def _licence(facts: list[LegalFact]) -> Licence:
    licence = Licence.obtain(a_licence("2010-01-01", number="LAZY1"))
    for fact in facts:
        licence.record_fact(fact)
    licence.collect_events()
    return licence


def _answer(call: Any) -> tuple[str, Any]:
    try:
        return "ok", call()
    except LedgerError as error:
        return type(error).__name__, (str(error), getattr(error, "field", None), getattr(error, "reason", None))


@pytest.mark.parametrize("rectified", [False, True], ids=["no rectification", "after a rectification"])
@pytest.mark.parametrize("name", list(CANDIDATES))
def test_the_aggregate_decides_a_new_fact_as_already_recorded_does(name: str, rectified: bool) -> None:
    history = [*HISTORY, a_rectification("l1", "2023-02-15", notified_on=d("2023-02-02"))] if rectified else HISTORY
    licence = _licence(history)
    candidate = CANDIDATES[name]
    expected = _answer(lambda: already_recorded(candidate, licence.licence_fact(), licence.facts()))
    fresh = copy.deepcopy(_licence(history))  # nothing converted yet: the lazy path
    answer = _answer(lambda: _previous_or_none(*fresh.record_fact(candidate)))
    assert answer == expected


def _previous_or_none(fact_id: str, created: bool) -> str | None:
    """`record_fact`'s answer as `already_recorded` gives it: None for a fact to write, else the recorded id."""
    return None if created else fact_id
