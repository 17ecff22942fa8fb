"""The national paths: the read-model rebuild on Dask at 1 and 2 workers, and the reports that do not scan.

- `dask_rebuild`: the same rebuild as `measures_read.national`, on a Dask `LocalCluster` of 1 then 2 worker
  processes (the workers read their hash partitions straight from PostgreSQL); events/s and the per-worker figure.
- `reports`: zero balance on a day, contestable invalidations and one audit page, each answered from the read
  model / fact index, against the same report folded over every licence (or scanned) in the same run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from benchmarks.harness import Measure
from ledger.application import PointsLedger
from ledger.fact_index import FactIndex, audit_events
from ledger.values import Mode
from projections import audit_reports
from projections.distributed import dask_runner
from projections.national_reports import contestable_report, zero_balance_report
from projections.read_model import BalanceReadModel

ON = date(2024, 12, 31)
NATIONAL_EVENTS = 320_000_000


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def dask_rebuild(ledger: PointsLedger) -> Measure:
    """Rebuild on a LocalCluster of 1 and of 2 workers (the cluster's start is not counted)."""
    model = BalanceReadModel(ledger)
    rates: dict[int, float] = {}
    events = 0
    for workers in (1, 2):
        with dask_runner(workers=workers) as runner:
            started = time.perf_counter()
            progress = model.rebuild(workers, partitions=8 * workers, runner=runner)
            rates[workers] = progress.events / (time.perf_counter() - started)
            events = progress.events
    per_worker = rates[2] / 2
    return Measure("read-model rebuild on Dask, 2 workers (events/s)", rates[2], rates[1], "ev/s", key="dask",
                   details=[f"{events:,} events; 1 worker {rates[1]:,.0f} ev/s, 2 workers {rates[2]:,.0f} ev/s "
                            f"({per_worker:,.0f} per worker)",
                            f"320 M events at this per-worker rate: ≈ {NATIONAL_EVENTS / per_worker / 3600:.1f} "
                            "worker-hours", "baseline: the same rebuild on 1 Dask worker"],
                   extra={"one_worker_events_s": rates[1], "per_worker_events_s": per_worker})


def reports(ledger: PointsLedger) -> Measure:
    """Reports from the read model / fact index vs the full fold, same run; `value` is the slowest indexed one."""
    model = BalanceReadModel(ledger)
    model.create_tables()
    model.catch_up()
    FactIndex(ledger).catch_up()
    indexed = {
        "zero_balance_s": _timed(lambda: list(zero_balance_report(ledger, ON, Mode.LEGAL)[0])),
        "contestable_s": _timed(lambda: list(contestable_report(ledger)[0])),
        "audit_page_s": _timed(lambda: audit_events(ledger, event_type="letter", after=0, limit=100)),
    }
    folded = {
        "zero_balance_fold_s": _timed(lambda: list(audit_reports.zero_balance_on(ledger, ON, Mode.LEGAL))),
        "audit_page_scan_s": _timed(lambda: ledger.audit_events(recorded_by="nobody", limit=100)),
    }
    slowest = max(indexed.values())
    return Measure("reports from the read model / fact index (s, slowest)", slowest, folded["zero_balance_fold_s"],
                   "s", lower_is_better=True, key="reports",
                   details=[", ".join(f"{k} {v:.2f}" for k, v in {**indexed, **folded}.items()),
                            "baseline: zero-balance folded over every licence"],
                   extra={**indexed, **folded})
