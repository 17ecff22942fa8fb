"""The service's Prometheus metrics (prometheus-client), and where they are published.

- `points_ledger_http_request_duration_seconds{method, route, status}`: latency histogram per route template
  (`/licences/{number}/balance`, never a licence number: a label per licence would be personal data and an
  unbounded series count);
- `points_ledger_facts_recorded_total{kind}`: facts written (licence, offence, stage, letter…);
- `points_ledger_refusals_total{reason}`: 4xx answers by the error `type` of their body (invalid_fact,
  unauthorized, forbidden, licence_not_found, evidence_conflict, validation_error…);
- `points_ledger_read_model_lag_events{read_model}`: events of the ledger not yet in the balance read model
  (no series when the store has no read model);
- `points_ledger_pool_connections{state}`: the PostgreSQL pool's `size`, `in_use`, `idle` connections and
  `waiting` requests, summed over the workers.

Publication (docs/decisions/0070-operations.md): `serve` starts a separate listener on
`POINTS_LEDGER_METRICS_HOST:POINTS_LEDGER_METRICS_PORT` (loopback:9464 by default) answering `/metrics`; the
public port never shows them. With several workers, each process writes its samples to files in
`PROMETHEUS_MULTIPROC_DIR` (prometheus-client's multiprocess mode, set up by `serve` before the workers start)
and the listener, in the supervising process, adds them up: one scrape sees the whole service.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client import multiprocess as prometheus_multiprocess

from api.logs import logger
from api.pool import postgres_datastore
from ledger.application import PointsLedger
from projections.read_model import DEFAULT_NAME, BalanceReadModel

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
SAMPLE_EVERY_S = 5.0
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_DURATION = Histogram("points_ledger_http_request_duration_seconds",
                             "Time to answer an HTTP request, by route template and status.",
                             ["method", "route", "status"], buckets=LATENCY_BUCKETS)
FACTS_RECORDED = Counter("points_ledger_facts_recorded", "Facts written to the ledger, by kind.", ["kind"])
REFUSALS = Counter("points_ledger_refusals", "Requests refused (4xx), by the error type of the answer.",
                   ["reason"])
READ_MODEL_LAG = Gauge("points_ledger_read_model_lag_events",
                       "Events recorded in the ledger and not yet projected into the balance read model.",
                       ["read_model"], multiprocess_mode="livemax")
POOL_CONNECTIONS = Gauge("points_ledger_pool_connections",
                         "PostgreSQL connection pool: size, in_use, idle connections and waiting requests.",
                         ["state"], multiprocess_mode="livesum")


def pool_stats(ledger: PointsLedger) -> dict[str, int] | None:
    """The ledger's connection pool, in numbers (None on SQLite, which has no pool)."""
    datastore = postgres_datastore(ledger)
    if datastore is None:
        return None
    stats: dict[str, int] = datastore.pool.get_stats()
    size, idle = stats.get("pool_size", 0), stats.get("pool_available", 0)
    return {"size": size, "in_use": size - idle, "idle": idle, "waiting": stats.get("requests_waiting", 0)}


def read_model_lag(ledger: PointsLedger) -> int | None:
    """How many notifications the balance read model has still to project (None: no read model here)."""
    datastore = postgres_datastore(ledger)
    if datastore is None:
        return None
    with datastore.transaction(commit=False) as curs:
        curs.execute("SELECT to_regclass(%s) AS tracking",
                     (f'"{datastore.schema}"."{DEFAULT_NAME}_tracking"',))
        row = curs.fetchone()
    if row is None or row["tracking"] is None:
        return None  # never create the read model's tables from here: its absence is the answer
    return BalanceReadModel(ledger).status().lag


def sample(ledger: PointsLedger) -> None:
    """Refresh the gauges that are read from the store rather than counted as things happen."""
    stats = pool_stats(ledger)
    if stats is not None:
        for state, value in stats.items():
            POOL_CONNECTIONS.labels(state=state).set(value)
    lag = read_model_lag(ledger)
    if lag is not None:
        READ_MODEL_LAG.labels(read_model=DEFAULT_NAME).set(lag)


class Sampler:
    """A daemon thread calling `sample(ledger)` every `every` seconds until `stop()`; a failed sample (the
    store away for a moment) is skipped, the next one tries again."""

    def __init__(self, ledger: PointsLedger, every: float = SAMPLE_EVERY_S) -> None:
        self._ledger = ledger
        self._every = every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="metrics-sampler", daemon=True)

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                sample(self._ledger)
            except Exception as error:  # a sample is best effort: the next one retries
                logger().debug("metrics sample skipped", reason=" ".join(str(error).split()))
            self._stopped.wait(self._every)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=self._every + 1)


def prepare_multiprocess(workers: int) -> Path | None:
    """Before starting several workers: a fresh directory for their sample files, named in the environment
    they inherit (prometheus-client reads it when a worker imports it). None with a single worker."""
    if workers <= 1:
        return None
    directory = Path(tempfile.mkdtemp(prefix="points-ledger-metrics-"))
    os.environ[MULTIPROC_ENV] = str(directory)
    return directory


def serve_metrics(host: str, port: int, multiprocess_dir: Path | None) -> None:
    """Start the `/metrics` listener in this process (a daemon thread): this process's own metrics, or the sum
    of every worker's sample files in `multiprocess_dir`."""
    if multiprocess_dir is None:
        start_http_server(port, addr=host)
        return
    registry = CollectorRegistry()
    prometheus_multiprocess.MultiProcessCollector(registry, path=str(multiprocess_dir))  # type: ignore[no-untyped-call]
    start_http_server(port, addr=host, registry=registry)


def remove_multiprocess(directory: Path | None) -> None:
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
