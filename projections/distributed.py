"""The Dask engine for national rebuilds and reconciliations: the same partitions, the same pure code, on Dask
workers.

A rebuild's work is a list of `PartitionJob`s — hash ranges of licence streams (`projections.read_model_rebuild`).
Each Dask task opens its own connection from the job's store settings, reads its range straight from PostgreSQL
(an index range scan, events up to the rebuild's position), folds each licence with `projections.timeline` and
COPYs the intervals into the table being built. Nothing but the job (a few hundred bytes) and the counts cross
the network: the event rows never go through the scheduler.

`dask_runner(workers=N)` starts a `LocalCluster` of N single-threaded worker processes (the fold is CPU-bound
Python: one thread per process) for the duration of the rebuild; `dask_runner(scheduler="tcp://host:8786")`
uses a cluster that is already running (its workers need this package installed and the store reachable).

`dask_reconciler` reconciles an extract the same way: its rows split by licence hash
(`projections.reconciliation.partitioned`), each part reconciled and rendered on a worker that reads its
licences from PostgreSQL; a worker keeps one ledger (one connection pool) per store for all its parts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ledger.application import PointsLedger
from ledger.events_table import is_postgres
from projections.read_model_rebuild import PartitionJob, PartitionRunner, run_partition
from projections.reconciliation.partitioned import (
    PartitionedReconciliation,
    Pending,
    Render,
    RowsJob,
    reconcile_rows,
)
from projections.reconciliation.run import reconcile_with_ledger
from projections.sources import Source, source_of
from projections.worker_ledgers import close_worker_ledgers

# A LocalCluster's workers run without the statistical profiler (a stack sample every 10 ms) nor the GIL
# monitor (every 1 ms): on a CPU-bound fold they cost CPU that this machine's 2 cores do not have (decision 0041).
QUIET_WORKERS = {"distributed.worker.profile.enabled": False, "distributed.admin.system-monitor.gil.enabled": False}


@contextmanager
def dask_client(*, workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client of a new `LocalCluster` of `workers` single-threaded processes, or of the cluster at
    `scheduler`; the LocalCluster is closed on exit."""
    if (workers is None) == (scheduler is None):
        raise ValueError("give either workers or scheduler")
    from distributed import Client, LocalCluster

    cluster: Any = None
    if scheduler is None:
        assert workers is not None
        if workers < 1:
            raise ValueError("workers must be at least 1")
        import dask

        with dask.config.set(QUIET_WORKERS):  # passed to the worker processes by their nannies
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler, timeout="10s")
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@contextmanager
def dask_runner(*, workers: int | None = None, scheduler: str | None = None) -> Iterator[PartitionRunner]:
    """A partition runner on a new `LocalCluster` of `workers` processes, or on the cluster at `scheduler`."""
    with dask_client(workers=workers, scheduler=scheduler) as client:
        yield _runner(client)


@contextmanager
def dask_reconciler(
    ledger: PointsLedger, render: Render, *, workers: int | None = None, scheduler: str | None = None,
    partitions: int | None = None, include_missing: bool = False, fold: bool = False,
) -> Iterator[tuple[PartitionedReconciliation, Source]]:
    """A reconciliation of `ledger` (on PostgreSQL) split by licence hash over Dask workers, and its source.

    The source (read model or fold, the stale streams) is decided here once, as `reconciliation_of` decides it;
    the stale streams are sent to every worker once. Default partitions: 2 per worker; blocks in flight: 2 per
    worker, so every worker has a part queued while this process merges and writes.
    """
    if not is_postgres(ledger.recorder):
        raise ValueError("a distributed reconciliation needs the ledger on PostgreSQL: its workers read the "
                         "licences straight from the store")
    model, stale, source = source_of(ledger, fold=fold)
    with dask_client(workers=workers, scheduler=scheduler) as client:
        count = workers or max(1, len(client.scheduler_info().get("workers", {})))
        stale_data = client.scatter([frozenset(stale)], broadcast=True)[0]
        env = dict(ledger.env)
        read_model = None if model is None else model.name

        def submit(rows: tuple[tuple[Any, ...], ...]) -> Pending:
            # pure=False: two blocks may hold equal parts; each is its own task.
            future: Pending = client.submit(reconcile_rows, RowsJob(env, read_model, rows), stale_data, render,
                                            pure=False)
            return future

        tail = reconcile_with_ledger(ledger, include_missing=True) if include_missing else None
        try:
            yield PartitionedReconciliation(submit, partitions or 2 * count, render=render, in_flight=2 * count,
                                            tail=tail), source
        finally:
            client.run(close_worker_ledgers)  # a worker of a lasting cluster keeps no idle connections


def _runner(client: Any) -> PartitionRunner:
    def run(jobs: list[PartitionJob]) -> Iterator[tuple[int, int]]:
        from distributed import as_completed

        # pure=False: each job writes rows, it must run exactly once per submission, never from a cache.
        futures = client.map(run_partition, jobs, pure=False)
        for future in as_completed(futures):
            events, licences = future.result()
            yield int(events), int(licences)

    return run
