"""The PostgreSQL write path of `record`/`record_many` (`ledger.append_path`) keeps the library's guarantees:
per-licence optimistic concurrency between independent writers, idempotency, the hash chain, commit-ordered
notification ids, and rows that the plain library reads. Real PostgreSQL, real threads, two applications.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from ledger.append_path import PostgresAppendPath
from ledger.application import PointsLedger, Recorded, register_ledger_transcodings
from ledger.chain_store import PostgresChainTables
from ledger.errors import ConcurrencyConflict
from ledger.licence import licence_id
from ledger.storage import storage_env
from ledger.verify import verify
from tests.ledger.builders import NUMBER, a_letter, a_licence, an_offence
from tests.ledger.test_concurrency import run_in_threads

pytestmark = pytest.mark.postgres

FACTS_PER_WRITER = 15


class PlainReader(Application[UUID]):
    """The plain library, nothing of the ledger but its name (its tables) and its transcodings."""

    name = PointsLedger.name

    def register_transcodings(self, transcoder: Any) -> None:
        super().register_transcodings(transcoder)
        register_ledger_transcodings(transcoder)


def _chain_rows(ledger: PointsLedger) -> list[tuple[UUID, int]]:
    """The chain rows in the chain's insertion order (`seq`)."""
    tables = PostgresChainTables(ledger.recorder)
    with tables.recorder.datastore.transaction(commit=False) as curs:
        curs.execute(tables.sql("SELECT originator_id, originator_version FROM {chain} ORDER BY seq"))
        return [(row["originator_id"], row["originator_version"]) for row in curs.fetchall()]


def test_the_ledger_appends_through_the_two_round_trip_path_on_postgresql(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = PointsLedger(storage_env(pg_url))
    try:
        assert isinstance(ledger._append, PostgresAppendPath)
        ledger.create_licence(a_licence())
        appended: list[int] = []
        real_append = ledger._append.append

        def counting(*args: Any) -> Any:
            ids = real_append(*args)
            appended.extend(ids or [])
            return ids

        monkeypatch.setattr(ledger._append, "append", counting)
        ledger.record(NUMBER, an_offence())
        ledger.record(NUMBER, a_letter())  # the licence and its tip are cached now: no read
    finally:
        ledger.close()
    assert len(appended) == 2


def test_two_applications_writing_one_licence_at_once_lose_and_duplicate_nothing(pg_url: str) -> None:
    writers = [PointsLedger(storage_env(pg_url, pool_size=2)) for _ in range(2)]
    writers[0].create_licence(a_licence())
    facts = [[a_letter(notified_on="2023-04-01") for _ in range(FACTS_PER_WRITER)] for _ in writers]
    results: list[Recorded] = []
    lock = threading.Lock()

    def write(index: int) -> None:
        for fact in facts[index]:
            while True:  # a client told "conflict" sends again: each fact must end up recorded once
                try:
                    result = writers[index].record(NUMBER, fact)
                except ConcurrencyConflict:
                    continue
                with lock:
                    results.append(result)
                break

    try:
        run_in_threads(len(writers), write)
        reader = writers[0]
        recorded = [f.fact_id for f in reader.get_record(NUMBER).facts]
        versions = [e.originator_version for e in reader.licence_events(NUMBER)]
        verification = verify(reader.recorder)
    finally:
        for writer in writers:
            writer.close()

    assert Counter(recorded) == Counter(f.fact_id for writer in facts for f in writer)
    assert versions == list(range(1, 2 * FACTS_PER_WRITER + 2))
    assert sorted(r.version for r in results) == list(range(2, 2 * FACTS_PER_WRITER + 2))
    assert verification.ok, verification.problems


def test_a_fact_already_present_answers_present_and_writes_neither_event_nor_chain_row(pg_url: str) -> None:
    ledger, other = PointsLedger(storage_env(pg_url)), PointsLedger(storage_env(pg_url))
    try:
        ledger.create_licence(a_licence())
        offence = an_offence(evidence_ref="PV-ONCE")
        first = ledger.record(NUMBER, offence)
        chain_before = _chain_rows(ledger)
        again = ledger.record(NUMBER, offence)  # from the cached licence
        from_elsewhere = other.record(NUMBER, offence)  # from a fresh read, in another application
        batch = ledger.record_many([(NUMBER, offence), (NUMBER, offence)])
        chain_after = _chain_rows(ledger)
        events = ledger.licence_events(NUMBER)
    finally:
        ledger.close()
        other.close()
    assert (first.created, first.version) == (True, 2)
    assert [(r.created, r.version) for r in (again, from_elsewhere)] == [(False, 2), (False, 2)]
    assert [(o.created, o.version) for o in batch if isinstance(o, Recorded)] == [(False, 2), (False, 2)]
    assert chain_after == chain_before
    assert len(events) == 2


def test_a_licence_moved_by_another_application_is_chained_on_its_new_tip(pg_url: str) -> None:
    mine, theirs = PointsLedger(storage_env(pg_url)), PointsLedger(storage_env(pg_url))
    try:
        mine.create_licence(a_licence())
        mine.record(NUMBER, an_offence(fact_id="mine-1"))  # cached with its tip by `mine`
        theirs.record(NUMBER, a_letter(fact_id="theirs-1"))  # the cached tip is stale now
        late = mine.record(NUMBER, an_offence(fact_id="mine-2", evidence_ref="PV-MINE-2"))
        mine.record_many([(NUMBER, a_letter(fact_id="mine-3"))])
        verification = verify(mine.recorder)
        facts = [f.fact_id for f in mine.get_record(NUMBER).facts]
    finally:
        mine.close()
        theirs.close()
    assert late.version == 4
    assert facts == ["mine-1", "theirs-1", "mine-2", "mine-3"]
    assert verification.ok, verification.problems


def test_a_stream_written_before_the_chain_is_chained_from_its_first_event_by_the_library_path(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = PointsLedger(storage_env(pg_url))
    fresh: PointsLedger | None = None
    try:
        ledger.create_licence(a_licence())
        ledger.record(NUMBER, an_offence())
        tables = PostgresChainTables(ledger.recorder)
        with tables.recorder.datastore.transaction(commit=True) as curs:
            curs.execute(tables.sql("DELETE FROM {chain}"))
        fresh = PointsLedger(storage_env(pg_url))  # nothing cached: the read finds no tip
        assert fresh._append is not None
        appended: list[int] = []
        real_append = fresh._append.append

        def counting(*args: Any) -> Any:
            ids = real_append(*args)
            appended.extend(ids or [])
            return ids

        monkeypatch.setattr(fresh._append, "append", counting)
        fresh.record(NUMBER, a_letter())  # through the library: chains versions 1 to 3
        library_only = list(appended)
        fresh.record(NUMBER, a_letter())  # read again with its tip now: through the append path
        verification = verify(ledger.recorder)
        chained = _chain_rows(ledger)
    finally:
        ledger.close()
        if fresh is not None:
            fresh.close()
    assert library_only == [] and len(appended) == 1
    assert verification.ok, verification.problems
    assert [version for _, version in chained] == [1, 2, 3, 4]


def test_events_of_the_append_path_are_read_by_the_plain_library_in_commit_order(pg_url: str) -> None:
    ledger = PointsLedger(storage_env(pg_url))
    numbers = [f"12057530{i:04d}" for i in range(3)]
    try:
        for number in numbers:
            ledger.create_licence(a_licence(number))
        ledger.record_many([(number, an_offence()) for number in numbers])
        ledger.record(numbers[1], a_letter())
        ours = {number: ledger.licence_events(number) for number in numbers}
        chain_order = _chain_rows(ledger)
    finally:
        ledger.close()
    plain = PlainReader(storage_env(pg_url))
    try:
        theirs = {number: list(plain.events.get(licence_id(number))) for number in numbers}
        notifications = plain.recorder.select_notifications(1, 100)
    finally:
        plain.close()
    for number in numbers:
        assert [vars(e) for e in theirs[number]] == [vars(e) for e in ours[number]]
    ids = [n.id for n in notifications]
    assert ids == sorted(ids)
    # the chain's own order is the notification order: both are taken under the events table's lock
    assert [(n.originator_id, n.originator_version) for n in notifications] == chain_order


def test_a_write_refused_by_the_store_writes_no_chain_row_and_leaves_the_connection_usable(pg_url: str) -> None:
    ledger = PointsLedger(storage_env(pg_url, pool_size=1))  # one connection: the next write reuses it
    try:
        ledger.create_licence(a_licence())
        stream = licence_id(NUMBER)
        path = ledger._append
        assert path is not None
        first = StoredEvent(stream, *path.read([stream])[stream].rows[0])
        for _ in range(3):  # more than once: a statement prepared in the aborted pipeline must not be lost
            assert path.append([first], [(stream, 1, bytes(32))]) is None  # version 1 is taken
        recorded = ledger.record(NUMBER, an_offence())
        verification = verify(ledger.recorder)
        chained = _chain_rows(ledger)
    finally:
        ledger.close()
    assert recorded.version == 2
    assert verification.ok, verification.problems
    assert chained == [(stream, 1), (stream, 2)]
