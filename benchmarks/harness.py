"""What every measure shares: the result type, a stopwatch, the benchmark's own PostgreSQL schema, the report.

Each measure is a ratio of the project's figure to a baseline measured in the same run on the same machine
(the machines are shared and noisy: absolute figures move, ratios much less).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import psycopg
from rich.console import Console
from rich.table import Table

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Measure:
    """One line of the report: our figure, the baseline's, and the target on their ratio.

    Figures are rates (higher is better) unless `lower_is_better`; `ratio` is always "how good are we compared
    with the baseline" (>1: better). `key` is the measure's fixed name in `run.py --json` (JSON_KEYS).
    """

    name: str
    ours: float
    baseline: float
    unit: str
    target_ratio: float | None = None
    lower_is_better: bool = False
    checks: dict[str, bool] = field(default_factory=dict)  # absolute targets: label → met
    details: list[str] = field(default_factory=list)
    key: str = ""
    p99_ms: float | None = None
    extrapolated_1m_s: float | None = None
    extra: dict[str, float] = field(default_factory=dict)  # other figures worth keeping (p50_ms, baseline_p99_ms…)

    @property
    def target(self) -> str:
        targets = [f"ratio ≥ {self.target_ratio:g}" if self.target_ratio is not None else ""]
        targets += list(self.checks)
        return "; ".join(t for t in targets if t) or "—"

    @property
    def met(self) -> bool | None:
        return {"met": True, "missed": False}.get(self.verdict)

    def as_json(self) -> dict[str, object]:
        """The machine-readable object of `run.py --json`: fixed fields first, then what this measure adds."""
        answer: dict[str, object] = {
            "value": round(self.ours, 3), "unit": self.unit, "baseline": round(self.baseline, 3),
            "ratio": round(self.ratio, 3), "target": self.target, "met": self.met, "name": self.name,
            "lower_is_better": self.lower_is_better, "checks": dict(self.checks), "details": list(self.details),
        }
        if self.p99_ms is not None:
            answer["p99_ms"] = round(self.p99_ms, 2)
        if self.extrapolated_1m_s is not None:
            answer["extrapolated_1m_s"] = round(self.extrapolated_1m_s, 1)
        answer.update({k: round(v, 3) for k, v in self.extra.items()})
        return answer

    @property
    def ratio(self) -> float:
        if self.lower_is_better:
            return self.baseline / self.ours if self.ours else float("inf")
        return self.ours / self.baseline if self.baseline else float("inf")

    @property
    def verdict(self) -> str:
        checks = list(self.checks.values())
        if self.target_ratio is not None:
            checks.append(self.ratio >= self.target_ratio)
        if not checks:
            return "—"
        return "met" if all(checks) else "missed"


@dataclass
class Timed:
    seconds: float
    count: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as t: …` then `t[0]` is the elapsed wall time in seconds."""
    result = [0.0]
    start = time.perf_counter()
    try:
        yield result
    finally:
        result[0] = time.perf_counter() - start


def timed_calls(call: Callable[[int], object], count: int) -> tuple[float, list[float]]:
    """Run `call(i)` for i in range(count): total seconds and each call's latency."""
    latencies: list[float] = []
    start = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        call(i)
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - start, latencies


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[max(0, min(998, round(q * 1000) - 1))]


def with_schema(url: str, schema: str) -> str:
    """`url` with `?schema=NAME` (the ledger's way of choosing a PostgreSQL schema)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=f"schema={schema}"))


def base_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=""))


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(base_url(url), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def schema_name(scale: str) -> str:
    return f"bench_{scale.lower()}_{os.getpid()}"


def machine_description() -> str:
    cpus = os.cpu_count() or 0
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            kib = int(meminfo.readline().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except OSError:
        memory = "?"
    return f"{cpus} cores, {memory} RAM"


def print_report(console: Console, measures: list[Measure], title: str) -> None:
    """A compact table (fits 110 columns), then each measure's details."""
    table = Table(title=title)
    for column in ("measure", "project", "baseline", "ratio", "target", "verdict"):
        table.add_column(column, overflow="fold")
    for m in measures:
        targets = [f"≥ {m.target_ratio:g}×"] if m.target_ratio is not None else []
        targets += [f"{label} ({'met' if ok else 'missed'})" for label, ok in m.checks.items()]
        table.add_row(m.name, f"{m.ours:,.1f} {m.unit}", f"{m.baseline:,.1f} {m.unit}", f"{m.ratio:.2f}×",
                      "; ".join(targets), m.verdict)
    console.print(table)
    for m in measures:
        console.print(f"[bold]{m.name}[/]")
        for line in m.details:
            console.print(f"  - {line}")
