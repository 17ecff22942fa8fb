"""How an existing PostgreSQL table is laid out (absent, plain, or hash-partitioned in N), and the refusal to
open a store whose layout is not the one its URL asks for.

`CREATE TABLE IF NOT EXISTS` says nothing when the table exists with another shape: without this check a store
created with `partitions=8` and reopened without it (or with `partitions=4`) would be used silently, its DDL a
no-op or failing half-way. The probe reads the catalogue, never the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ProgrammingError

from ledger.errors import LedgerError

PROBE = ("SELECT c.relkind, (SELECT count(*) FROM pg_inherits AS i WHERE i.inhparent = c.oid) AS parts "
         "FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
         "WHERE n.nspname = %s AND c.relname = %s")


class StoreLayoutMismatch(LedgerError, ProgrammingError):
    """The store's tables were created with another partition count than the database URL asks for.

    Also the library's `ProgrammingError`, so that every place that opens a store reports it as a store that
    cannot be opened (one line, no traceback), not as a bug."""

    def __init__(self, table: str, found: int, wanted: int) -> None:
        fix = f"add partitions={found} to the URL" if found else "remove partitions= from the URL"
        super().__init__(f"the table {table} was created with {_layout(found)}, but the database URL asks for "
                         f"{_layout(wanted)}: {fix} (a store's partition count is fixed when it is created)")
        self.table = table
        self.found = found
        self.wanted = wanted


def _layout(count: int) -> str:
    return f"{count} hash partitions" if count else "no partitions"


def hash_partitions(curs: Any, schema: str, table: str) -> int | None:
    """None when `schema.table` does not exist, 0 when it is a plain table, else its number of partitions."""
    curs.execute(PROBE, (schema, table), prepare=False)
    row = curs.fetchone()
    if row is None:
        return None
    return int(row["parts"]) if row["relkind"] == "p" else 0


def check_partitions(datastore: Any, tables: Sequence[str], wanted: int) -> None:
    """Raise `StoreLayoutMismatch` if one of `tables` exists with another partition count than `wanted`
    (0: unpartitioned)."""
    with datastore.transaction(commit=False) as curs:
        for table in tables:
            found = hash_partitions(curs, datastore.schema, table)
            if found is not None and found != wanted:
                raise StoreLayoutMismatch(f"{datastore.schema}.{table}", found, wanted)
