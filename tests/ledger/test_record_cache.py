"""The decoded-record cache is keyed by stream version: a new fact, from this process or another, is always seen."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from ledger import application
from ledger.application import PointsLedger
from ledger.events_table import last_version
from ledger.licence import licence_id
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


def _counting_reads(app: PointsLedger, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """List the queries a read makes: `stream` for a whole-stream read (the recorder's `select_events`),
    `version` for the one-row version check (`ledger.events_table.last_version`, whatever statement it runs)."""
    calls: list[str] = []
    select = app.recorder.select_events
    checking = False

    def counted_select(*args: object, **kwargs: object) -> object:
        if not checking:
            calls.append("version" if kwargs.get("desc") else "stream")
        return select(*args, **kwargs)  # type: ignore[arg-type]

    def counted_check(recorder: object, stream: UUID) -> int | None:
        nonlocal checking
        calls.append("version")
        checking = True
        try:
            return last_version(recorder, stream)
        finally:
            checking = False

    app.recorder.select_events = counted_select  # type: ignore[method-assign]
    monkeypatch.setattr(application, "last_version", counted_check)
    return calls


def test_every_read_of_a_licence_is_one_query_cached_or_not(any_store_url: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    app = PointsLedger(storage_env(any_store_url))
    try:
        app.create_licence(a_licence("1998-06-01", number="Q1"))
        app.record("Q1", an_offence("2022-03-10", "2022-03-20", 4))
        fresh = PointsLedger(storage_env(any_store_url))
        try:
            calls = _counting_reads(fresh, monkeypatch)
            first = fresh.get_record("Q1")  # not cached: the whole stream at once
            assert calls == ["stream"]
            assert fresh.get_record("Q1") is first  # cached: the one-row version check only
            assert calls == ["stream", "version"]
            assert first == app.get_record("Q1")
        finally:
            fresh.close()
    finally:
        app.close()


def test_the_version_check_names_the_last_version_and_none_for_an_unknown_stream(any_store_url: str) -> None:
    app = PointsLedger(storage_env(any_store_url))
    try:
        app.create_licence(a_licence("1998-06-01", number="V1"))
        assert last_version(app.recorder, licence_id("V1")) == app.current_record("V1").version
        app.record("V1", an_offence("2022-03-10", "2022-03-20", 4))
        assert last_version(app.recorder, licence_id("V1")) == app.current_record("V1").version
        assert last_version(app.recorder, uuid4()) is None
    finally:
        app.close()


def test_a_warm_read_whose_connections_the_server_dropped_still_answers(pg_url: str) -> None:
    """The version check's own statement fails on a connection the server closed; the read falls back to the
    library's, which retries on a fresh connection: the answer, not an error."""
    import psycopg

    from tests.conftest import postgres_dsn

    app = PointsLedger(storage_env(pg_url))
    try:
        app.create_licence(a_licence("1998-06-01", number="D1"))
        version = app.current_record("D1").version  # cached: the next read is the version check
        pool = app.recorder.datastore.pool  # type: ignore[attr-defined]
        held = [pool.getconn() for _ in range(pool.max_size)]
        pids = [conn.info.backend_pid for conn in held]
        for conn in held:
            pool.putconn(conn)
        with psycopg.connect(postgres_dsn(), autocommit=True) as admin:
            for pid in pids:  # this application's sessions only (other tests run beside this one)
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert app.current_record("D1").version == version
    finally:
        app.close()


def test_the_stream_id_of_a_number_is_the_same_cached_or_not() -> None:
    """`licence_id` is kept per number: it answers what `uuid5` of the stripped number answers, every time."""
    from uuid import uuid5

    from ledger.licence import LICENCE_NAMESPACE

    for number in ("120375100001", " 120375100001 ", "120375100002"):
        assert licence_id(number) == uuid5(LICENCE_NAMESPACE, number.strip())
        assert licence_id(number) == licence_id(number)
    assert licence_id("120375100001") == licence_id(" 120375100001 ") != licence_id("120375100002")
