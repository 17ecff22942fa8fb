"""The national paths: the read-model rebuild on Dask at 1 and 2 workers, and the reports that do not scan.

- `dask_rebuild`: the same rebuild as `measures_read.national`, on a Dask `LocalCluster` of 1 then 2 worker
  processes (the workers read their hash partitions straight from PostgreSQL); events/s and the per-worker figure.
- `reports`: the first page of zero balance on a day, of contestable invalidations and of an audit query, each
  answered from the read model / fact index (what must cost the same at 10 k and 100 k licences), the whole
  reports, and the same report folded over every licence (or scanned) in the same run.
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
from projections.national_reports import contestable_page, contestable_report, zero_balance_page, zero_balance_report
from projections.read_model import BalanceReadModel

ON = date(2024, 12, 31)
NATIONAL_EVENTS = 320_000_000
PAGE = 100  # licences per report page, as the HTTP routes' default


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
    """The first page (100 licences) of each report from the read model / fact index — what must not grow with the
    ledger — and, for scale, each whole report and the full fold / scan, same run. `value` is the slowest page."""
    model = BalanceReadModel(ledger)
    model.create_tables()
    model.catch_up()
    FactIndex(ledger).catch_up()
    pages = {
        "zero_balance_page_s": _best(lambda: zero_balance_page(ledger, ON, Mode.LEGAL, limit=PAGE)),
        "contestable_page_s": _best(lambda: contestable_page(ledger, limit=PAGE)),
        "audit_page_s": _best(lambda: audit_events(ledger, event_type="letter", after=0, limit=PAGE)),
    }
    whole = {
        "zero_balance_s": _timed(lambda: list(zero_balance_report(ledger, ON, Mode.LEGAL)[0])),
        "contestable_s": _timed(lambda: list(contestable_report(ledger)[0])),
    }
    folded = {
        "zero_balance_fold_s": _timed(lambda: list(audit_reports.zero_balance_on(ledger, ON, Mode.LEGAL))),
        "audit_page_scan_s": _timed(lambda: ledger.audit_events(recorded_by="nobody", limit=PAGE)),
    }
    slowest = max(pages.values())
    return Measure(f"reports: first page of {PAGE} from the read model / fact index (s, slowest)", slowest,
                   folded["zero_balance_fold_s"], "s", lower_is_better=True, key="reports",
                   details=[", ".join(f"{k} {v:.3f}" for k, v in {**pages, **whole, **folded}.items()),
                            "baseline: zero-balance folded over every licence; a page must not grow with the ledger"],
                   extra={**pages, **whole, **folded})


def _best(work: Callable[[], object], runs: int = 3) -> float:
    """The best of `runs` timings: a page is small, one run is at the mercy of a scheduler hiccup."""
    return min(_timed(work) for _ in range(runs))
