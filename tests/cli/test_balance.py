"""`points-ledger balance`: the balance of a recorded licence on a day, and one-line refusals (exit 1 / 2)."""

from __future__ import annotations

from pathlib import Path

from ledger.application import PointsLedger
from ledger.storage import storage_env
from tests.ledger.builders import a_licence, an_offence
from tests.ledger.test_cli_ledger import assert_clean_failure, points_ledger

NUMBER = "120675123456"


def _store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    ledger = PointsLedger(storage_env(url))
    ledger.create_licence(a_licence(NUMBER, "2010-06-01"))
    ledger.record(NUMBER, an_offence("2023-03-10", "2023-03-20"))
    ledger.close()
    return url


def test_the_balance_on_a_day_is_printed_in_french(tmp_path: Path) -> None:
    done = points_ledger(_store(tmp_path), "balance", NUMBER, "--on", "2023-03-20", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"Permis {NUMBER} — solde au 2023-03-20 (lecture légale)" in done.stdout
    assert "8/12 points, valide" in done.stdout


def test_known_at_before_the_licence_was_recorded_is_one_line_and_exit_1(tmp_path: Path) -> None:
    done = points_ledger(_store(tmp_path), "balance", NUMBER, "--known-at", "2001-01-01", cwd=tmp_path)
    assert_clean_failure(done, 1, "known_at", "did not know it then")


def test_an_unknown_licence_and_a_bad_date_are_bad_input_exit_2(tmp_path: Path) -> None:
    url = _store(tmp_path)
    assert_clean_failure(points_ledger(url, "balance", "999", cwd=tmp_path), 2, "'999'")
    assert_clean_failure(points_ledger(url, "balance", NUMBER, "--on", "2023-13-01", cwd=tmp_path), 2, "--on")
