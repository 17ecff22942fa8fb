"""`points-ledger simulate`: the scenario format as a command (exit 0 / 1 / 2, --json, --explain)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from api.cli import app

SCENARIOS = Path(__file__).parents[1] / "scenarios"
S01 = SCENARIOS / "shared" / "S01-single-4th-class-offence-3-years.json"
runner = CliRunner()


def _write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _scenario(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(S01.read_text(encoding="utf-8"))
    data.update(changes)
    return data


def test_every_shared_scenario_passes_through_the_installed_command() -> None:
    files = sorted(str(p) for p in (SCENARIOS / "shared").glob("*.json"))
    done = subprocess.run([sys.executable, "-m", "api.cli", "simulate", *files],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("\nok ") + done.stdout.startswith("ok ") == len(files)


def test_a_failing_expectation_exits_1_and_shows_expected_and_computed(tmp_path: Path) -> None:
    data = _scenario(expect=[{"on": "2022-03-20", "balance": 9}])
    result = runner.invoke(app, ["simulate", str(_write(tmp_path, "wrong.json", data))])
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert "expected 9, got 8" in result.output


def test_an_invalid_file_exits_2_naming_file_event_and_field(tmp_path: Path) -> None:
    data = _scenario()
    data["events"][0]["established_on"] = "2022-02-30"
    path = _write(tmp_path, "bad-date.json", data)
    result = runner.invoke(app, ["simulate", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.output
    assert "event #1 (o1)" in result.output
    assert "established_on" in result.output


def test_a_rule_violation_in_a_file_exits_2_naming_the_field(tmp_path: Path) -> None:
    data = _scenario()
    data["events"][0]["established_on"] = "2022-03-01"  # before the commission date
    result = runner.invoke(app, ["simulate", str(_write(tmp_path, "dv.json", data))])
    assert result.exit_code == 2
    assert "established_on: the date de valeur cannot be before the commission date" in result.output


def test_malformed_json_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["simulate", str(path)])
    assert result.exit_code == 2
    assert "broken.json" in result.output


def test_json_output_has_one_object_per_file_with_actual_values(tmp_path: Path) -> None:
    second = _write(tmp_path, "wrong.json", _scenario(expect=[{"on": "2022-03-20", "balance": 9}]))
    result = runner.invoke(app, ["simulate", "--json", str(S01), str(second)])
    assert result.exit_code == 1
    objects = [json.loads(line) for line in result.output.splitlines()]
    assert [o["ok"] for o in objects] == [True, False]
    first = objects[0]["results"][1]
    assert first == {"on": "2022-03-20", "known_at": None, "mode": "legal",
                     "expected": {"balance": 8, "ceiling": 12, "status": "valid"},
                     "actual": {"balance": 8, "ceiling": 12, "status": "valid"}, "ok": True}


def test_explain_lists_movements_that_sum_to_the_balance() -> None:
    result = runner.invoke(app, ["simulate", str(S01), "--explain", "2022-03-20"])
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if line[:5] == "    " + line[4:5] and line[4:5].isdigit()]
    deltas = [int(line.split()[1]) for line in lines]
    assert sum(deltas) == 8
    assert any("withdrawal (L223-1" in line for line in lines)
    assert "next: 2025-03-20 full_reconstitution +4" in result.output


def test_an_invalid_file_among_valid_ones_still_reports_the_others_and_exits_2(tmp_path: Path) -> None:
    data = _scenario()
    data["events"][0]["points"] = 7
    bad = _write(tmp_path, "bad-points.json", data)
    result = runner.invoke(app, ["simulate", str(bad), str(S01)])
    assert result.exit_code == 2
    assert "points: must be between 0 and 6" in result.output
    assert "ok   Single 4th-class offence" in result.output


def test_annotations_are_allowed_anywhere_and_a_misspelt_field_is_named(tmp_path: Path) -> None:
    data = _scenario()
    data["licence"]["note"] = "long-time driver"
    data["events"][0]["comment"] = "paid at once"
    data["expect"][0]["note"] = "the day before the date de valeur"
    assert runner.invoke(app, ["simulate", str(_write(tmp_path, "annotated.json", data))]).exit_code == 0
    data["events"][0]["interceptoin"] = "stop"
    result = runner.invoke(app, ["simulate", str(_write(tmp_path, "typo.json", data))])
    assert result.exit_code == 2
    assert "interceptoin: unknown field" in result.output


def test_a_date_the_law_cannot_reach_is_an_invalid_file_not_a_crash(tmp_path: Path) -> None:
    data = _scenario(expect=[{"on": "9999-12-31", "balance": 12}])
    result = runner.invoke(app, ["simulate", str(_write(tmp_path, "far.json", data))])
    assert result.exit_code == 2
    assert "on: must be between 1900-01-01 and 2199-12-31" in result.output


def test_a_file_the_law_cannot_fold_is_that_files_error_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: Any
) -> None:
    from api.cli import simulate_command
    from projections.scenario import Scenario, ScenarioResult

    broken = _write(tmp_path, "broken.json", _scenario(title="cannot be folded"))
    real = simulate_command.evaluate

    def evaluate(scenario: Scenario) -> ScenarioResult:
        if scenario.title == "cannot be folded":
            raise LookupError("no rule in force")
        return real(scenario)

    monkeypatch.setattr(simulate_command, "evaluate", evaluate)
    result = runner.invoke(app, ["simulate", "--json", str(broken), str(S01)])

    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert [line["ok"] for line in lines] == [False, True]
    assert lines[0]["file"] == str(broken)
    assert "LookupError: no rule in force" in lines[0]["error"]["reason"]


def test_known_at_before_the_licence_is_an_invalid_expectation_naming_known_at(tmp_path: Path) -> None:
    data = _scenario(expect=[{"on": "2022-03-20", "known_at": "1998-05-31", "balance": 12}])
    result = runner.invoke(app, ["simulate", str(_write(tmp_path, "early.json", data))])
    assert result.exit_code == 2
    assert "known_at: 1998-05-31 is before the licence was recorded" in result.output
