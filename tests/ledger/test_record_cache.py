"""The decoded-record cache is keyed by stream version: a new fact, from this process or another, is always seen."""

from __future__ import annotations

from ledger.application import PointsLedger
from ledger.storage import storage_env
from tests.builders import a_licence, a_stage, an_offence


def test_a_record_read_twice_is_the_same_until_the_stream_grows(ledger: PointsLedger) -> None:
    ledger.create_licence(a_licence("1998-06-01", number="C1"))
    ledger.record("C1", an_offence("2022-03-10", "2022-03-20", 4, fact_id="o1"))
    first = ledger.get_record("C1")
    assert ledger.get_record("C1") is first
    ledger.record("C1", a_stage("2022-06-13"))
    grown = ledger.get_record("C1")
    assert grown is not first
    assert len(grown.facts) == 2


def test_a_fact_written_by_another_process_is_seen_by_a_warm_reader(any_store_url: str) -> None:
    reader = PointsLedger(storage_env(any_store_url))
    writer = PointsLedger(storage_env(any_store_url))
    try:
        writer.create_licence(a_licence("1998-06-01", number="C2"))
        assert reader.get_record("C2").facts == ()
        writer.record("C2", an_offence("2022-03-10", "2022-03-20", 4))
        assert len(reader.get_record("C2").facts) == 1
    finally:
        reader.close()
        writer.close()


def test_the_cache_keeps_at_most_its_size(any_store_url: str) -> None:
    app = PointsLedger(storage_env(any_store_url), record_cache_size=2)
    try:
        reads = {}
        for number in ("A", "B", "C"):
            app.create_licence(a_licence("1998-06-01", number=number))
            reads[number] = app.get_record(number)
        assert app.get_record("C") is reads["C"]  # still cached
        assert app.get_record("A") is not reads["A"]  # evicted by B and C, read and decoded again
        assert app.get_record("A") == reads["A"]
    finally:
        app.close()


def _counting_select_events(app: PointsLedger) -> list[dict[str, object]]:
    """Wrap the recorder's `select_events` to list the queries a read makes."""
    calls: list[dict[str, object]] = []
    select = app.recorder.select_events

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(kwargs)
        return select(*args, **kwargs)  # type: ignore[arg-type]

    app.recorder.select_events = counted  # type: ignore[method-assign]
    return calls


def test_every_read_of_a_licence_is_one_query_cached_or_not(any_store_url: str) -> None:
    app = PointsLedger(storage_env(any_store_url))
    try:
        app.create_licence(a_licence("1998-06-01", number="Q1"))
        app.record("Q1", an_offence("2022-03-10", "2022-03-20", 4))
        fresh = PointsLedger(storage_env(any_store_url))
        try:
            calls = _counting_select_events(fresh)
            first = fresh.get_record("Q1")  # not cached: the whole stream at once
            assert len(calls) == 1 and not calls[0].get("desc")
            assert fresh.get_record("Q1") is first  # cached: the one-row version check only
            assert len(calls) == 2 and calls[1].get("limit") == 1
            assert first == app.get_record("Q1")
        finally:
            fresh.close()
    finally:
        app.close()
