"""The ledger a worker process opens once for all the work it is given (rebuild partitions, reconciliation parts).

A worker — a spawned process or a Dask worker — runs many small jobs, each naming its store by settings (`env`),
never by a live object (a pool cannot cross processes). Opening a ledger for each job (its pool, its connections)
cost ≈ 40 ms, so each process keeps one per store and closes them when it exits.
"""

from __future__ import annotations

import atexit

from ledger.application import PointsLedger

_LEDGERS: dict[tuple[tuple[str, str], ...], PointsLedger] = {}


def worker_ledger(env: dict[str, str]) -> PointsLedger:
    """This process's ledger for `env`, opened on first use."""
    key = tuple(sorted(env.items()))
    ledger = _LEDGERS.get(key)
    if ledger is None:
        if not _LEDGERS:
            atexit.register(close_worker_ledgers)
        # The tables exist: creating them again from several processes at once races on the catalog.
        ledger = _LEDGERS[key] = PointsLedger({**env, "CREATE_TABLE": "n"})
    return ledger


def close_worker_ledgers() -> None:
    """Close the ledgers this process opened."""
    while _LEDGERS:
        _LEDGERS.popitem()[1].close()
