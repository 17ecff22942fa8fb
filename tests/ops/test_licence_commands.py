"""`points-ledger balance NUMBER` and `points-ledger history NUMBER`: the same projections as the HTTP routes,
worded in French for an agent at a terminal."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.clock import now_utc
from api.settings import get_settings
from ledger.application import PointsLedger
from ledger.storage import storage_env
from projections.balance import balance_as_of
from projections.history import statement
from tests.ledger.builders import NUMBER, a_licence, a_stage, an_offence

runner = CliRunner()


@pytest.fixture
def store(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, datetime]]:
    """A licence with a 4-point offence, then a stage recorded later; and a moment between the two."""
    ledger = PointsLedger(storage_env(sqlite_url))
    ledger.create_licence(a_licence())
    ledger.record(NUMBER, an_offence("2023-03-10", "2023-03-20", points=4))
    time.sleep(0.01)
    between = now_utc()
    time.sleep(0.01)
    ledger.record(NUMBER, a_stage())
    ledger.close()
    monkeypatch.setenv("POINTS_LEDGER_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url, between
    get_settings.cache_clear()


def projected(url: str, on: date, known_at: datetime | None = None) -> tuple[int, int]:
    ledger = PointsLedger(storage_env(url))
    try:
        balance = balance_as_of(ledger.get_record(NUMBER), on, known_at)
    finally:
        ledger.close()
    return balance.points, balance.ceiling


def test_balance_prints_the_projections_answer_in_french(store: tuple[str, datetime]) -> None:
    result = runner.invoke(app, ["balance", NUMBER, "--on", "2024-01-01"])

    points, ceiling = projected(store[0], date(2024, 1, 1))
    assert result.exit_code == 0, result.output
    assert f"Permis {NUMBER} — solde au 2024-01-01 (lecture légale)" in result.stdout
    assert f"  {points}/{ceiling} points, valide" in result.stdout


def test_balance_explain_lists_every_movement_with_its_article(store: tuple[str, datetime]) -> None:
    result = runner.invoke(app, ["balance", NUMBER, "--on", "2024-01-01", "--explain"])

    assert "mouvements :" in result.stdout
    assert "2023-03-20  -4 → 8/12  Retrait de points (L223-1" in result.stdout


def test_balance_known_at_reads_the_ledger_as_it_was(store: tuple[str, datetime]) -> None:
    url, between = store
    now = runner.invoke(app, ["balance", NUMBER, "--on", "2024-01-01"])
    then = runner.invoke(app, ["balance", NUMBER, "--on", "2024-01-01", "--known-at", between.isoformat()])

    assert (projected(url, date(2024, 1, 1), between), projected(url, date(2024, 1, 1))) == ((8, 12), (12, 12))
    assert "8/12 points" in then.stdout and f"connu au {between.isoformat()}" in then.stdout
    assert "12/12 points" in now.stdout


def test_balance_in_the_administrative_reading(store: tuple[str, datetime]) -> None:
    result = runner.invoke(app, ["balance", NUMBER, "--on", "2024-01-01", "--mode", "administrative"])

    assert result.exit_code == 0 and "(lecture administrative)" in result.stdout


def test_history_lists_every_fact_and_movement_of_the_statement(store: tuple[str, datetime]) -> None:
    result = runner.invoke(app, ["history", NUMBER, "--on", "2024-01-01"])

    ledger = PointsLedger(storage_env(store[0]))
    relevé = statement(ledger.get_record(NUMBER), date(2024, 1, 1))
    ledger.close()
    assert result.exit_code == 0, result.output
    assert f"Relevé du permis {NUMBER} au 2024-01-01" in result.stdout
    for fact in relevé.facts:
        assert f"[{fact.fact_id}]" in result.stdout and f"pièce {fact.evidence_ref}" in result.stdout
    assert sum(1 for line in result.stdout.splitlines() if " → " in line) == len(relevé.movements)
    assert "infraction" in result.stdout and "date de valeur 2023-03-20" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["balance", "999"], "points-ledger: number: the ledger holds no licence '999'"),
    (["history", "999"], "points-ledger: number: the ledger holds no licence '999'"),
    (["balance", NUMBER, "--on", "2024-13-01"], "points-ledger: --on: '2024-13-01' is not a date YYYY-MM-DD"),
    (["balance", NUMBER, "--known-at", "yesterday"],
     "points-ledger: --known-at: 'yesterday' is neither a date YYYY-MM-DD nor an ISO 8601 datetime"),
])
def test_bad_input_is_one_line_and_exit_2(store: tuple[str, datetime], args: list[str], message: str) -> None:
    result = runner.invoke(app, args)

    assert result.exit_code == 2
    assert result.stderr.strip() == message


@pytest.mark.parametrize("command", ["balance", "history"])
def test_known_at_before_the_licence_was_recorded_is_one_line_and_exit_1(store: tuple[str, datetime],
                                                                          command: str) -> None:
    result = runner.invoke(app, [command, NUMBER, "--known-at", "2000-01-01"])

    assert result.exit_code == 1
    assert result.stderr.strip().startswith("points-ledger: known_at 2000-01-01T23:59:59.999999+00:00 is before")
    assert result.stderr.strip().endswith("the ledger did not know it then")
