"""Where the hash chain lives: a side table beside the events, written in the same transaction as them.

The library's recorders write four fixed columns; an extra column would mean rewriting their insert and select
statements (docs/decisions/0060-hash-chain.md). So each store gets a chain table `(seq, originator_id,
originator_version, hash)` and the application uses a recorder subclass (selected with the library's
`APPLICATION_RECORDER_TOPIC` setting, see `ledger.storage`) whose insert also writes the chain rows of the
batch, inside the library's own transaction: an event is never committed without its chain row, nor a chain row
without its event. `seq` is the chain's own insertion order; a checkpoint covers `seq <= upto`.

Any other write path calls `write_chain(cursor, recorder, stored_events)` inside its transaction (the bulk
import, which writes only new streams, COPYs their precomputed rows: `copy_new_chains`); `points-ledger verify`
names any event written without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg.sql import SQL, Composed, Identifier

from ledger.chain import GENESIS, event_hash
from ledger.errors import ChainBroken
from ledger.table_layout import check_partitions

SQLITE_CHAIN_TABLE = "event_chain"
SQLITE_CHECKPOINT_TABLE = "ledger_checkpoints"
ChainRow = tuple[UUID, int, bytes]


def chain_rows(stored_events: Sequence[StoredEvent], previous: dict[UUID, bytes]) -> list[ChainRow]:
    """The chain rows of a batch, given each stream's hash just before the batch's first event of it.

    `previous` maps a stream to the hash of its version before the batch (`GENESIS` for a new stream). Events of
    one stream must come in version order (the library's and the bulk import's batches do).
    """
    heads = dict(previous)
    rows: list[ChainRow] = []
    for event in stored_events:
        stream = _uuid(event.originator_id)
        digest = event_hash(heads[stream], stream, event.originator_version, event.topic, bytes(event.state))
        heads[stream] = digest
        rows.append((stream, event.originator_version, digest))
    return rows


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def first_versions(stored_events: Sequence[StoredEvent]) -> dict[UUID, int]:
    """Each stream's first version in a batch."""
    first: dict[UUID, int] = {}
    for event in stored_events:
        first.setdefault(_uuid(event.originator_id), event.originator_version)
    return first


class ChainTables:
    """The SQL of the chain and checkpoint tables for one store (subclasses: SQLite, PostgreSQL)."""

    placeholder = "?"

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder

    # -- names and values --------------------------------------------------------------------------------

    def chain(self) -> str:
        return SQLITE_CHAIN_TABLE

    def checkpoints(self) -> str:
        return SQLITE_CHECKPOINT_TABLE

    def events(self) -> str:
        return str(self.recorder.events_table_name)

    def id_param(self, stream: UUID) -> Any:
        return stream.hex

    def sql(self, text: str) -> Any:
        """`text` with `{chain}`, `{checkpoints}` and `{events}` filled in and this store's placeholders."""
        return text.format(chain=self.chain(), checkpoints=self.checkpoints(), events=self.events())

    def ddl(self) -> list[Any]:
        return [self.sql("CREATE TABLE IF NOT EXISTS {chain} (seq INTEGER PRIMARY KEY, originator_id TEXT NOT NULL, "
                         "originator_version INTEGER NOT NULL, hash BLOB NOT NULL, "
                         "UNIQUE (originator_id, originator_version))"),
                self.sql("CREATE TABLE IF NOT EXISTS {checkpoints} (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, "
                         "upto INTEGER NOT NULL, streams INTEGER NOT NULL, events INTEGER NOT NULL, "
                         "root TEXT NOT NULL, public_key TEXT NOT NULL, signature TEXT NOT NULL)")]

    # -- the chain of a batch ----------------------------------------------------------------------------

    def previous_hashes(self, curs: Any, first: dict[UUID, int]) -> dict[UUID, bytes | None]:
        """For each stream, the stored hash of the version before `first[stream]` (None when it has none)."""
        found: dict[UUID, bytes | None] = {}
        query = self.sql("SELECT hash FROM {chain} WHERE originator_id = ? AND originator_version = ?")
        for stream, version in first.items():
            if version == 1:
                found[stream] = GENESIS
                continue
            curs.execute(query, (self.id_param(stream), version - 1))
            row = curs.fetchone()
            found[stream] = bytes(row["hash"]) if row else None
        return found

    def has_chain(self, curs: Any, stream: UUID) -> bool:
        curs.execute(self.sql("SELECT 1 FROM {chain} WHERE originator_id = ? LIMIT 1"), (self.id_param(stream),))
        return curs.fetchone() is not None

    def stored_events(self, curs: Any, stream: UUID, below: int) -> list[StoredEvent]:
        curs.execute(self.sql("SELECT originator_version, topic, state FROM {events} WHERE originator_id = ? "
                              "AND originator_version < ? ORDER BY originator_version"),
                     (self.id_param(stream), below))
        return [StoredEvent(stream, row["originator_version"], row["topic"], bytes(row["state"]))
                for row in curs.fetchall()]

    def insert(self, curs: Any, rows: Sequence[ChainRow]) -> None:
        curs.executemany(self.sql("INSERT INTO {chain} (originator_id, originator_version, hash) VALUES (?, ?, ?)"),
                         [(self.id_param(stream), version, digest) for stream, version, digest in rows])


class PostgresChainTables(ChainTables):
    """The same tables in the ledger's PostgreSQL schema, named after its events table."""

    def chain(self) -> str:
        return f"{self.recorder.events_table_name}_chain"

    def checkpoints(self) -> str:
        return f"{self.recorder.events_table_name}_checkpoints"

    def id_param(self, stream: UUID) -> Any:
        return stream

    def sql(self, text: str) -> Composed:
        schema = self.recorder.datastore.schema
        names = {"chain": Identifier(schema, self.chain()), "checkpoints": Identifier(schema, self.checkpoints()),
                 "events": Identifier(schema, self.events())}
        return SQL(text.replace("?", "%s")).format(**names)

    def ddl(self) -> list[Any]:
        return [self.sql("CREATE TABLE IF NOT EXISTS {chain} (seq bigserial PRIMARY KEY, originator_id uuid NOT NULL, "
                         "originator_version bigint NOT NULL, hash bytea NOT NULL, "
                         "UNIQUE (originator_id, originator_version))"),
                self.sql("CREATE TABLE IF NOT EXISTS {checkpoints} (id bigserial PRIMARY KEY, "
                         "created_at timestamptz NOT NULL, upto bigint NOT NULL, streams bigint NOT NULL, "
                         "events bigint NOT NULL, root text NOT NULL, public_key text NOT NULL, "
                         "signature text NOT NULL)")]

    # Statements of the write path are never prepared: psycopg prepares a statement run often, and a prepared
    # statement created inside a pipeline whose transaction then fails (a concurrent writer won) is lost.

    def previous_hashes(self, curs: Any, first: dict[UUID, int]) -> dict[UUID, bytes | None]:
        found: dict[UUID, bytes | None] = {stream: GENESIS if v == 1 else None for stream, v in first.items()}
        wanted = [(stream, version - 1) for stream, version in first.items() if version > 1]
        if not wanted:
            return found
        curs.execute(self.sql("SELECT c.originator_id, c.hash FROM unnest(?::uuid[], ?::bigint[]) AS k(id, v) "
                              "JOIN {chain} AS c ON c.originator_id = k.id AND c.originator_version = k.v"),
                     ([s for s, _ in wanted], [v for _, v in wanted]), prepare=False)
        for row in curs.fetchall():
            found[_uuid(row["originator_id"])] = bytes(row["hash"])
        return found

    def has_chain(self, curs: Any, stream: UUID) -> bool:
        curs.execute(self.sql("SELECT 1 FROM {chain} WHERE originator_id = ? LIMIT 1"), (stream,), prepare=False)
        return curs.fetchone() is not None

    def stored_events(self, curs: Any, stream: UUID, below: int) -> list[StoredEvent]:
        curs.execute(self.sql("SELECT originator_version, topic, state FROM {events} WHERE originator_id = ? "
                              "AND originator_version < ? ORDER BY originator_version"), (stream, below),
                     prepare=False)
        return [StoredEvent(stream, row["originator_version"], row["topic"], bytes(row["state"]))
                for row in curs.fetchall()]

    def insert(self, curs: Any, rows: Sequence[ChainRow]) -> None:
        curs.execute(self.sql("INSERT INTO {chain} (originator_id, originator_version, hash) "
                              "SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::bytea[])"),
                     ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]), prepare=False)


def chain_tables(recorder: Any) -> ChainTables:
    """The chain's SQL for `recorder`'s store."""
    if isinstance(recorder, PostgresApplicationRecorder):
        return PostgresChainTables(recorder)
    return ChainTables(recorder)


def write_chain(curs: Any, recorder: Any, stored_events: Sequence[StoredEvent]) -> None:
    """Write the chain rows of `stored_events` through `curs`, in the caller's transaction (call it in the same
    transaction as the events' insert; on PostgreSQL, after taking the recorder's table lock).

    A stream that has no chain row at all (written before the chain existed, and not migrated yet) is chained
    from its first event here; a stream whose chain stops short of the batch raises `ChainBroken`.
    """
    if not stored_events:
        return
    tables = chain_tables(recorder)
    first = first_versions(stored_events)
    found = tables.previous_hashes(curs, first)
    previous: dict[UUID, bytes] = {}
    backfill: list[StoredEvent] = []
    for stream, digest in found.items():
        if digest is not None:
            previous[stream] = digest
            continue
        if tables.has_chain(curs, stream):
            raise ChainBroken(stream, first[stream] - 1)
        backfill.extend(tables.stored_events(curs, stream, first[stream]))
        previous[stream] = GENESIS
    tables.insert(curs, chain_rows([*backfill, *stored_events], previous))


def copy_new_chains(curs: Any, recorder: Any, payload: bytes) -> None:
    """Write chain rows given as a whole binary COPY stream (`ledger.copy_payload`) through `curs`, in the
    caller's transaction, after its events: the bulk import's new streams, chained from `GENESIS`. Only for
    streams that have no event yet, checked under the recorder's table lock in the same transaction (a stream
    without events has no chain row: both are only ever written together); PostgreSQL only."""
    statement = PostgresChainTables(recorder).sql(
        "COPY {chain} (originator_id, originator_version, hash) FROM STDIN (FORMAT BINARY)")
    with curs.copy(statement) as copy:
        copy.write(payload)


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, writing the chain rows in the events' transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *ChainTables(self).ddl()]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        ids = super()._insert_events(c, stored_events, **kwargs)
        write_chain(c.sqlite_cursor, self, stored_events)
        return list(ids or [])


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, writing the chain rows in the events' transaction, under its lock."""

    partitions = 0  # hash partitions of the events and chain tables (`ledger.partitioned_events`); 0: none

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chain_table_statement_index = len(self.sql_create_statements)
        self.sql_create_statements.extend(PostgresChainTables(self).ddl())

    def create_table(self) -> None:
        # A store laid out with another partition count is refused before any DDL runs (its `IF NOT EXISTS`
        # would say nothing), and again after it (a concurrent creator with another count).
        tables = [self.events_table_name, PostgresChainTables(self).chain()]
        check_partitions(self.datastore, tables, self.partitions)
        super().create_table()
        check_partitions(self.datastore, tables, self.partitions)

    def _create_table(self, curs: Any) -> None:
        # Two processes starting on a new store (`serve --workers 2`) ran the same `CREATE … IF NOT EXISTS`
        # statements at once, and one failed with "tuple concurrently updated" (its worker then never started):
        # one creator at a time per schema and table, the lock held until this transaction commits.
        curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                     (f"{self.datastore.schema}.{self.events_table_name}",))
        super()._create_table(curs)

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Runs in the library's insert transaction, after its table lock and the events' insert succeeded (a
        # concurrent writer's conflict is raised before, where the library expects it): chain the batch now.
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        write_chain(curs, self, stored_events)
        return ids


def unchained_streams(recorder: Any) -> list[UUID]:
    """The streams that have events but no chain row at all (written before the chain existed)."""
    tables = chain_tables(recorder)
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(tables.sql("SELECT e.originator_id FROM {events} AS e WHERE e.originator_version = 1 AND NOT "
                                "EXISTS (SELECT 1 FROM {chain} AS c WHERE c.originator_id = e.originator_id) "
                                "ORDER BY e.originator_id"))
        return [_uuid(row["originator_id"]) for row in curs.fetchall()]


def backfill_chain(recorder: Any, streams: Sequence[UUID], batch: int = 500) -> int:
    """Chain `streams` from their first event, `batch` streams per transaction (under the writers' lock on
    PostgreSQL); a stream that meanwhile got a chain is left alone. Returns the number of events chained."""
    tables = chain_tables(recorder)
    chained = 0
    for start in range(0, len(streams), batch):
        with recorder.datastore.transaction(commit=True) as curs:
            for statement in getattr(recorder, "lock_table_statements", []):
                curs.execute(statement)
            for stream in streams[start:start + batch]:
                if tables.has_chain(curs, stream):
                    continue
                events = tables.stored_events(curs, stream, 2**62)
                tables.insert(curs, chain_rows(events, {stream: GENESIS}))
                chained += len(events)
    return chained
