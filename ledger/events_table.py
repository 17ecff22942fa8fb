"""Every statement the ledger writes by hand over the library's events table, and the one backend test.

The library reads and writes one stream at a time; a reconciliation, a bulk import and a file import need more:
many streams read in one statement, the streams already present among thousands, a whole file written in one
transaction. They all go through here, on the recorder's own datastore, table name and id type, and hand back
the library's `StoredEvent`s for its mapper to decode. Writes keep the recorder's own guarantees: on PostgreSQL
the same `EXCLUSIVE` table lock and `NOTIFY` as its `insert_events`, so notification ids follow commit order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

from ledger.bulk_rows import Row
from ledger.chain_store import copy_new_chains, write_chain
from ledger.copy_payload import payload

SCAN_PAGE = 20_000  # rows per fetch of a whole-ledger scan
STREAMS_PER_QUERY = 500  # streams per statement (SQLite caps the number of bound parameters)
COLUMNS = "originator_id, originator_version, topic, state"


def is_postgres(recorder: Any) -> bool:
    """Is the ledger on PostgreSQL? (the only place a recorder's backend is told apart; the ledger's recorders
    are the library's, subclassed to write the hash chain: `ledger.chain_store`)"""
    return isinstance(recorder, PostgresApplicationRecorder)


def is_sqlite(recorder: Any) -> bool:
    return isinstance(recorder, SQLiteApplicationRecorder)


def postgres_table(recorder: Any) -> Composed:
    """The events table's qualified name (PostgreSQL)."""
    return SQL("{0}.{1}").format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))


def stored_event(row: Any) -> StoredEvent:
    """A row of the events table as the library's `StoredEvent` (ids as the recorder converts them)."""
    originator = row["originator_id"]
    originator = originator if isinstance(originator, UUID) else UUID(str(originator))
    return StoredEvent(originator, row["originator_version"], row["topic"], bytes(row["state"]))


def _ids(recorder: Any, streams: Sequence[UUID]) -> tuple[Any, list[Any]]:
    """The id type of the table (`uuid` or `text`) and the streams as that type (PostgreSQL)."""
    id_type = "uuid" if recorder.datastore.originator_id_type == "uuid" else "text"
    return SQL(id_type), list(streams) if id_type == "uuid" else [str(s) for s in streams]


def select_streams(recorder: Any, streams: Sequence[UUID]) -> list[StoredEvent]:
    """Every stored event of `streams`, each stream's in version order (SQL stores: one statement)."""
    if not streams:
        return []
    if is_postgres(recorder):
        # No JIT: the ledger's sessions have it off (`ledger.storage.configure_sessions`), else a fresh
        # import's stale statistics made the estimate huge and compiling cost more than the read itself.
        with recorder.datastore.transaction(commit=False) as curs:
            return _select_postgres(curs, recorder, streams)
    if is_sqlite(recorder):
        with recorder.datastore.transaction(commit=False) as curs:
            return _select_sqlite(curs, recorder, streams)
    return [event for stream in streams for event in recorder.select_events(stream)]


def _select_postgres(curs: Any, recorder: Any, streams: Sequence[UUID]) -> list[StoredEvent]:
    # One index probe per stream, as in `existing_streams`: with `= ANY(…)` or a plain join, a planner whose
    # statistics lag behind an import may scan the whole table; `OFFSET 0` keeps the LATERAL subquery from
    # being flattened into such a join.
    id_type, ids = _ids(recorder, streams)
    curs.execute(SQL("SELECT e.originator_id, e.originator_version, e.topic, e.state "
                     "FROM unnest(%s::{1}[]) AS ids(id) CROSS JOIN LATERAL (SELECT * FROM {0} AS s "
                     "WHERE s.originator_id = ids.id OFFSET 0) AS e "
                     "ORDER BY e.originator_id, e.originator_version").format(postgres_table(recorder), id_type),
                 (ids,))
    return [stored_event(row) for row in curs.fetchall()]


def _select_sqlite(curs: Any, recorder: Any, streams: Sequence[UUID]) -> list[StoredEvent]:
    placeholders = ",".join("?" * len(streams))
    curs.execute(f"SELECT {COLUMNS} FROM {recorder.events_table_name} WHERE originator_id IN ({placeholders}) "
                 "ORDER BY originator_id, originator_version", [s.hex for s in streams])
    return [StoredEvent(recorder.convert_originator_id(row["originator_id"]), row["originator_version"],
                        row["topic"], row["state"]) for row in curs.fetchall()]


_LAST_VERSION: dict[tuple[str, str], bytes] = {}  # (schema, table) -> the statement, composed once


def last_version(recorder: Any, stream: UUID) -> int | None:
    """The last version of `stream`, or None when it has no event: the version check of every cached read.

    PostgreSQL: the version column alone, by a statement composed once and prepared, on a tuple-row cursor. The
    library's `select_events(desc=True, limit=1)` composed its SQL anew on every call and fetched the whole last
    event (its state included) into a dict row, for one integer. A dropped connection falls back to the library's
    read, which retries it.
    """
    if is_postgres(recorder):
        key = (recorder.datastore.schema, recorder.events_table_name)
        statement = _LAST_VERSION.get(key)
        if statement is None:
            statement = _LAST_VERSION[key] = SQL(
                "SELECT originator_version FROM {0} WHERE originator_id = %s "
                "ORDER BY originator_version DESC LIMIT 1").format(postgres_table(recorder)).as_string().encode()
        originator = stream if recorder.datastore.originator_id_type == "uuid" else str(stream)
        try:
            with recorder.datastore.get_connection() as conn:
                row = conn.cursor(row_factory=tuple_row).execute(statement, (originator,), prepare=True).fetchone()
        except (InterfaceError, OperationalError):  # the library's names for psycopg's (`get_connection`)
            pass  # the library's read below retries a connection the server dropped
        else:
            return None if row is None else int(row[0])
    last = recorder.select_events(stream, desc=True, limit=1)
    return int(last[0].originator_version) if last else None


def existing_streams(recorder: Any, streams: Sequence[UUID], curs: Any = None) -> set[UUID]:
    """The streams of `streams` that already have at least one event (inside `curs`'s transaction if given).

    PostgreSQL: one index probe per stream (a LATERAL join with LIMIT 1): with `= ANY(…)` the planner may scan
    the whole table when its statistics lag behind a fast-growing import (1.4 s instead of 15 ms per batch at
    8 M events).
    """
    if not streams:
        return set()
    if not is_postgres(recorder):
        return {s for s in streams if recorder.select_events(s, desc=True, limit=1)}
    if curs is None:
        with recorder.datastore.transaction(commit=False) as own:
            return existing_streams(recorder, streams, own)
    id_type, ids = _ids(recorder, streams)
    curs.execute(SQL("SELECT ids.id FROM unnest(%s::{1}[]) AS ids(id), LATERAL (SELECT 1 FROM {0} AS e "
                     "WHERE e.originator_id = ids.id LIMIT 1) AS hit").format(postgres_table(recorder), id_type),
                 (ids,))
    return {UUID(str(row["id"])) for row in curs.fetchall()}


def copy_new_streams(recorder: Any, stored: dict[UUID, list[Row]],
                     payloads: dict[UUID, tuple[bytes, bytes]] | None = None) -> list[UUID]:
    """Write the streams of `stored` (rows: stream id, version, topic, state) not present yet, in one transaction;
    returns the streams written.

    PostgreSQL: the recorder's lock and notify, a last existence check under the lock, `COPY … (FORMAT BINARY)`,
    then the hash chain of the copied events in the same transaction (`ledger.chain_store`). With `payloads`
    (each stream's events and chain rows already packed, `ledger.copy_payload.stream_payload`; uuid ids only),
    both COPYs send those bytes. Other stores: the recorder's `insert_events`, once (it chains them itself).
    """
    if not stored:
        return []
    if not is_postgres(recorder):
        recorder.insert_events([StoredEvent(*row) for rows in stored.values() for row in rows])
        return list(stored)
    with recorder.datastore.transaction(commit=True) as curs:
        # The batch's Python work (COPY rows, the hash chain) runs inside the transaction: on a loaded machine it
        # outlasts the pool's 5-second idle-in-transaction timeout, which then kills the connection.
        curs.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        for statement in recorder.lock_table_statements:
            curs.execute(statement)
        present = existing_streams(recorder, list(stored), curs)
        streams = [s for s in stored if s not in present]
        if not streams:
            return []
        curs.execute(SQL("NOTIFY {0}").format(Identifier(recorder.channel_name)))
        if payloads is not None and uuid_ids(recorder):
            with curs.copy(_copy_statement(recorder)) as copy:
                copy.write(payload([payloads[s][0] for s in streams]))
            copy_new_chains(curs, recorder, payload([payloads[s][1] for s in streams]))
        else:
            _copy_rows(curs, recorder, [row for stream in streams for row in stored[stream]])
            write_chain(curs, recorder, [StoredEvent(*row) for stream in streams for row in stored[stream]])
    return streams


def uuid_ids(recorder: Any) -> bool:
    """Whether the PostgreSQL events table keys streams by `uuid` (the default) rather than `text`."""
    return bool(recorder.datastore.originator_id_type == "uuid")


def _copy_statement(recorder: Any) -> Composed:
    return SQL(f"COPY {{0}} ({COLUMNS}) FROM STDIN (FORMAT BINARY)").format(postgres_table(recorder))


def _copy_rows(curs: Any, recorder: Any, rows: list[Row]) -> None:
    id_type = "uuid" if uuid_ids(recorder) else "text"
    with curs.copy(_copy_statement(recorder)) as copy:
        copy.set_types([id_type, "int8", "text", "bytea"])
        write = copy.write_row
        if id_type == "uuid":
            for row in rows:
                write(row)
        else:
            for originator, version, topic, state in rows:
                write((str(originator), version, topic, state))


class Transaction:
    """Writes and reads inside one transaction of the events table (see `one_transaction`)."""

    def __init__(self, recorder: Any, curs: Any) -> None:
        self.recorder = recorder
        self.curs = curs

    def insert(self, events: Sequence[StoredEvent]) -> None:
        """Append stored events (a duplicate version raises the library's `IntegrityError` at commit or here)."""
        if not events:
            return
        if is_postgres(self.recorder):
            # The library's own insert: the table lock (held to the end of the transaction), NOTIFY, the rows;
            # then what its `insert_events` does after them (the ledger's recorder chains the batch there).
            self.recorder._insert_stored_events(self.curs, events)
            self.recorder._fetch_ids_after_insert_events(self.curs, events)
        else:
            self.recorder._insert_events(self.curs, events)

    def stream(self, stream: UUID) -> list[StoredEvent]:
        """One stream as this transaction sees it (its own inserts included)."""
        if is_postgres(self.recorder):
            return _select_postgres(self.curs, self.recorder, [stream])
        return _select_sqlite(self.curs, self.recorder, [stream])


@contextmanager
def one_transaction(recorder: Any) -> Iterator[Transaction]:
    """One transaction over the events table: committed when the block ends, rolled back if it raises."""
    if not (is_postgres(recorder) or is_sqlite(recorder)):
        raise ValueError("one transaction over the events table needs an SQLite or PostgreSQL store")
    with recorder.datastore.transaction(commit=True) as curs:
        yield Transaction(recorder, curs)


def streams_after(recorder: Any, position: int, limit: int, head: int | None = None) -> set[UUID] | None:
    """The streams with an event after `position` (up to `head`, the sequence's last id, when known) in the
    application sequence, or None when there are more than `limit` of them.

    Bounded on both sides: with `> position` alone, a table never analysed since a bulk import is estimated a
    third of its rows past any position and scanned whole (173 ms at 800 k events, on every report); a range is
    estimated small and read through the notification index (1 ms). Nothing after `head`: no query at all.
    """
    if head is not None and position >= head:
        return set()
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(SQL("SELECT DISTINCT originator_id FROM {0} WHERE notification_id > %s AND notification_id <= "
                         "coalesce(%s, (SELECT max(notification_id) FROM {0})) LIMIT %s")
                     .format(postgres_table(recorder)), (position, head, limit + 1))
        rows = curs.fetchall()
    if len(rows) > limit:
        return None
    return {UUID(str(row["originator_id"])) for row in rows}


def scan_streams(recorder: Any, low: UUID | None, high: UUID | None, max_id: int,
                 cursor_name: str) -> Iterator[list[StoredEvent]]:
    """Every stream with `low <= id < high` (None: unbounded), as its events up to notification `max_id`, in
    stream-id order, streamed through a server-side cursor (PostgreSQL) so a whole ledger never sits in memory.

    A rebuild reads every event of the ledger here: rows come as tuples a page at a time, and the stream id as
    text, turned into one `UUID` per stream rather than one per event.
    """
    where = [SQL("notification_id <= %s")]
    params: list[Any] = [max_id]
    for bound, comparison in ((low, ">="), (high, "<")):
        if bound is not None:
            where.append(SQL(f"originator_id {comparison} %s"))
            params.append(bound)
    query = SQL("SELECT originator_id::text, originator_version, topic, state FROM {0} WHERE {1} "
                "ORDER BY originator_id, originator_version").format(postgres_table(recorder),
                                                                     SQL(" AND ").join(where))
    with (recorder.datastore.get_connection() as reader, reader.transaction(),
          reader.cursor(name=cursor_name, row_factory=tuple_row) as curs):
        # The transaction stays open while the caller folds the rows: lift the pool's idle timeout for it.
        reader.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        curs.itersize = SCAN_PAGE
        curs.execute(query, params)
        stream: list[StoredEvent] = []
        current, originator = "", UUID(int=0)
        while rows := curs.fetchmany(SCAN_PAGE):
            for text_id, version, topic, state in rows:
                if text_id != current:
                    if stream:
                        yield stream
                        stream = []
                    current, originator = text_id, UUID(text_id)
                stream.append(StoredEvent(originator, version, topic, bytes(state)))
        if stream:
            yield stream
