"""Prometheus metrics: latency per route template and status, facts by kind, refusals by reason, the pool's
connections and the read model's lag; published on their own listener, never on the service's port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from api.clock import now_utc
from api.http.app import create_app
from api.metrics import pool_stats, read_model_lag, sample
from api.observed_ledger import ObservedLedger
from api.settings import Settings
from api.token_store import Role, TokenStore
from ledger.storage import storage_env
from projections.read_model import BalanceReadModel
from tests.ledger.builders import NUMBER, a_licence, an_offence

LATENCY = "points_ledger_http_request_duration_seconds_count"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def client(any_store_url: str) -> Iterator[tuple[TestClient, str]]:
    app = create_app(Settings(database_url=any_store_url, pool_size=2))
    with TestClient(app) as test_client:
        store: TokenStore = app.state.tokens
        yield test_client, store.create(Role.PREFECTURE, now=now_utc()).token


def test_requests_are_timed_by_route_template_and_status_not_by_licence(client: tuple[TestClient, str]) -> None:
    test_client, token = client
    route = "/licences/{number}/balance"
    before = value(LATENCY, method="GET", route=route, status="404")

    for number in ("111", "222", "333"):
        test_client.get(f"/licences/{number}/balance", headers={"Authorization": f"Bearer {token}"})

    assert value(LATENCY, method="GET", route=route, status="404") == before + 3
    assert REGISTRY.get_sample_value(LATENCY, {"method": "GET", "route": "/licences/111/balance",
                                               "status": "404"}) is None


def test_facts_are_counted_by_kind_and_refusals_by_reason(client: tuple[TestClient, str]) -> None:
    test_client, token = client
    auth = {"Authorization": f"Bearer {token}"}
    licences, refused_auth = value("points_ledger_facts_recorded_total", kind="licence"), \
        value("points_ledger_refusals_total", reason="unauthorized")
    invalid, unknown = value("points_ledger_refusals_total", reason="validation_error"), \
        value("points_ledger_refusals_total", reason="licence_not_found")

    test_client.post("/licences", headers=auth, json={"number": "L1", "obtained_on": "2012-09-14",
                                                      "evidence_ref": "ANTS-L1"})
    test_client.post("/licences", headers=auth, json={"number": "L1", "obtained_on": "2012-09-14",
                                                      "evidence_ref": "ANTS-L1"})  # retry: nothing written
    test_client.get("/licences/L1/balance")
    test_client.post("/licences", headers=auth, json={"number": "L2"})
    test_client.get("/licences/NOPE/history", headers=auth)

    assert value("points_ledger_facts_recorded_total", kind="licence") == licences + 1
    assert value("points_ledger_refusals_total", reason="unauthorized") == refused_auth + 1
    assert value("points_ledger_refusals_total", reason="validation_error") == invalid + 1
    assert value("points_ledger_refusals_total", reason="licence_not_found") == unknown + 1


def test_the_metrics_are_not_on_the_service_port(client: tuple[TestClient, str]) -> None:
    test_client, token = client

    assert test_client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_the_pool_gauges_show_the_configured_size_and_what_is_in_use(pg_url: str) -> None:
    ledger = ObservedLedger(storage_env(pg_url, pool_size=3))
    try:
        datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
        datastore.pool.wait(timeout=10)  # every connection of the pool open
        with datastore.get_connection():
            busy = pool_stats(ledger)
        sample(ledger)
        idle = pool_stats(ledger)
    finally:
        ledger.close()

    assert busy is not None and idle is not None
    assert (busy["size"], busy["in_use"]) == (3, 1)
    assert (idle["size"], idle["in_use"], idle["idle"]) == (3, 0, 3)
    assert value("points_ledger_pool_connections", state="size") >= 3


def test_the_read_model_lag_is_what_the_read_model_has_not_projected_yet(pg_url: str) -> None:
    ledger = ObservedLedger(storage_env(pg_url))
    try:
        assert read_model_lag(ledger) is None  # no read model in this store: no lag to report
        ledger.create_licence(a_licence())
        ledger.record(NUMBER, an_offence())
        read_model = BalanceReadModel(ledger)
        read_model.create_tables()
        behind = read_model_lag(ledger)
        read_model.catch_up()
        sample(ledger)
        caught_up = read_model_lag(ledger)
    finally:
        ledger.close()

    assert (behind, caught_up) == (2, 0)
    assert value("points_ledger_read_model_lag_events", read_model="balance_intervals") == 0


def test_sqlite_has_no_pool_and_no_read_model(sqlite_url: str) -> None:
    ledger = ObservedLedger(storage_env(sqlite_url))
    try:
        assert (pool_stats(ledger), read_model_lag(ledger)) == (None, None)
    finally:
        ledger.close()
