"""A 100,000-row generated extract reconciles through `points-ledger reconcile` in memory that does not grow
with the extract: the peak resident memory of the command is measured for 20,000 and for 100,000 rows (each
run in its own process, so the peaks are the command's own) and must stay within a few MiB of each other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.application import PointsLedger
from ledger.storage import storage_env
from tests.reconciliation.large_extract import population, write_extract
from tests.reconciliation.timelines import record_all

COMMAND = Path(sys.executable).with_name("points-ledger")
LICENCES = 300
GROWTH_ALLOWED_KIB = 8 * 1024  # what 80,000 more rows may add to the peak: nothing that grows with them
PEAK_ALLOWED_KIB = 250 * 1024

# Runs the command in a child process and prints its exit code, wall time and peak resident memory (KiB).
MEASURE = ("import json, resource, subprocess, sys, time\n"
           "start = time.perf_counter()\n"
           "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
           "print(json.dumps({'code': done.returncode, 'seconds': time.perf_counter() - start,\n"
           "                  'peak_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,\n"
           "                  'stderr': done.stderr[-2000:]}))\n")


def reconcile_measured(url: str, extract: Path, report: Path) -> dict[str, object]:
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-c", MEASURE, str(COMMAND), "reconcile", str(extract), "--out",
                           str(report)], capture_output=True, text=True, env=env, check=True, timeout=300)
    measured: dict[str, object] = json.loads(done.stdout)
    assert measured["code"] == 0, measured["stderr"]
    return measured


@pytest.mark.slow
def test_a_100000_row_extract_reconciles_with_peak_memory_independent_of_its_size(
    sqlite_url: str, tmp_path: Path
) -> None:
    ledger = PointsLedger(storage_env(sqlite_url))
    record_all(ledger, population(LICENCES))
    ledger.close()
    small = write_extract(tmp_path / "small.csv", 20_000, LICENCES)
    large = write_extract(tmp_path / "large.csv", 100_000, LICENCES)

    at_20k = reconcile_measured(sqlite_url, small, tmp_path / "small-report.csv")
    at_100k = reconcile_measured(sqlite_url, large, tmp_path / "large-report.csv")

    with (tmp_path / "large-report.csv").open(encoding="utf-8") as report:
        report_rows = sum(1 for _ in report) - 1
    assert report_rows > 99_000  # every readable row is in the report (about 1 in 200 is unreadable)
    print(f"20,000 rows: {at_20k['seconds']:.1f} s, peak {at_20k['peak_kib']} KiB; "
          f"100,000 rows: {at_100k['seconds']:.1f} s, peak {at_100k['peak_kib']} KiB")
    assert isinstance(at_20k["peak_kib"], int) and isinstance(at_100k["peak_kib"], int)
    assert at_100k["peak_kib"] - at_20k["peak_kib"] < GROWTH_ALLOWED_KIB
    assert at_100k["peak_kib"] < PEAK_ALLOWED_KIB
