"""`points-ledger reconcile` and `points-ledger report …`, run as the installed command on a SQLite store."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.application import PointsLedger
from ledger.storage import storage_env
from tests.reconciliation import timelines
from tests.reconciliation.timelines import record_all

COMMAND = Path(sys.executable).with_name("points-ledger")
EXTRACT = ("licence_number,extract_date,balance,status\n"
           "A1,2024-03-01,8,valid\n"
           "A1,2024-06-30,8,valid\n"
           "C1,2023-06-01,0,invalidated\n"
           "A1,2024-13-01,8,valid\n"
           "ZZ,2024-03-01,12,valid\n")


@pytest.fixture
def store(sqlite_url: str) -> str:
    ledger = PointsLedger(storage_env(sqlite_url))
    record_all(ledger, [timelines.offence_then_stage("A1"), timelines.stage_before_void_48si("C1"),
                        timelines.zero_without_48si("N1")])
    ledger.close()
    return sqlite_url


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    path = tmp_path / "extract.csv"
    path.write_text(EXTRACT, encoding="utf-8")
    return path


def points_ledger(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run([str(COMMAND), *args], capture_output=True, text=True, env=env, cwd=cwd, check=False,
                          timeout=120)


def test_reconcile_reads_an_extract_saved_by_french_excel(store: str, extract: Path, tmp_path: Path) -> None:
    excel = tmp_path / "excel.csv"
    excel.write_bytes(b"\xef\xbb\xbf" + EXTRACT.replace(",", ";").replace("\n", "\r\n").encode())
    reports = []
    for source in (extract, excel):
        out = tmp_path / f"{source.stem}-report.csv"
        done = points_ledger(store, "reconcile", str(source), "--out", str(out), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        reports.append(out.read_text(encoding="utf-8"))
    assert reports[0] == reports[1] and reports[0].count("\n") == 5


def test_reconcile_writes_a_csv_report_and_prints_the_summary(store: str, extract: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"

    done = points_ledger(store, "reconcile", str(extract), "--out", str(out), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["line"], r["licence_number"], r["kind"]) for r in rows] == [
        ("2", "A1", "match"), ("3", "A1", "stage_overdue"), ("4", "C1", "invalidation_contestable"),
        ("6", "ZZ", "unknown_licence")]
    assert rows[1]["stage_deadline"] == "2024-06-29" and rows[1]["fact_ids"] == "s-a"
    assert "Reconciliation of extract.csv" in done.stdout
    for kind, count in (("match", 1), ("stage_overdue", 1), ("invalidation_contestable", 1),
                        ("unknown_licence", 1), ("balance_mismatch", 0), ("unreadable lines", 1)):
        assert any(kind in line and line.rstrip(" │").endswith(str(count)) for line in done.stdout.splitlines()), \
            (kind, done.stdout)
    assert "line 5: extract_date: '2024-13-01' is not a date" in done.stderr
    assert "Reconciling extract.csv" in done.stderr


def test_reconcile_writes_a_json_report_with_the_unreadable_lines_and_the_missing_licences(
    store: str, extract: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.json"

    done = points_ledger(store, "reconcile", str(extract), "--out", str(out), "--include-missing", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [(r["licence_number"], r["kind"]) for r in report["rows"]][-1] == ("N1", "missing_from_extract")
    assert report["errors"] == [{"line": 5, "licence_number": "A1", "problems": [
        {"field": "extract_date", "reason": "'2024-13-01' is not a date: month must be in 1..12"}]}]
    assert report["summary"]["missing_from_extract"] == 1
    assert report["summary"]["unreadable_rows"] == 1
    contestable = report["rows"][2]
    assert contestable["missing_stages"][0]["fact_id"] == "s-c"
    assert "lettre 48SI" in contestable["explanation"]


def test_reconcile_without_out_writes_csv_on_standard_output_and_errors_to_a_file(
    store: str, extract: Path, tmp_path: Path
) -> None:
    errors = tmp_path / "errors.csv"

    done = points_ledger(store, "reconcile", str(extract), "--errors", str(errors), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("line,licence_number,extract_date,kind,")
    assert len(done.stdout.strip().splitlines()) == 1 + 4
    assert "Reconciliation of extract.csv" in done.stderr
    assert errors.read_text(encoding="utf-8").splitlines() == [
        "line,licence_number,field,reason",
        "5,A1,extract_date,'2024-13-01' is not a date: month must be in 1..12"]


def test_reconcile_refuses_an_extract_without_a_required_column(store: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("licence_number,extract_date,status\nA1,2024-03-01,valid\n", encoding="utf-8")

    done = points_ledger(store, "reconcile", str(path), cwd=tmp_path)

    assert done.returncode == 2
    assert "line 1: balance: required column missing from the header" in done.stderr
    assert "Traceback" not in done.stderr


def test_report_commands_write_csv_and_json(store: str, extract: Path, tmp_path: Path) -> None:
    overdue = points_ledger(store, "report", "overdue-stages", "--extract", str(extract), "--format", "csv",
                            cwd=tmp_path)
    contestable = points_ledger(store, "report", "contestable-invalidations", "--out",
                                str(tmp_path / "c.json"), cwd=tmp_path)
    zero = points_ledger(store, "report", "zero-balance", "--on", "2023-04-15", "--format", "csv", cwd=tmp_path)
    recorded = points_ledger(store, "report", "recorded-by", "test", "--from", "2000-01-01", "--format", "json",
                             cwd=tmp_path)

    assert overdue.returncode == 0, overdue.stderr
    assert [r["fact_id"] for r in csv.DictReader(overdue.stdout.splitlines())] == ["s-a"]
    assert contestable.returncode == 0, contestable.stderr
    assert [r["fact_id"] for r in json.loads((tmp_path / "c.json").read_text())["rows"]] == ["l-c"]
    assert zero.returncode == 0, zero.stderr
    assert sorted(r["licence_number"] for r in csv.DictReader(zero.stdout.splitlines())) == ["C1", "N1"]
    assert recorded.returncode == 0, recorded.stderr
    assert len(json.loads(recorded.stdout)["rows"]) == 3 + 5 + 3  # A1, C1, N1: the licence and its facts


def test_report_tables_are_printed_on_the_terminal(store: str, tmp_path: Path) -> None:
    done = points_ledger(store, "report", "contestable-invalidations", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "Contestable invalidations" in done.stdout and "l-c" in done.stdout


def test_a_report_page_prints_its_rows_and_the_after_of_the_next_page(store: str, tmp_path: Path) -> None:
    first = points_ledger(store, "report", "zero-balance", "--on", "2023-04-15", "--limit", "1", "--format", "csv",
                          cwd=tmp_path)
    last = points_ledger(store, "report", "zero-balance", "--on", "2023-04-15", "--limit", "1", "--after", "C1",
                         "--format", "csv", cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert [r["licence_number"] for r in csv.DictReader(first.stdout.splitlines())] == ["C1"]
    assert "next page: --after C1" in first.stderr
    assert [r["licence_number"] for r in csv.DictReader(last.stdout.splitlines())] == ["N1"]
    assert "last page" in last.stderr


def test_after_without_limit_is_refused_before_the_store_is_opened(store: str, tmp_path: Path) -> None:
    done = points_ledger(store, "report", "contestable-invalidations", "--after", "C1", cwd=tmp_path)

    assert done.returncode == 2
    assert "--after: give --limit too" in done.stderr


def test_a_report_date_that_is_not_a_date_is_refused(store: str, tmp_path: Path) -> None:
    done = points_ledger(store, "report", "zero-balance", "--on", "15/04/2023", cwd=tmp_path)

    assert done.returncode == 2
    assert "--on: '15/04/2023' is not a date YYYY-MM-DD" in done.stderr
