"""The write path of `record`/`record_many` on PostgreSQL: two round trips instead of five.

The library's save of one fact costs, with the hash chain, a read of the stream, then its pipelined insert (lock,
notify, insert: one sync), then the chain's read of the previous hash, the chain insert and the commit: about five
round trips, most of a single fact's time. Here the stream's stored events and its chain tip (the hash of its
last version) come back in one round trip, and the whole write is one pipelined round trip:

    BEGIN; SET LOCAL lock_timeout; LOCK TABLE events IN EXCLUSIVE MODE; NOTIFY; INSERT events; INSERT chain; COMMIT

The write is queued in psycopg's pipeline mode with an explicit BEGIN and COMMIT (psycopg's `transaction()` would
wait for the server at each) and sent with one Sync. The same statements and guarantees as the library's
`insert_events` plus `ledger.chain_store.write_chain`:

- the `EXCLUSIVE` lock, taken before the insert and held to the commit, so notification ids follow commit order
  (a tailing reader never skips an event), and the `NOTIFY` the library's subscribers wait on;
- optimistic concurrency per licence: the unique (stream, version) key refuses the whole transaction if another
  writer appended to any stream of the batch; nothing is written and `append` answers None (the caller decides
  again on fresh streams);
- the chain rows in the events' transaction, chained on the tip read with the stream. A tip read before another
  writer's commit is stale only if that writer appended to the stream, and then the events' insert is refused;
- the rows are the library's (same columns, same transcoded bytes): any application of the plain library reads
  them.

A stream whose chain does not end at its last event (written before the chain existed, or damaged) has no tip
here: the caller saves it through the library, whose recorder chains or refuses it as before (`write_chain`).
Statements are prepared: a prepared statement whose first use sits in an aborted pipeline is dropped from
psycopg's cache (`PrepareManager.validate`) and prepared again under a new name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.utils import retry
from psycopg.pq import TransactionStatus
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composable, Identifier

from ledger.chain_store import ChainRow, PostgresChainTables
from ledger.events_table import is_postgres, postgres_table

# Streams per read: a whole `record_many` batch (one array parameter, so SQLite's cap on bound parameters, which
# sets `events_table.STREAMS_PER_QUERY`, does not apply); one round trip instead of two per 1,000 licences.
STREAMS_PER_READ = 1_000


StoredRow = tuple[int, str, bytes]  # a stored event of a known stream: its version, topic and state


@dataclass(frozen=True, slots=True)
class StoredStream:
    """A stream as the write path reads it: its stored events as rows, in version order (the mapper reads them
    without a `StoredEvent` each: `LedgerMapper.event_of_row`), and its chain tip (the hash of its last event;
    None when the chain does not end there)."""

    rows: list[StoredRow]
    tip: bytes | None


class PostgresAppendPath:
    """The ledger's reads and appends of the write path, on the recorder's connection pool and tables."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.datastore = recorder.datastore
        events = postgres_table(recorder)
        chain = Identifier(self.datastore.schema, PostgresChainTables(recorder).chain())
        # One index probe per stream (`OFFSET 0` keeps the LATERAL subquery from being flattened into a join that
        # a planner with stale statistics may turn into a scan; see `ledger.events_table.select_streams`).
        # Each row names its stream by its position in the array (`WITH ORDINALITY`), and the rows come back in
        # binary: no stream id parsed from text per row, no bytea decoded from hex (a third of the fetch).
        self.select_events = _rendered(SQL(
            "SELECT ids.n, e.originator_version, e.topic, e.state "
            "FROM unnest(%b::uuid[]) WITH ORDINALITY AS ids(id, n) "
            "CROSS JOIN LATERAL (SELECT * FROM {0} AS s WHERE s.originator_id = ids.id OFFSET 0) AS e "
            "ORDER BY ids.n, e.originator_version").format(events))
        self.select_tips = _rendered(SQL(
            "SELECT ids.id, t.originator_version, t.hash FROM unnest(%b::uuid[]) AS ids(id) CROSS JOIN LATERAL "
            "(SELECT c.originator_version, c.hash FROM {0} AS c WHERE c.originator_id = ids.id "
            "ORDER BY c.originator_version DESC LIMIT 1) AS t").format(chain))
        self.insert_events = _rendered(SQL(
            "INSERT INTO {0} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) RETURNING notification_id"
        ).format(events))
        self.insert_chain = _rendered(SQL(
            "INSERT INTO {0} (originator_id, originator_version, hash) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::bytea[])").format(chain))
        self.notify = _rendered(SQL("NOTIFY {0}").format(Identifier(recorder.channel_name)))
        self.lock = [_rendered(statement) for statement in recorder.lock_table_statements]
        self.begin, self.commit, self.rollback = b"BEGIN", b"COMMIT", b"ROLLBACK"

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's own reads
    def read(self, streams: Sequence[UUID]) -> dict[UUID, StoredStream]:
        """The stored events and chain tip of each stream (absent streams left out): one round trip."""
        if not streams:
            return {}
        ids = list(streams)
        with (self.datastore.get_connection() as conn, conn.pipeline(),
              conn.cursor(row_factory=tuple_row) as events_cursor, conn.cursor(row_factory=tuple_row) as tips_cursor):
            events_cursor.execute(self.select_events, (ids,), prepare=True, binary=True)
            tips_cursor.execute(self.select_tips, (ids,), prepare=True)
            rows = events_cursor.fetchall()
            tip_rows = tips_cursor.fetchall()
        # Tuples, not the pool's dict rows: building a dict per row was a third of this read (8,000 rows a batch).
        tips = {stream: (version, bytes(digest)) for stream, version, digest in tip_rows}
        found: dict[UUID, StoredStream] = {}
        for position, version, topic, state in rows:
            stream = ids[position - 1]
            entry = found.get(stream)
            if entry is None:
                entry = found[stream] = StoredStream([], None)
            entry.rows.append((version, topic, state))
        for stream, entry in found.items():
            tip = tips.get(stream)
            if tip is not None and tip[0] == entry.rows[-1][0]:
                found[stream] = StoredStream(entry.rows, tip[1])
        return found

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's `insert_events`
    def append(self, events: Sequence[StoredEvent], chain: Sequence[ChainRow]) -> list[int] | None:
        """Write `events` and their `chain` rows in one transaction under the table lock: their notification ids,
        or None (nothing written) when a (stream, version) is already taken: another writer got there first."""
        params = ([e.originator_id for e in events], [e.originator_version for e in events],
                  [e.topic for e in events], [e.state for e in events])
        chain_params = ([r[0] for r in chain], [r[1] for r in chain], [r[2] for r in chain])
        with self.datastore.get_connection() as conn:
            curs, other = conn.cursor(), conn.cursor()
            try:
                # No `conn.transaction()`: in pipeline mode it waits for the server at BEGIN and at COMMIT. With
                # the statements queued as they are, the pipeline's one Sync at its exit sends them all at once.
                with conn.pipeline():
                    other.execute(self.begin)
                    for statement in self.lock:
                        other.execute(statement, prepare=True)
                    other.execute(self.notify, prepare=True)
                    curs.execute(self.insert_events, params, prepare=True)
                    other.execute(self.insert_chain, chain_params, prepare=True)
                    other.execute(self.commit)
                return [row["notification_id"] for row in curs.fetchall()]
            except psycopg.Error as error:
                # The failed transaction is still open on the connection (an error skips the queued COMMIT). A
                # connection lost meanwhile is left to the pool, and the write retried: if its commit did happen,
                # the retry is refused by the (stream, version) key and the batch, decided again, finds it present.
                if conn.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
                    conn.execute(self.rollback)
                if isinstance(error, psycopg.errors.UniqueViolation):
                    return None  # a (stream, version) is taken: another writer appended first
                raise


def _rendered(statement: Composable) -> bytes:
    """A statement as the bytes psycopg sends: composing it again at each execution was a fifth of a write's
    Python time (psycopg caches the conversion of a bytes query, not of a composed one)."""
    return statement.as_bytes(None)


def append_path(recorder: Any) -> PostgresAppendPath | None:
    """The two-round-trip path for the ledger's recorder, or None where the library's own path stays (SQLite, or
    a PostgreSQL table whose stream ids are not `uuid`)."""
    if is_postgres(recorder) and recorder.datastore.originator_id_type == "uuid":
        return PostgresAppendPath(recorder)
    return None
