"""While the service runs on PostgreSQL its read model follows the writes; on SQLite nothing runs in the
background (the reports fold on demand)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from api.http.app import create_app
from api.read_model_keeper import ReadModelKeeper
from api.settings import Settings
from ledger.application import PointsLedger
from ledger.storage import storage_env
from projections.read_model import BalanceReadModel
from tests.reconciliation.large_extract import population
from tests.reconciliation.timelines import record_all


def _wait_current(model: BalanceReadModel, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if model.status().current:
            return True
        time.sleep(0.2)
    return False


def test_the_served_read_model_catches_up_with_facts_recorded_while_it_runs(pg_url: str) -> None:
    writer = PointsLedger(storage_env(pg_url))
    try:
        record_all(writer, population(6))
        with TestClient(create_app(Settings(database_url=pg_url, pool_size=3))):
            model = BalanceReadModel(writer)
            assert _wait_current(model)
            record_all(writer, population(9)[6:])
            assert _wait_current(model)
            assert model.status().position == model.head() > 0
            assert model.state_on("L000008", population(9)[8].licence.obtained_on) is not None
    finally:
        writer.close()


def test_on_sqlite_the_keeper_starts_no_thread(sqlite_url: str) -> None:
    ledger = PointsLedger(storage_env(sqlite_url))
    try:
        keeper = ReadModelKeeper(ledger).start()
        assert keeper.model is None
        keeper.stop()
    finally:
        ledger.close()


def test_the_read_model_catches_up_with_writes_made_by_the_service_itself_once_they_pause(pg_url: str) -> None:
    # The keeper gives way to the service's own writes (api.write_activity): it must still follow them.
    with TestClient(create_app(Settings(database_url=pg_url, pool_size=3))) as client:
        service: PointsLedger = client.app.state.ledger  # type: ignore[attr-defined]
        record_all(service, population(6))
        model = BalanceReadModel(service)
        assert _wait_current(model)
        assert model.status().position == model.head() > 0
