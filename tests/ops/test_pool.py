"""One PostgreSQL pool per process, of the configured size, shared by the ledger and the token store: counted
in `pg_stat_activity` (each test names its connections through libpq's `PGAPPNAME`)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.clock import now_utc
from api.http.app import create_app
from api.observed_ledger import ObservedLedger
from api.settings import Settings
from api.token_store import Role, TokenStore
from ledger.application import PointsLedger
from ledger.storage import storage_env
from tests import conftest
from tests.ledger.builders import NUMBER, a_licence, an_offence


def connections_named(name: str) -> int:
    with psycopg.connect(conftest.POSTGRES_DSN, application_name="points-ledger-test-counter") as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (name,)).fetchone()
    return int(row[0]) if row else 0


def settle(name: str, expected: int, timeout: float = 10.0) -> int:
    """The count once the pool has finished opening (it fills itself in the background)."""
    deadline = time.monotonic() + timeout
    count = connections_named(name)
    while count != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        count = connections_named(name)
    return count


@pytest.mark.postgres
def test_a_service_process_holds_exactly_pool_size_connections_tokens_included(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"pl-pool-{uuid4().hex[:12]}"
    monkeypatch.setenv("PGAPPNAME", name)
    app = create_app(Settings(database_url=pg_url, pool_size=3))
    with TestClient(app) as client:
        store: TokenStore = app.state.tokens
        token = store.create(Role.PREFECTURE, now=now_utc()).token
        auth = {"Authorization": f"Bearer {token}"}
        client.post("/licences", headers=auth, json={"number": "P1", "obtained_on": "2012-09-14",
                                                     "evidence_ref": "ANTS-P1"})
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: client.get("/licences/P1/balance", headers=auth).status_code,
                                     range(40)))
        during = connections_named(name)
        settled = settle(name, 3)

    assert statuses == [200] * 40
    assert during <= 3
    assert settled == 3  # 15 before: the library's pool, an overflow of the same size and a token pool
    assert settle(name, 0) == 0  # all closed with the service


@pytest.mark.postgres
def test_the_pool_has_no_overflow_beyond_its_size(pg_url: str) -> None:
    env = storage_env(pg_url, pool_size=2)
    ledger = PointsLedger(env)
    try:
        pool = ledger.recorder.datastore.pool  # type: ignore[attr-defined]
        assert (pool.min_size, pool.max_size) == (2, 2)
    finally:
        ledger.close()


def test_the_observed_ledger_reads_and_writes_the_same_store_as_the_plain_one(any_store_url: str) -> None:
    plain = PointsLedger(storage_env(any_store_url))
    plain.create_licence(a_licence())
    plain.close()
    observed = ObservedLedger(storage_env(any_store_url))
    observed.record(NUMBER, an_offence())
    observed.close()
    again = PointsLedger(storage_env(any_store_url))
    try:
        assert again.version_of(NUMBER) == 2
    finally:
        again.close()
