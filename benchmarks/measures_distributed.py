"""The user's path at national scale, each step one command, timed: a generated population file → `import
--bulk` → `read-model rebuild --dask --workers 2` → a generated extract (benchmarks/extract_file.py) →
`reconcile` in one process and on Dask, with the reports compared byte for byte.

The extract has `ROWS` rows (1 M by default: measured, not extrapolated; env POINTS_LEDGER_BENCH_RECONCILE_ROWS
for a shorter run). The single process and 2 Dask workers reconcile all of it; 1 Dask worker reconciles its
first `ONE_WORKER_ROWS` rows (a rate per row: the order gives no row an advantage). Peak resident memory of each
command is GNU time's `%M`: the largest resident set of the command's process or of any process it waited for
(with --dask: the client, the nannies and the LocalCluster's workers, each on its own — not their sum).

Measures: `reconcile` (single process, rows/s, against reading each row's licence, the I/O floor, measured on
the first `FLOOR_ROWS` rows), `reconcile_dask` (2 workers against 1 worker, same run, and the per-worker
figure), `flow` (every step's time; checks: 1 M rows ≤ 2 min with 2 workers, reports identical).
"""

from __future__ import annotations

import csv
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

from benchmarks.harness import Measure, drop_schema, stopwatch, with_schema
from benchmarks.population_file import write_backfill
from ledger.application import PointsLedger
from ledger.facts import LicenceRecord
from ledger.licence import licence_id
from ledger.storage import storage_env

ROOT = Path(__file__).resolve().parent.parent
ONE_MILLION = 1_000_000
ROWS = int(os.environ.get("POINTS_LEDGER_BENCH_RECONCILE_ROWS", ONE_MILLION))
ONE_WORKER_ROWS = 200_000
FLOOR_ROWS = 50_000
CLI = str(Path(sys.executable).parent / "points-ledger")


class Step:
    """One command of the flow: its wall time, peak RSS (MiB, None without GNU time) and exit code."""

    def __init__(self, name: str, seconds: float, peak_mib: float | None, code: int) -> None:
        self.name, self.seconds, self.peak_mib, self.code = name, seconds, peak_mib, code

    def __str__(self) -> str:
        peak = f", peak RSS {self.peak_mib:,.0f} MiB" if self.peak_mib is not None else ""
        return f"{self.name}: {self.seconds:,.1f} s{peak}, exit {self.code}"


def _run(name: str, args: list[str], env: dict[str, str], tmp: Path) -> Step:
    """Run one command as a user would (its output discarded), timed, under GNU time when available."""
    rss = tmp / (name.replace("/", "_").replace(" ", "_") + ".rss")
    command = [*args]
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if gnu_time:
        command = [gnu_time, "-f", "%M", "-o", str(rss), *command]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:  # the later steps would measure nothing
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise RuntimeError(f"{name}: exit {done.returncode}: " + " / ".join(tail))
    try:
        kib = rss.read_text(encoding="utf-8").strip().splitlines()[-1]
        peak = int(kib) / 1024 if kib.isdigit() else None
    except (OSError, IndexError):
        peak = None
    return Step(name, seconds, peak, done.returncode)


def _floor_rate(url: str, extract: Path, rows: int) -> float:
    """Rows/s of reading the extract and fetching each row's licence events: the I/O floor of a reconciliation."""
    ledger = PointsLedger(storage_env(url))
    try:
        with stopwatch() as floor, extract.open(encoding="utf-8") as f:
            for row in islice(csv.DictReader(f), rows):
                ledger.recorder.select_events(licence_id(row["licence_number"]))
    finally:
        ledger.close()
    return rows / floor[0]


def reconcile_flow(base_url: str, records: list[LicenceRecord], scale: str) -> list[Measure]:
    """The flow on a schema of its own (dropped at the end); the measures `reconcile`, `reconcile_dask`, `flow`."""
    schema = f"bench_flow_{os.getpid()}"
    url = with_schema(base_url, schema)
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": url}
    steps: list[Step] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            population, extract, head = tmp / "population.jsonl", tmp / "extract.csv", tmp / "head.csv"
            write_backfill(records, population)
            steps.append(_run("import --bulk", [CLI, "import", "--bulk", str(population)], env, tmp))
            steps.append(_run("read-model rebuild --dask --workers 2",
                              [CLI, "read-model", "rebuild", "--dask", "--workers", "2"], env, tmp))
            steps.append(_run("benchmarks/extract_file.py", [
                sys.executable, str(ROOT / "benchmarks" / "extract_file.py"), "--rows", str(ROWS), "--out",
                str(extract)], env, tmp))
            with extract.open(encoding="utf-8") as f:
                rows = sum(1 for _ in f) - 1
            with extract.open(encoding="utf-8") as source, head.open("w", encoding="utf-8") as out:
                out.writelines(islice(source, ONE_WORKER_ROWS + 1))
            head_rows = min(rows, ONE_WORKER_ROWS)
            reports = {name: tmp / f"{name}.csv" for name in ("single", "dask2", "dask1")}
            single = _run("reconcile", [CLI, "reconcile", str(extract), "--out", str(reports["single"])], env, tmp)
            dask2 = _run("reconcile --dask --workers 2", [CLI, "reconcile", str(extract), "--dask", "--workers",
                                                          "2", "--out", str(reports["dask2"])], env, tmp)
            dask1 = _run(f"reconcile --dask --workers 1 (first {head_rows:,} rows)",
                         [CLI, "reconcile", str(head), "--dask", "--workers", "1", "--out", str(reports["dask1"])],
                         env, tmp)
            steps += [single, dask2, dask1]
            identical = filecmp.cmp(reports["single"], reports["dask2"], shallow=False)
            with reports["single"].open(encoding="utf-8") as f:
                reported = sum(1 for _ in f) - 1
            floor = _floor_rate(url, extract, min(rows, FLOOR_ROWS))
    finally:
        drop_schema(base_url, schema)
    million = ONE_MILLION / rows
    rates = {"single": rows / single.seconds, "dask2": rows / dask2.seconds, "dask1": head_rows / dask1.seconds}
    what = (f"{rows:,} rows = the {len(records):,} licences of scale {scale} on month ends back from 2025-01 "
            f"(licences × dates, ordered by date), 1 in 20 off by 2 points; {reported:,} report rows")
    return [
        Measure("reconciliation, single process (rows/s)", rates["single"], floor, "rows/s", key="reconcile",
                checks={"1 M rows ≤ 2 min (one process)": single.seconds * million <= 120},
                details=[what, str(single), f"1 M rows: {single.seconds * million:,.0f} s"
                         + (" (measured)" if rows == ONE_MILLION else " (scaled from this run)"),
                         f"baseline: reading the extract and fetching each row's licence rows "
                         f"(first {min(rows, FLOOR_ROWS):,} rows)"],
                extra={"rows": rows, "seconds": single.seconds, "peak_rss_mib": single.peak_mib or 0.0}),
        Measure("reconciliation on Dask, 2 workers (rows/s)", rates["dask2"], rates["dask1"], "rows/s",
                key="reconcile_dask",
                checks={"1 M rows ≤ 2 min (2 workers)": dask2.seconds * million <= 120,
                        "report byte-identical to the single process's": identical},
                details=[str(dask2), str(dask1), f"1 worker {rates['dask1']:,.0f} rows/s, 2 workers "
                         f"{rates['dask2']:,.0f} rows/s ({rates['dask2'] / 2:,.0f} per worker); cluster start "
                         "included", "baseline: the same command on 1 Dask worker"],
                extra={"seconds": dask2.seconds, "one_worker_rows_s": rates["dask1"],
                       "per_worker_rows_s": rates["dask2"] / 2, "peak_rss_mib": dask2.peak_mib or 0.0}),
        Measure("flow: population file → import → Dask rebuild → extract → reconcile (s)",
                sum(s.seconds for s in steps[:3]) + dask2.seconds, sum(s.seconds for s in steps[:3])
                + single.seconds, "s", lower_is_better=True, key="flow",
                checks={"every step exit 0": all(s.code == 0 for s in steps), "reports identical": identical},
                details=[str(s) for s in steps] + ["baseline: the same flow reconciling in one process"]),
    ]
