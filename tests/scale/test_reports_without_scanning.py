"""The reports that read the read model or the fact index give the rows of the full fold / scan, and say so."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from benchmarks.population import population
from ledger.application import PointsLedger
from ledger.bulk_import import BulkImporter
from ledger.fact_index import FactIndex, audit_events, current_index
from ledger.facts import LetterNotified
from ledger.storage import storage_env
from ledger.values import LetterCode, Mode
from projections import audit_reports
from projections.national_reports import (
    MAX_PAGE,
    ReportPage,
    contestable_page,
    contestable_report,
    zero_balance_page,
    zero_balance_report,
)
from projections.read_model import BalanceReadModel
from tests.reconciliation.large_extract import population as shapes


@pytest.fixture
def national(pg_url: str) -> Iterator[PointsLedger]:
    ledger = PointsLedger(storage_env(pg_url))
    BulkImporter(ledger, batch_size=150).run(population(600, seed=21))
    from tests.reconciliation.timelines import record_all

    record_all(ledger, shapes(24))  # void 48SI, zero without 48SI, reissues…: every report has rows
    yield ledger
    ledger.close()


def _sorted(rows: Iterator[object]) -> list[object]:
    return list(rows)  # the same order as the full fold: licence-number order


@pytest.mark.parametrize("mode", [Mode.LEGAL, Mode.ADMINISTRATIVE])
def test_zero_balance_from_the_read_model_equals_the_fold_even_when_it_lags(
    national: PointsLedger, mode: Mode
) -> None:
    model = BalanceReadModel(national)
    model.create_tables()
    model.catch_up()
    for day in (date(2024, 12, 31), date(2021, 6, 30), date(2019, 11, 3)):
        rows, source = zero_balance_report(national, day, mode)
        expected = _sorted(audit_reports.zero_balance_on(national, day, mode))
        assert _sorted(rows) == expected and source.read_model == "balance_intervals"
    assert expected  # the population has licences at 0
    record = national.get_record("L000002")  # a shape that reaches 0 without a 48SI
    national.record("L000002", LetterNotified(fact_id="late-48si", recorded_at=datetime(2026, 1, 2, tzinfo=UTC),
                                              recorded_by="test", evidence_ref="48SI-LATE", code=LetterCode.L48SI,
                                              notified_on=date(2024, 12, 1)))
    rows, source = zero_balance_report(national, date(2024, 12, 31), mode)
    assert source.stale == 1 and record is not None
    assert _sorted(rows) == _sorted(audit_reports.zero_balance_on(national, date(2024, 12, 31), mode))


def test_contestable_invalidations_from_the_fact_index_equal_the_fold(national: PointsLedger) -> None:
    assert current_index(national) is None
    rows, source = contestable_report(national)
    assert source.read_model is None
    FactIndex(national, page_size=700).catch_up()
    for since, until in ((None, None), (date(2020, 1, 1), date(2023, 12, 31))):
        rows, source = contestable_report(national, since=since, until=until)
        expected = _sorted(audit_reports.contestable_invalidations(national, since=since, until=until))
        assert _sorted(rows) == expected and source.read_model == "fact_index"
    assert _sorted(contestable_report(national)[0])


def test_audit_pages_from_the_fact_index_equal_the_scan(national: PointsLedger) -> None:
    FactIndex(national, page_size=900).catch_up()
    since, until = datetime(2015, 1, 1, tzinfo=UTC), datetime(2024, 6, 30, tzinfo=UTC)
    for filters in ({"recorded_by": "fnpc-backfill"}, {"event_type": "letter"}, {"since": since, "until": until},
                    {"recorded_by": "nobody"}):
        after: int | None = 0
        while after is not None:
            expected, following = national.audit_events(after=after, limit=250, **filters)  # type: ignore[arg-type]
            found, next_after, source = audit_events(national, after=after, limit=250, **filters)  # type: ignore[arg-type]
            assert [(p, e.originator_id, e.originator_version) for p, e in found] == \
                [(p, e.originator_id, e.originator_version) for p, e in expected]
            assert next_after == following and source.startswith("source: fact index at notification")
            after = next_after


def _pages(page_of: Callable[[str], ReportPage[Any]]) -> tuple[list[object], int]:
    """Every page from the first, following `next_after`: the rows one after the other, and the number of pages."""
    rows: list[object] = []
    after: str | None = ""
    pages = 0
    while after is not None:
        page = page_of(after)
        rows.extend(page.rows)
        after = page.next_after
        pages += 1
    return rows, pages


@pytest.mark.parametrize("limit", [1, 4, 12])
def test_zero_balance_pages_one_after_the_other_are_the_whole_report_even_when_the_read_model_lags(
    national: PointsLedger, limit: int
) -> None:
    model = BalanceReadModel(national)
    model.create_tables()
    model.catch_up()
    national.record("L000002", LetterNotified(fact_id="late-48si", recorded_at=datetime(2026, 1, 2, tzinfo=UTC),
                                              recorded_by="test", evidence_ref="48SI-LATE", code=LetterCode.L48SI,
                                              notified_on=date(2024, 12, 1)))
    day = date(2024, 12, 31)
    for mode in (Mode.LEGAL, Mode.ADMINISTRATIVE):
        expected = list(audit_reports.zero_balance_on(national, day, mode))
        rows, pages = _pages(lambda after, mode=mode: zero_balance_page(national, day, mode, after=after, limit=limit))
        assert rows == expected and len(expected) > limit
        assert pages >= len(expected) // limit  # one page per `limit` rows: no page read everything
        first = zero_balance_page(national, day, mode, limit=limit)
        assert len(first.rows) == limit and first.next_after == expected[limit - 1].licence_number  # type: ignore[attr-defined]
        assert first.source.read_model == "balance_intervals" and first.source.stale == 1


@pytest.mark.parametrize("limit", [1, 3, 50])
def test_contestable_pages_one_after_the_other_are_the_whole_report(national: PointsLedger, limit: int) -> None:
    FactIndex(national, page_size=700).catch_up()
    expected = list(audit_reports.contestable_invalidations(national))
    rows, _ = _pages(lambda after: contestable_page(national, after=after, limit=limit))
    assert rows == expected and expected
    last = contestable_page(national, after=expected[-1].licence_number, limit=limit)  # type: ignore[attr-defined]
    assert last.rows == [] and last.next_after is None and last.source.read_model == "fact_index"


@pytest.mark.parametrize("limit", [1, 3, 50])
def test_contestable_pages_narrowed_by_the_read_model_are_the_whole_report_even_when_it_lags(
    national: PointsLedger, limit: int
) -> None:
    model = BalanceReadModel(national)
    model.create_tables()
    model.catch_up()
    # a void 48SI on a licence with points, recorded after the read model's position: the stale licence is folded
    national.record("L000001", LetterNotified(fact_id="late-void-48si", recorded_at=datetime(2026, 1, 2, tzinfo=UTC),
                                              recorded_by="test", evidence_ref="48SI-LATE", code=LetterCode.L48SI,
                                              notified_on=date(2025, 6, 2)))
    FactIndex(national, page_size=700).catch_up()
    for since, until in ((None, None), (date(2020, 1, 1), date(2023, 12, 31))):
        expected = list(audit_reports.contestable_invalidations(national, since=since, until=until))
        rows, _ = _pages(lambda after, since=since, until=until: contestable_page(
            national, since=since, until=until, after=after, limit=limit))
        assert rows == expected and expected
    every_void = audit_reports.contestable_invalidations(national)
    assert "late-void-48si" in {row.fact_id for row in every_void}  # type: ignore[union-attr]
    source = contestable_page(national, limit=limit).source
    assert source.read_model == "balance_intervals and fact_index" and source.stale == 1
    narrowed = model.void_48si_candidates(FactIndex(national), None, None, limit=1_000)
    every_48si = FactIndex(national).letters(LetterCode.L48SI.value, limit=1_000)
    assert len(narrowed) < len(every_48si)  # most 48SI letters are effective: their licences are not folded


def test_report_pages_fold_every_licence_in_number_order_without_a_read_model(sqlite_url: str) -> None:
    ledger = PointsLedger(storage_env(sqlite_url))
    try:
        from tests.reconciliation.timelines import record_all

        record_all(ledger, shapes(24))
        day = date(2024, 12, 31)
        expected = list(audit_reports.zero_balance_on(ledger, day))
        numbers = [row.licence_number for row in expected]  # type: ignore[attr-defined]
        assert numbers == sorted(numbers) and len(numbers) > 2
        rows, pages = _pages(lambda after: zero_balance_page(ledger, day, after=after, limit=2))
        assert rows == expected and pages >= len(expected) // 2
        contestable, _ = _pages(lambda after: contestable_page(ledger, after=after, limit=2))
        assert contestable == list(audit_reports.contestable_invalidations(ledger)) and contestable
        assert zero_balance_page(ledger, day).source.read_model is None
    finally:
        ledger.close()


def test_a_report_page_larger_than_the_largest_allowed_is_refused(national: PointsLedger) -> None:
    with pytest.raises(ValueError, match="limit"):
        zero_balance_page(national, date(2024, 12, 31), limit=MAX_PAGE + 1)
    with pytest.raises(ValueError, match="limit"):
        contestable_page(national, limit=0)
