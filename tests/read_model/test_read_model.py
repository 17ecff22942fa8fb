"""The balance read model answers exactly what folding the events answers, and stays so as events arrive."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from benchmarks.population import population
from ledger.application import PointsLedger
from ledger.bulk_import import BulkImporter
from ledger.facts import LicenceRecord, OffenceEstablished
from ledger.storage import storage_env
from ledger.values import Mode, OffenceClass, Status
from projections import read_model
from projections.balance import balance_as_of
from projections.read_model import (
    BEFORE_LICENCE,
    BalanceReadModel,
    Interval,
    intervals_of_record,
    read_model_lag,
    split_streams,
)
from projections.timeline import build_timeline
from projections.wording import movement_text

SIZE = 300


@pytest.fixture(scope="module")
def records() -> list[LicenceRecord]:
    return list(population(SIZE, seed=5))


@pytest.fixture
def ledger(pg_url: str, records: list[LicenceRecord]) -> Iterator[PointsLedger]:
    application = PointsLedger(storage_env(pg_url))
    BulkImporter(application, batch_size=100).run(records)
    yield application
    application.close()


@pytest.fixture
def model(ledger: PointsLedger) -> BalanceReadModel:
    projection = BalanceReadModel(ledger, page_size=500)
    projection.create_tables()
    return projection


def dates_to_check(record: LicenceRecord, rng: random.Random) -> list[date]:
    """Every day the licence's state changes, the days around it, and random days over its life."""
    days: set[date] = set()
    for interval in intervals_of_record(record):
        if interval.valid_from != BEFORE_LICENCE:
            days.update({interval.valid_from - timedelta(days=1), interval.valid_from})
    start = record.licence.obtained_on - timedelta(days=400)
    days.update(start + timedelta(days=rng.randint(0, (date(2026, 6, 30) - start).days)) for _ in range(8))
    return sorted(days)


def assert_equivalent(model: BalanceReadModel, records: list[LicenceRecord], seed: int = 1) -> int:
    rng = random.Random(seed)
    checked = 0
    for record in records:
        for day in dates_to_check(record, rng):
            expected = balance_as_of(record, day, with_forecast=False)
            found = model.state_on(record.licence_number, day)
            assert found is not None, record.licence_number
            assert (found.balance, found.ceiling, found.status) == (expected.points, expected.ceiling,
                                                                    expected.status), (record.licence_number, day)
            checked += 1
    return checked


def table(model: BalanceReadModel) -> list[tuple[Any, ...]]:
    with model.ledger.recorder.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
        curs.execute(f'SELECT * FROM "{model.ledger.recorder.datastore.schema}".{model.name} '  # type: ignore[attr-defined]
                     "ORDER BY licence_number, valid_from")
        return [tuple(row.values()) for row in curs.fetchall()]


def test_every_balance_of_the_read_model_equals_the_fold_on_many_dates(
    model: BalanceReadModel, records: list[LicenceRecord]
) -> None:
    progress = model.catch_up()
    assert progress.position == progress.events == sum(1 + len(r.facts) for r in records)
    assert assert_equivalent(model, records) > 20 * SIZE


def test_all_balances_on_a_day_are_one_per_licence_and_equal_the_fold(
    model: BalanceReadModel, records: list[LicenceRecord]
) -> None:
    model.catch_up()
    day = date(2024, 12, 31)
    found = {i.licence_number: (i.balance, i.ceiling, i.status) for i in model.balances_on(day)}
    expected = {}
    for record in records:
        b = balance_as_of(record, day, with_forecast=False)
        expected[record.licence_number] = (b.points, b.ceiling, b.status)
    assert found == expected
    assert any(status is Status.INVALIDATED for _, _, status in found.values())


def test_a_rebuild_from_scratch_gives_the_same_table_in_one_process_or_two(model: BalanceReadModel) -> None:
    model.catch_up()
    caught_up = table(model)
    position = model.position()
    assert model.rebuild().position == position
    assert table(model) == caught_up
    assert model.rebuild(workers=2).licences == SIZE
    assert table(model) == caught_up
    assert model.position() == position


def test_catch_up_after_new_events_projects_them_and_then_has_nothing_to_do(
    ledger: PointsLedger, model: BalanceReadModel, records: list[LicenceRecord]
) -> None:
    model.rebuild()
    changed = records[:40]
    for i, record in enumerate(changed):
        committed = date(2025, 5, 1) + timedelta(days=i)
        ledger.record(record.licence_number, OffenceEstablished(
            fact_id=f"new-{i}", recorded_at=datetime(2025, 7, 1, tzinfo=UTC), recorded_by="test",
            evidence_ref=f"PV-NEW-{i}",
            committed_on=committed, established_on=committed + timedelta(days=10), points=4,
            offence_class=OffenceClass.C4))
    progress = model.catch_up()
    assert progress.events == len(changed)
    assert progress.position == max(n.id for n in ledger.notifications())
    updated = [ledger.get_record(r.licence_number) for r in changed]
    assert_equivalent(model, updated)
    assert model.catch_up().events == 0


def test_a_catch_up_that_crashed_resumes_from_its_last_committed_page(
    ledger: PointsLedger, model: BalanceReadModel, records: list[LicenceRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = read_model._copy_intervals
    calls = {"n": 0}

    def crash_on_third_page(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("crash")
        original(*args)

    monkeypatch.setattr(read_model, "_copy_intervals", crash_on_third_page)
    with pytest.raises(RuntimeError, match="crash"):
        model.catch_up()
    assert model.position() == 2 * model.page_size
    monkeypatch.setattr(read_model, "_copy_intervals", original)
    model.catch_up()
    resumed = table(model)
    model.rebuild()
    assert resumed == table(model)


def test_the_read_model_refuses_a_store_that_cannot_feed_it(sqlite_url: str) -> None:
    ledger = PointsLedger(storage_env(sqlite_url))
    try:
        with pytest.raises(ValueError, match="PostgreSQL"):
            BalanceReadModel(ledger)
    finally:
        ledger.close()


def test_intervals_cover_every_day_once_and_never_repeat_a_state(records: list[LicenceRecord]) -> None:
    for record in records:
        intervals = intervals_of_record(record)
        assert intervals[0].valid_from == BEFORE_LICENCE and intervals[0].status is Status.NOT_OBTAINED
        assert intervals[-1].valid_to is None
        for before, after in itertools.pairwise(intervals):
            assert before.valid_to == after.valid_from
            assert _state(before) != _state(after)


def _state(interval: Interval) -> tuple[Any, ...]:
    return (interval.balance, interval.ceiling, interval.status, interval.administrative_balance,
            interval.administrative_status, interval.last_movement, interval.last_fact_id)


def test_each_interval_carries_the_administrative_reading_and_the_last_legal_movement_of_the_fold(
    records: list[LicenceRecord],
) -> None:
    rng = random.Random(3)
    checked = 0
    for record in records[:120]:
        legal, administrative = build_timeline(record, Mode.LEGAL), build_timeline(record, Mode.ADMINISTRATIVE)
        facts = {record.licence.fact_id: record.licence, **{f.fact_id: f for f in record.facts}}
        intervals = intervals_of_record(record)
        for day in dates_to_check(record, rng):
            interval = next(i for i in intervals if i.valid_from <= day and (i.valid_to is None or day < i.valid_to))
            state, other = legal.state_on(day), administrative.state_on(day)
            movements = legal.movements_until(day)
            assert (interval.administrative_balance, interval.administrative_status) == (other.balance, other.status)
            assert (interval.balance, interval.status) == (state.balance, state.status)
            assert interval.last_movement == (movement_text(movements[-1], facts) if movements else None)
            assert interval.last_fact_id == (movements[-1].fact_id if movements else None)
            checked += 1
    assert checked > 1000


def test_stream_ranges_split_the_whole_id_space_without_gaps() -> None:
    ranges = split_streams(3)
    assert ranges[0][0] is None and ranges[-1][1] is None
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    assert split_streams(1) == [(None, None)]


def test_status_reports_the_lag_between_the_position_and_the_ledger_head(
    ledger: PointsLedger, model: BalanceReadModel, records: list[LicenceRecord]
) -> None:
    events = sum(1 + len(r.facts) for r in records)
    before = model.status()
    assert (before.position, before.head, before.lag, before.current) == (0, events, events, False)
    assert model.streams_after(0, limit=10) is None
    assert len(model.streams_after(0, limit=SIZE) or ()) == SIZE
    model.catch_up(max_pages=1)
    assert model.status().lag == events - 500
    model.catch_up()
    assert model.status().current and model.streams_after(model.position(), limit=10) == set()
    assert read_model_lag(10, 7) == 0 and read_model_lag(3, 7) == 4


def test_states_at_answers_many_licence_days_in_one_statement_as_state_on_does(
    model: BalanceReadModel, records: list[LicenceRecord]
) -> None:
    model.catch_up()
    pairs = [(r.licence_number, date(2016 + i % 9, 1 + i % 12, 1 + i % 28)) for i, r in enumerate(records)]
    found = model.states_at([*pairs, ("NOT-IN-LEDGER", date(2024, 1, 1))])
    assert found == {pair: model.state_on(*pair) for pair in pairs}
