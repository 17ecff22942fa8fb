"""A warm balance read (record and folded timeline kept per stream version) sees every new fact at once: one
recorded through the service, through another application, or by another process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.clock import now_utc
from api.http.app import create_app
from api.http.deps import get_today
from api.settings import Settings
from api.token_store import Role, TokenStore
from ledger.application import PointsLedger
from ledger.storage import storage_env
from ledger.values import Mode
from projections.folded_timelines import FoldedTimelines
from tests.api.conftest import TODAY
from tests.builders import a_licence, an_offence

ROOT = Path(__file__).resolve().parents[2]
NUMBER = "W1"


@pytest.fixture
def served(any_store_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(Settings(database_url=any_store_url, pool_size=2))
    app.dependency_overrides[get_today] = lambda: TODAY
    with TestClient(app) as client:
        tokens: TokenStore = app.state.tokens
        token = tokens.create(Role.PREFECTURE, now=now_utc(), subject="test").token
        app.state.ledger.create_licence(a_licence("2010-01-01", number=NUMBER))
        yield client, {"Authorization": f"Bearer {token}"}


def _points(client: TestClient, headers: dict[str, str], on: str = "2024-12-31") -> int:
    response = client.get(f"/licences/{NUMBER}/balance?on={on}", headers=headers)
    assert response.status_code == 200, response.text
    points: int = response.json()["points"]
    return points


def _timelines(client: TestClient) -> FoldedTimelines:
    timelines: FoldedTimelines = client.app.state.timelines  # type: ignore[attr-defined]
    return timelines


def test_a_warm_read_is_answered_from_the_kept_fold_and_equals_the_cold_one(
        served: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = served
    cold = client.get(f"/licences/{NUMBER}/balance?on=2024-12-31", headers=headers).json()
    record = client.app.state.ledger.get_record(NUMBER)  # type: ignore[attr-defined]
    kept = _timelines(client).timeline(record, 1, Mode(cold["mode"]))
    assert client.get(f"/licences/{NUMBER}/balance?on=2024-12-31", headers=headers).json() == cold
    assert _timelines(client).timeline(record, 1, Mode(cold["mode"])) is kept
    assert len(_timelines(client)) == 1


def test_a_fact_recorded_through_the_service_moves_a_warm_balance(
        served: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = served
    assert _points(client, headers) == 12
    body = {"committed_on": "2024-03-02", "established_on": "2024-03-20", "points": 4, "class": "C4",
            "evidence_ref": "PV-W-1"}
    assert client.post(f"/licences/{NUMBER}/offences", json=body, headers=headers).status_code == 201
    assert _points(client, headers) == 8


def test_a_fact_recorded_by_another_application_moves_a_warm_balance(
        served: tuple[TestClient, dict[str, str]], any_store_url: str) -> None:
    client, headers = served
    assert _points(client, headers) == 12
    other = PointsLedger(storage_env(any_store_url))
    try:
        other.record(NUMBER, an_offence("2024-03-02", "2024-03-20", 4))
    finally:
        other.close()
    assert _points(client, headers) == 8


def test_a_fact_recorded_by_another_process_moves_a_warm_balance(
        served: tuple[TestClient, dict[str, str]], any_store_url: str) -> None:
    client, headers = served
    assert _points(client, headers) == 12
    assert _points(client, headers, on="2025-01-01") == 12  # warm: the same fold, another day
    script = textwrap.dedent(f"""
        from ledger.application import PointsLedger
        from ledger.storage import storage_env
        from tests.builders import an_offence
        ledger = PointsLedger(storage_env({any_store_url!r}))
        ledger.record({NUMBER!r}, an_offence("2024-03-02", "2024-03-20", 6, fact_id="other-process"))
        ledger.close()
    """)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120)
    assert _points(client, headers) == 6
    assert _points(client, headers, on="2024-03-19") == 12
