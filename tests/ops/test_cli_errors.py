"""The README's promise for the command line, item by item of issue 15: every refusal is one line on stderr
naming the field (or variable) and the reason, exit 2 for bad input and 1 when the store cannot be used. Run
as the installed command, in new processes, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.application import PointsLedger
from ledger.storage import storage_env
from tests.conftest import POSTGRES_DSN
from tests.ledger.builders import NUMBER, a_licence

COMMAND = str(Path(sys.executable).with_name("points-ledger"))
SCENARIOS = Path(__file__).parents[1] / "scenarios" / "shared"
S01 = SCENARIOS / "S01-single-4th-class-offence-3-years.json"
BOX = "╭"


def run(url: str, *args: str, cwd: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": url, "COLUMNS": "200", **variables}
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, env=env, cwd=cwd, check=False,
                          timeout=120)


def one_line_failure(done: subprocess.CompletedProcess[str], code: int) -> str:
    """The failure's only stderr line (after checking the exit code, the single line, no traceback, no box)."""
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and BOX not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize(("variable", "value", "reason", "command"), [
    ("POINTS_LEDGER_POOL_SIZE", "abc", "valid integer", ("demo",)),
    ("POINTS_LEDGER_PORT", "99999", "less than or equal to 65535", ("serve",)),
    ("POINTS_LEDGER_LOG_FORMAT", "xml", "'text' or 'json'", ("tokens", "list")),
    ("POINTS_LEDGER_WORKERS", "0", "greater than or equal to 1", ("serve",)),
])
def test_a_bad_setting_is_one_line_naming_the_variable_with_exit_2(
    sqlite_url: str, tmp_path: Path, variable: str, value: str, reason: str, command: tuple[str, ...]
) -> None:
    line = one_line_failure(run(sqlite_url, *command, cwd=tmp_path, **{variable: value}), 2)
    assert line.startswith(f"points-ledger: {variable}: ") and reason in line and repr(value) in line


def test_a_missing_file_is_one_line_without_a_box(sqlite_url: str, tmp_path: Path) -> None:
    line = one_line_failure(run(sqlite_url, "reconcile", "nowhere.csv", cwd=tmp_path), 2)
    assert line == "points-ledger reconcile: extract: file 'nowhere.csv' does not exist."
    line = one_line_failure(run(sqlite_url, "report", "overdue-stages", "--extract", "nowhere.csv",
                                cwd=tmp_path), 2)
    assert "--extract" in line and "nowhere.csv" in line


@pytest.mark.parametrize(("args", "expected"), [
    (("report", "zero-balance", "--on", "2024-01-01", "--mode", "foo"),
     "points-ledger report zero-balance: --mode: 'foo' is not one of 'legal', 'administrative'."),
    (("tokens", "create", "--role", "king"),
     "points-ledger tokens create: --role: 'king' is not one of 'prefecture', 'organiser', 'auditor', 'driver'."),
    (("balance", NUMBER, "--mode", "foo"),
     "points-ledger balance: --mode: 'foo' is not one of 'legal', 'administrative'."),
])
def test_a_bad_choice_is_one_line_without_pydantics_value_error(
    sqlite_url: str, tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    line = one_line_failure(run(sqlite_url, *args, cwd=tmp_path), 2)
    assert line == expected and "Value error" not in line


def test_an_unknown_option_or_command_is_one_line(sqlite_url: str, tmp_path: Path) -> None:
    assert "No such option: --bogus" in one_line_failure(run(sqlite_url, "export", "--bogus", cwd=tmp_path), 2)
    assert "No such command 'nosuch'" in one_line_failure(run(sqlite_url, "nosuch", cwd=tmp_path), 2)


def test_a_missing_scenario_file_names_the_file_once(sqlite_url: str, tmp_path: Path) -> None:
    line = one_line_failure(run(sqlite_url, "simulate", "nowhere.json", cwd=tmp_path), 2)
    assert line == "invalid scenario: nowhere.json: file: No such file or directory"


@pytest.mark.postgres
def test_a_refused_connection_and_a_missing_database_say_which(tmp_path: Path) -> None:
    refused = one_line_failure(run("postgresql://postgres@127.0.0.1:1/test", "export", cwd=tmp_path), 1)
    base = POSTGRES_DSN.rsplit("/", 1)[0]
    missing = one_line_failure(run(f"{base}/no_such_database_pl", "export", cwd=tmp_path), 1)

    assert "Connection refused" in refused and "port 1" in refused
    assert 'database "no_such_database_pl" does not exist' in missing
    assert "couldn't get a connection" not in refused + missing


def test_reconcile_refuses_a_file_without_drawing_a_progress_bar(sqlite_url: str, tmp_path: Path) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_text("licence_number,balance\nA1,8\n", encoding="utf-8")

    line = one_line_failure(run(sqlite_url, "reconcile", str(extract), cwd=tmp_path), 2)

    assert "extract_date" in line and "required column" in line and "%" not in line


def test_reconcile_fails_when_no_line_could_be_read(sqlite_url: str, tmp_path: Path) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_text("licence_number,extract_date,balance,status\nA1,2024-13-01,8,valid\nA2,2024-01-01,99,ok\n",
                       encoding="utf-8")

    done = run(sqlite_url, "reconcile", str(extract), "--out", str(tmp_path / "report.csv"), cwd=tmp_path)

    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"points-ledger: {extract}: none of its 2 line(s) could be read; nothing was reconciled")


def test_reconcile_fail_on_unreadable_turns_one_bad_line_into_exit_2(sqlite_url: str, tmp_path: Path) -> None:
    ledger = PointsLedger(storage_env(sqlite_url))
    ledger.create_licence(a_licence())
    ledger.close()
    extract = tmp_path / "extract.csv"
    extract.write_text(f"licence_number,extract_date,balance,status\n{NUMBER},2024-01-01,12,valid\n"
                       f"{NUMBER},2024-13-01,8,valid\n", encoding="utf-8")
    out = str(tmp_path / "report.csv")

    tolerant = run(sqlite_url, "reconcile", str(extract), "--out", out, cwd=tmp_path)
    strict = run(sqlite_url, "reconcile", str(extract), "--out", out, "--fail-on", "unreadable", cwd=tmp_path)

    assert tolerant.returncode == 0, tolerant.stderr
    assert strict.returncode == 2
    assert strict.stderr.strip().splitlines()[-1] == (
        f"points-ledger: {extract}: 1 line(s) could not be read (--fail-on unreadable)")


def test_simulate_json_keeps_the_explanation_and_names_the_file(sqlite_url: str, tmp_path: Path) -> None:
    done = run(sqlite_url, "simulate", "--json", "--explain", "2024-01-01", str(S01), cwd=tmp_path)

    line = json.loads(done.stdout)
    assert done.returncode == 0, done.stderr
    assert line["file"] == str(S01) and line["ok"] is True
    explanation = line["explanation"]
    assert explanation["on"] == "2024-01-01" and explanation["mode"] == "legal"
    assert explanation["movements"] and sum(m["delta"] for m in explanation["movements"]) == explanation["points"]


def test_report_recorded_by_refuses_a_period_that_ends_before_it_starts(sqlite_url: str, tmp_path: Path) -> None:
    line = one_line_failure(run(sqlite_url, "report", "recorded-by", "clerk", "--from", "2025-02-01", "--to",
                                "2025-01-01", cwd=tmp_path), 2)
    assert line == "points-ledger: --from: 2025-02-01 is after --to 2025-01-01"
