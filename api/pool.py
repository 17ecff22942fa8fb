"""The process's one PostgreSQL connection pool: the ledger's (eventsourcing's `PostgresDatastore`).

The service opens it with the ledger (`POINTS_LEDGER_POOL_SIZE` connections, no overflow: `ledger.storage`),
and everything else of the process that needs PostgreSQL — the token store, the metrics sampler — borrows
connections from it rather than opening its own (docs/decisions/0070-operations.md).
"""

from __future__ import annotations

from typing import Any

from ledger.application import PointsLedger
from ledger.storage import is_postgres_env


def postgres_datastore(ledger: PointsLedger) -> Any | None:
    """The ledger's PostgreSQL datastore (its pool is `.pool`), or None when the ledger is on SQLite."""
    if not is_postgres_env(ledger.env):
        return None
    return getattr(ledger.recorder, "datastore", None)
