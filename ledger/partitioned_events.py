"""The store option `partitions=N`: the events table and its hash chain, hash-partitioned by stream id.

The library creates its events table itself, unpartitioned; this recorder replaces two of its creation
statements (and the chain's) before they run, and nothing else: its inserts, selects, `LOCK TABLE` and `NOTIFY`
name the parent table, which PostgreSQL routes to the partitions.

- Events: `PARTITION BY HASH (originator_id)` in N partitions `<table>_p00…`; the primary key
  `(originator_id, originator_version)` contains the partition key, so it is kept as is.
- The notification-id index becomes a plain index, one per partition: a unique index on a partitioned table must
  contain the partition key, so `UNIQUE (notification_id)` cannot be declared. Ids stay unique because only the
  table's sequence gives them (no statement of the library or of the ledger writes the column), and stay in
  commit order because every writer still takes `LOCK TABLE <parent> IN EXCLUSIVE MODE`, which locks every
  partition: a tailing reader never skips an event. A page of notifications is then a merge of N index scans.
- Chain: the same key, the same modulus, so a stream's chain rows are in the partition of the same number as its
  events. Its primary key becomes `(originator_id, originator_version)` (the unique pair it already had) and
  `seq`, the chain's insertion order that checkpoints cover, a plain per-partition index for the same reason.
- The checkpoints table (one row per checkpoint, not keyed by stream) is not partitioned.

The count is fixed when the store is created: `ledger.table_layout` refuses any other count at opening.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresFactory
from psycopg.sql import SQL, Composed, Identifier

from ledger.chain_store import ChainedPostgresRecorder, PostgresChainTables

PARTITIONS_KEY = "LEDGER_EVENTS_PARTITIONS"  # set by `ledger.storage.storage_env` from the URL's `partitions=`
MAX_PARTITIONS = 1024
# The library's own storage settings of its events table (a partitioned parent stores no rows, so they go on
# each partition).
AUTOVACUUM = ("autovacuum_enabled = true, autovacuum_vacuum_threshold = 100000000, "
              "autovacuum_vacuum_scale_factor = 0.5, autovacuum_analyze_threshold = 1000, "
              "autovacuum_analyze_scale_factor = 0.01")


def partitions_of(env: Mapping[str, str]) -> int:
    """The partition count these settings ask for (0: an unpartitioned store)."""
    return int(env.get(PARTITIONS_KEY) or "0")


def partition_names(table: str, count: int) -> list[str]:
    width = len(str(count - 1))
    return [f"{table}_p{remainder:0{max(width, 2)}d}" for remainder in range(count)]


def partitions_ddl(schema: str, table: str, count: int, options: str = "") -> list[Composed]:
    """`CREATE TABLE … PARTITION OF` for each remainder of `count`."""
    storage = SQL(f" WITH ({options})" if options else "")
    return [SQL("CREATE TABLE IF NOT EXISTS {0} PARTITION OF {1} FOR VALUES WITH (MODULUS {2}, REMAINDER {3}){4}")
            .format(Identifier(schema, name), Identifier(schema, table), count, remainder, storage)
            for remainder, name in enumerate(partition_names(table, count))]


class PartitionedPostgresRecorder(ChainedPostgresRecorder):
    """The ledger's PostgreSQL recorder on hash-partitioned events and chain tables."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str, partitions: int) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if not 1 <= partitions <= MAX_PARTITIONS:
            raise ValueError(f"partitions must be from 1 to {MAX_PARTITIONS}, not {partitions}")
        self.partitions = partitions
        statements = self.sql_create_statements
        unique = [i for i, s in enumerate(statements) if s.as_string().startswith("CREATE UNIQUE INDEX")]
        if len(unique) != 1:
            raise RuntimeError("the library's notification-id index statement was not found: check eventsourcing")
        # Replaced from the last index to the first, so that the earlier indexes stay valid.
        replacements = {self.create_table_statement_index: self._events_ddl(), unique[0]: [self._index_ddl()],
                        self.chain_table_statement_index: self._chain_ddl()}
        for index in sorted(replacements, reverse=True):
            statements[index:index + 1] = replacements[index]

    def _events_ddl(self) -> list[Composed]:
        schema, table = self.datastore.schema, self.events_table_name
        parent = SQL("CREATE TABLE IF NOT EXISTS {0} (originator_id {1} NOT NULL, originator_version bigint NOT NULL, "
                     "topic text, state bytea, notification_id bigserial, "
                     "PRIMARY KEY (originator_id, originator_version)) PARTITION BY HASH (originator_id)").format(
            Identifier(schema, table), Identifier(self.datastore.originator_id_type))
        return [parent, *partitions_ddl(schema, table, self.partitions, AUTOVACUUM)]

    def _index_ddl(self) -> Composed:
        return SQL("CREATE INDEX IF NOT EXISTS {0} ON {1} (notification_id ASC)").format(
            Identifier(self.notification_id_index_name), Identifier(self.datastore.schema, self.events_table_name))

    def _chain_ddl(self) -> list[Composed]:
        schema, chain = self.datastore.schema, PostgresChainTables(self).chain()
        parent = SQL("CREATE TABLE IF NOT EXISTS {0} (seq bigserial NOT NULL, originator_id uuid NOT NULL, "
                     "originator_version bigint NOT NULL, hash bytea NOT NULL, "
                     "PRIMARY KEY (originator_id, originator_version)) PARTITION BY HASH (originator_id)").format(
            Identifier(schema, chain))
        index = SQL("CREATE INDEX IF NOT EXISTS {0} ON {1} (seq)").format(
            Identifier(f"{chain}_seq_idx"), Identifier(schema, chain))
        return [parent, *partitions_ddl(schema, chain, self.partitions), index]


class PartitionedPostgresFactory(PostgresFactory):
    """The library's PostgreSQL factory whose application recorder is `PartitionedPostgresRecorder`.

    The library builds a recorder from its class alone (no setting reaches it), so the count is passed here,
    from the settings (`PARTITIONS_KEY`); everything else is the library's.
    """

    def application_recorder(self) -> ApplicationRecorder:
        prefix = self.env.name.lower() or "stored"
        recorder = PartitionedPostgresRecorder(self.datastore, events_table_name=f"{prefix}_events",
                                               partitions=partitions_of(self.env))
        if self.env_create_table():
            recorder.create_table()
        return recorder


def partitioned_factory(env: Any) -> PostgresFactory | None:
    """The factory of a partitioned store's settings, or None for any other store (the library's choice)."""
    return PartitionedPostgresFactory(env) if partitions_of(env) else None
