"""The national commands, run as the installed command: a backfill bulk-loaded and resumed, the read model's
status, catch-up and rebuild (Dask included), and the reconciliation reading it — each naming what it did."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.population import population
from benchmarks.population_file import write_backfill
from ledger.application import PointsLedger
from ledger.storage import storage_env
from projections.balance import balance_as_of
from projections.read_model import BalanceReadModel

COMMAND = Path(sys.executable).with_name("points-ledger")
LICENCES = 120


def points_ledger(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run([str(COMMAND), *args], capture_output=True, text=True, env=env, cwd=cwd, check=False,
                          timeout=240)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_bulk_import_writes_the_backfill_and_a_second_run_resumes_without_writing_twice(
    any_store_url: str, tmp_path: Path, suffix: str
) -> None:
    records = list(population(LICENCES, seed=8))
    backfill = tmp_path / f"backfill{suffix}"
    write_backfill(records[: LICENCES // 2], backfill)

    first = points_ledger(any_store_url, "import", "--bulk", str(backfill), "--batch-size", "25", cwd=tmp_path)
    write_backfill(records, backfill)  # the file grew: a resumed run writes only what is missing
    second = points_ledger(any_store_url, "import", "--bulk", str(backfill), "--batch-size", "25", cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert f"{LICENCES // 2} licence(s)" in first.stdout
    assert second.returncode == 0, second.stderr
    assert f"{LICENCES - LICENCES // 2} licence(s)" in second.stdout and f"{LICENCES // 2} already present" in \
        second.stdout
    ledger = PointsLedger(storage_env(any_store_url))
    try:
        assert ledger.get_records([r.licence_number for r in records]) == {r.licence_number: r for r in records}
    finally:
        ledger.close()


def test_a_bad_line_rejects_its_licence_names_the_line_and_exits_2(sqlite_url: str, tmp_path: Path) -> None:
    backfill = tmp_path / "backfill.jsonl"
    write_backfill(list(population(3, seed=2)), backfill)
    lines = backfill.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"recorded_at": "', '"recorded_at": "x')

    backfill.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = points_ledger(sqlite_url, "import", "--bulk", str(backfill), cwd=tmp_path)

    assert done.returncode == 2
    assert "line 2: recorded_at" in done.stderr
    assert "2 licence(s)" in done.stdout and "1 rejected" in done.stdout


def test_the_read_model_commands_show_the_lag_catch_up_and_rebuild_on_dask(pg_url: str, tmp_path: Path) -> None:
    records = list(population(LICENCES, seed=9))
    backfill = tmp_path / "backfill.jsonl"
    write_backfill(records, backfill)
    assert points_ledger(pg_url, "import", "--bulk", str(backfill), cwd=tmp_path).returncode == 0
    events = sum(1 + len(r.facts) for r in records)

    before = points_ledger(pg_url, "read-model", "status", cwd=tmp_path)
    caught = points_ledger(pg_url, "read-model", "catch-up", cwd=tmp_path)
    after = points_ledger(pg_url, "read-model", "status", cwd=tmp_path)
    rebuilt = points_ledger(pg_url, "read-model", "rebuild", "--dask", "--workers", "2", "--partitions", "4",
                            cwd=tmp_path)

    assert f"position 0, ledger head {events}, lag {events}" in before.stdout
    assert caught.returncode == 0 and f"{LICENCES} licence(s) projected" in caught.stderr
    assert "lag 0 event(s) (current)" in after.stdout
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"rebuilt at position {events}: {LICENCES} licence(s)" in rebuilt.stderr
    ledger = PointsLedger(storage_env(pg_url))
    try:
        model = BalanceReadModel(ledger)
        for record in records[::7]:
            expected = balance_as_of(record, record.licence.obtained_on.replace(year=2024), with_forecast=False)
            found = model.state_on(record.licence_number, record.licence.obtained_on.replace(year=2024))
            assert found is not None and (found.balance, found.status) == (expected.points, expected.status)
    finally:
        ledger.close()


def test_read_model_commands_on_sqlite_explain_that_the_reports_fold(sqlite_url: str, tmp_path: Path) -> None:
    done = points_ledger(sqlite_url, "read-model", "status", cwd=tmp_path)
    assert done.returncode == 2 and "on SQLite the reports fold on demand" in done.stderr


def test_reconcile_says_it_read_the_read_model_and_at_which_position(pg_url: str, tmp_path: Path) -> None:
    records = list(population(40, seed=10))
    backfill = tmp_path / "backfill.jsonl"
    write_backfill(records, backfill)
    points_ledger(pg_url, "import", "--bulk", str(backfill), cwd=tmp_path)
    extract = tmp_path / "extract.csv"
    with extract.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["licence_number", "extract_date", "balance", "status"])
        for record in records:
            out.writerow([record.licence_number, "2024-12-31", 12, "valid"])
    folded = points_ledger(pg_url, "reconcile", str(extract), "--out", str(tmp_path / "a.csv"), cwd=tmp_path)
    points_ledger(pg_url, "read-model", "catch-up", cwd=tmp_path)
    read = points_ledger(pg_url, "reconcile", str(extract), "--out", str(tmp_path / "b.csv"), cwd=tmp_path)

    assert "source: fold of the event log" in folded.stderr
    assert "source: read model balance_intervals at notification" in read.stderr
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == (tmp_path / "b.csv").read_text(encoding="utf-8")
