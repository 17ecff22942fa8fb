"""The folded timelines kept per stream version answer exactly what a fresh fold answers, and only for that version."""

from __future__ import annotations

from datetime import datetime

import pytest

from ledger.facts import LicenceRecord
from ledger.values import LetterCode, Mode
from projections.balance import balance_as_of
from projections.folded_timelines import FoldedTimelines
from tests.builders import a_letter, a_licence, a_stage, an_offence, at, d


def _record(*facts: object) -> LicenceRecord:
    return LicenceRecord(a_licence("2010-01-01", number="F1"), tuple(facts))  # type: ignore[arg-type]


RECORD = _record(an_offence("2022-03-10", "2022-03-20", 4, fact_id="o1"),
                 an_offence("2023-01-05", "2023-02-01", 6, fact_id="o2"),
                 a_stage("2023-06-12", fact_id="s1"),
                 a_letter(LetterCode.L48, "2023-03-01", fact_id="l1"))
DAYS = ("2022-03-19", "2022-03-20", "2023-02-01", "2023-06-13", "2023-06-14", "2025-01-01", "2026-12-31")


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("day", DAYS)
def test_a_balance_read_off_a_kept_timeline_equals_a_fresh_fold(day: str, mode: Mode) -> None:
    timelines = FoldedTimelines(8)
    timelines.balance(RECORD, 5, d("2020-01-01"), None, mode)  # folded and kept for another day
    assert timelines.balance(RECORD, 5, d(day), None, mode) == balance_as_of(RECORD, d(day), None, mode)
    assert timelines.balance(RECORD, 5, d(day), None, mode, with_forecast=False) == balance_as_of(
        RECORD, d(day), None, mode, with_forecast=False)


@pytest.mark.parametrize("known_at", [at("2022-03-21"), at("2030-01-01")])
def test_a_balance_as_known_at_a_moment_is_folded_as_known_then_and_not_kept(known_at: datetime) -> None:
    timelines = FoldedTimelines(8)
    answer = timelines.balance(RECORD, 5, d("2025-01-01"), known_at)
    assert answer == balance_as_of(RECORD, d("2025-01-01"), known_at)
    assert len(timelines) == 0


def test_the_same_version_reuses_the_fold_and_a_new_version_folds_again() -> None:
    timelines = FoldedTimelines(8)
    first = timelines.timeline(RECORD, 5, Mode.LEGAL)
    assert timelines.timeline(RECORD, 5, Mode.LEGAL) is first
    assert timelines.timeline(RECORD, 5, Mode.ADMINISTRATIVE) is not first
    grown = _record(*RECORD.facts, an_offence("2024-05-01", "2024-05-10", 3, fact_id="o3"))
    refolded = timelines.timeline(grown, 6, Mode.LEGAL)
    assert refolded is not first
    assert timelines.balance(grown, 6, d("2025-01-01")) == balance_as_of(grown, d("2025-01-01"))
    assert timelines.balance(grown, 6, d("2025-01-01")) != timelines.balance(RECORD, 5, d("2025-01-01"))


def test_the_kept_timelines_are_bounded_least_recently_used_first() -> None:
    timelines = FoldedTimelines(2)
    first = timelines.timeline(RECORD, 1, Mode.LEGAL)
    timelines.timeline(RECORD, 2, Mode.LEGAL)
    timelines.timeline(RECORD, 1, Mode.LEGAL)  # used again: version 2 is now the oldest
    timelines.timeline(RECORD, 3, Mode.LEGAL)
    assert len(timelines) == 2
    assert timelines.timeline(RECORD, 1, Mode.LEGAL) is first


def test_a_cache_of_size_zero_keeps_nothing() -> None:
    timelines = FoldedTimelines(0)
    assert timelines.balance(RECORD, 5, d("2025-01-01")) == balance_as_of(RECORD, d("2025-01-01"))
    assert len(timelines) == 0
