"""Structured logs: one line per request under a request id (the caller's or a new one, returned), naming the
caller's token (never its secret), the route, the licence, the status and the duration; one line per recorded
fact under the same id; plain text by default, JSON objects with `POINTS_LEDGER_LOG_FORMAT=json`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.clock import now_utc
from api.http.app import create_app
from api.settings import Settings
from api.token_store import Role, TokenStore


@pytest.fixture
def served(sqlite_url: str) -> Iterator[tuple[TestClient, str]]:
    """A JSON-logging service on SQLite and a prefecture token."""
    app = create_app(Settings(database_url=sqlite_url, log_format="json"))
    with TestClient(app) as client:
        store: TokenStore = app.state.tokens
        token = store.create(Role.PREFECTURE, now=now_utc(), subject="Préfecture du Rhône").token
        yield client, token


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_each_request_is_one_line_with_its_id_caller_route_licence_status_and_duration(
    served: tuple[TestClient, str], capsys: pytest.CaptureFixture[str]
) -> None:
    client, token = served
    capsys.readouterr()

    response = client.get("/licences/120369100042/balance", headers={
        "Authorization": f"Bearer {token}", "X-Request-ID": "agent-7f3a"})

    err = capsys.readouterr().err
    lines = [line for line in json_lines(err) if line["event"] == "request"]
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "agent-7f3a"
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "agent-7f3a"
    assert (line["subject"], line["role"]) == ("Préfecture du Rhône", "prefecture")
    assert line["token_id"] == token.split("_", 2)[1]
    assert (line["route"], line["licence"], line["status"]) == ("/licences/{number}/balance", "120369100042", 404)
    assert line["duration_ms"] >= 0 and line["level"] == "info" and "timestamp" in line
    assert token.split("_", 2)[2] not in err  # the secret never reaches a log


@pytest.mark.parametrize("given", [None, "", "with space", "x" * 129, "new\nline"])
def test_a_missing_or_unusable_request_id_is_replaced_by_a_fresh_one(
    served: tuple[TestClient, str], capsys: pytest.CaptureFixture[str], given: str | None
) -> None:
    client, _ = served
    headers = {} if given is None else {"X-Request-ID": given.replace("\n", "%0A")}
    capsys.readouterr()

    first = client.get("/health", headers=headers).headers["X-Request-ID"]
    second = client.get("/health", headers=headers).headers["X-Request-ID"]

    assert first != second and len(first) == 32 and first.isalnum()
    assert [line["request_id"] for line in json_lines(capsys.readouterr().err)] == [first, second]


def test_a_recorded_fact_is_one_line_under_the_request_that_recorded_it(
    served: tuple[TestClient, str], capsys: pytest.CaptureFixture[str]
) -> None:
    client, token = served
    body = {"id": "licence-1", "number": "120369100042", "obtained_on": "2012-09-14", "evidence_ref": "ANTS-1"}
    capsys.readouterr()

    created = client.post("/licences", json=body, headers={"Authorization": f"Bearer {token}",
                                                           "X-Request-ID": "write-1"})
    again = client.post("/licences", json=body, headers={"Authorization": f"Bearer {token}",
                                                         "X-Request-ID": "write-2"})

    lines = json_lines(capsys.readouterr().err)
    facts = [line for line in lines if line["event"] == "fact recorded"]
    assert (created.status_code, again.status_code) == (201, 200)
    assert len(facts) == 1  # the retry wrote nothing, so it logged no fact
    fact = facts[0]
    assert (fact["request_id"], fact["kind"], fact["fact_id"], fact["licence"]) == (
        "write-1", "licence", "licence-1", "120369100042")
    assert (fact["version"], fact["position"], fact["evidence_ref"]) == (1, 1, "ANTS-1")
    assert fact["recorded_by"] == fact["subject"] == "Préfecture du Rhône"
    assert [line["request_id"] for line in lines if line["event"] == "request"] == ["write-1", "write-2"]


def test_on_a_terminal_the_lines_are_plain_text(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app(Settings(database_url=sqlite_url))
    with TestClient(app) as client:
        capsys.readouterr()
        client.get("/health", headers={"X-Request-ID": "plain-1"})

    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert not line.startswith("{")
    assert "request" in line and "request_id=plain-1" in line and "route=/health" in line and "status=200" in line
