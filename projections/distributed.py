"""The Dask engine for national rebuilds: the same partitions, the same pure fold, on Dask workers.

A rebuild's work is a list of `PartitionJob`s — hash ranges of licence streams (`projections.read_model_rebuild`).
Each Dask task opens its own connection from the job's store settings, reads its range straight from PostgreSQL
(an index range scan, events up to the rebuild's position), folds each licence with `projections.timeline` and
COPYs the intervals into the table being built. Nothing but the job (a few hundred bytes) and the counts cross
the network: the event rows never go through the scheduler.

`dask_runner(workers=N)` starts a `LocalCluster` of N single-threaded worker processes (the fold is CPU-bound
Python: one thread per process) for the duration of the rebuild; `dask_runner(scheduler="tcp://host:8786")`
uses a cluster that is already running (its workers need this package installed and the store reachable).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from projections.read_model_rebuild import PartitionJob, PartitionRunner, run_partition


@contextmanager
def dask_runner(*, workers: int | None = None, scheduler: str | None = None) -> Iterator[PartitionRunner]:
    """A partition runner on a new `LocalCluster` of `workers` processes, or on the cluster at `scheduler`."""
    if (workers is None) == (scheduler is None):
        raise ValueError("give either workers or scheduler")
    from distributed import Client, LocalCluster

    cluster: Any = None
    if scheduler is None:
        assert workers is not None
        if workers < 1:
            raise ValueError("workers must be at least 1")
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler, timeout="10s")
    try:
        yield _runner(client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _runner(client: Any) -> PartitionRunner:
    def run(jobs: list[PartitionJob]) -> Iterator[tuple[int, int]]:
        from distributed import as_completed

        # pure=False: each job writes rows, it must run exactly once per submission, never from a cache.
        futures = client.map(run_partition, jobs, pure=False)
        for future in as_completed(futures):
            events, licences = future.result()
            yield int(events), int(licences)

    return run
