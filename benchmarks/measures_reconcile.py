"""Reconciliation of a préfecture extract through the real command (`points-ledger reconcile`).

The extract says, for each licence on an extract date, what the préfecture believes: the ledger's legal balance
for most rows (read from the read model), a deliberate difference for one row in twenty. Rows are ordered by
date, then licence, so no row benefits from the previous row's fold (as with one row per licence). The run is
bounded: at most `max_rows` rows are reconciled and the figure is extrapolated to 1 M rows.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.harness import Measure, stopwatch
from ledger.application import PointsLedger
from ledger.facts import LicenceRecord
from ledger.licence import licence_id
from ledger.storage import storage_env
from projections.read_model import BalanceReadModel

ROOT = Path(__file__).resolve().parent.parent
ONE_MILLION = 1_000_000
EXTRACT_DATES = (date(2025, 1, 31), date(2024, 6, 30), date(2023, 12, 31), date(2022, 12, 31), date(2021, 12, 31),
                 date(2020, 12, 31), date(2019, 12, 31), date(2018, 12, 31), date(2017, 12, 31), date(2016, 12, 31))


def write_extract(ledger: PointsLedger, path: Path, rows: int) -> int:
    """An extract of `rows` rows (licences × extract dates), 5 % of them different from the ledger."""
    model = BalanceReadModel(ledger)
    model.create_tables()
    model.catch_up()
    written = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["licence_number", "extract_date", "balance", "status", "ceiling"])
        for day in EXTRACT_DATES:
            for interval in model.balances_on(day):
                if interval.status.value == "not_obtained":
                    continue
                balance = interval.balance
                if written % 20 == 7:
                    balance = max(0, balance - 2) if balance else 4
                out.writerow([interval.licence_number, day.isoformat(), balance, interval.status.value,
                              interval.ceiling])
                written += 1
                if written == rows:
                    return written
    return written


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip().splitlines()[-1]
    except (OSError, IndexError):
        return None


def reconcile_extract(url: str, records: list[LicenceRecord], scale: str, max_rows: int = 50_000) -> Measure:
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": url}
    ledger = PointsLedger(storage_env(url))
    with tempfile.TemporaryDirectory() as tmp:
        extract = Path(tmp) / "extract.csv"
        rows = write_extract(ledger, extract, min(max_rows, ONE_MILLION))
        # Baseline: read the extract and fetch each row's licence, the I/O floor of any reconciliation.
        with stopwatch() as baseline, extract.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                ledger.recorder.select_events(licence_id(row["licence_number"]))
        ledger.close()
        # The peak memory must be the command's own: a child's ru_maxrss starts from its parent's size at fork
        # time (this process holds the whole population), so GNU time, a small process, starts the command.
        rss_file = Path(tmp) / "rss.txt"
        command = [str(Path(sys.executable).parent / "points-ledger"), "reconcile", str(extract),
                   "--out", str(Path(tmp) / "report.csv")]
        gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
        if gnu_time:
            command = [gnu_time, "-f", "%M", "-o", str(rss_file), *command]
        started = time.perf_counter()
        process = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 check=False)
        seconds = time.perf_counter() - started
        with (Path(tmp) / "report.csv").open(encoding="utf-8") as f:
            reported = sum(1 for _ in f) - 1
        kib = _read(rss_file)
    rate = rows / seconds
    million = ONE_MILLION / rate
    peak = f"{int(kib) / 1024:,.0f} MiB" if kib and kib.isdigit() else "n/a (no GNU time)"
    return Measure(
        "reconciliation (rows/s)", rate, rows / baseline[0], "rows/s",
        checks={"1 M rows ≤ 2 min": million <= 120}, key="reconcile", extrapolated_1m_s=million,
        details=[f"{rows:,} rows (scale {scale}; {reported:,} report rows, exit {process.returncode}) in "
                 f"{seconds:.1f} s; 1 M rows ≈ {million / 60:.1f} min (extrapolated)",
                 f"peak memory of the reconcile process: {peak}",
                 "baseline: reading the extract and fetching each row's licence rows"])
