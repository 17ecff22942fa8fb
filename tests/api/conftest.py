"""Fixtures of the HTTP API tests: one service per store kind (SQLite, PostgreSQL) shared by a module's tests.

Starting an app and a PostgreSQL schema per test would multiply the suite's time by the size of the role
matrix, so each module gets one service per store; tests never share a licence (`api.new_licence()` draws a
fresh number) and read the whole application sequence's length before and after a refused request, which no
other test touches meanwhile. "Today" is pinned (`TODAY`) through the `get_today` dependency.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.clock import now_utc
from api.http.app import create_app
from api.http.deps import get_today
from api.settings import Settings
from api.token_store import Role, TokenStore
from ledger.application import PointsLedger
from tests.conftest import drop_schema, fresh_schema_name, postgres_url, require_postgres

TODAY = date(2025, 1, 15)
AGREMENT = "R2407500010"
OTHER_AGREMENT = "R1309300077"


@dataclass
class Api:
    """A running app (TestClient), its ledger and token store, and one token per role."""

    app: FastAPI
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def ledger(self) -> PointsLedger:
        ledger: PointsLedger = self.app.state.ledger
        return ledger

    @property
    def store(self) -> TokenStore:
        store: TokenStore = self.app.state.tokens
        return store

    def token(self, role: Role, *, subject: str | None = None, agrement: str | None = None,
              licence: str | None = None) -> str:
        return self.store.create(role, now=now_utc(), subject=subject, agrement=agrement, licence=licence).token

    def auth(self, who: str) -> dict[str, str]:
        """Headers of the token named `who` (prefecture, organiser, auditor, organiser_other…)."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def stream_length(self) -> int:
        """Every event of every licence: a refused request must leave it as it was."""
        return sum(1 for _ in self.ledger.notifications())

    def new_licence(self, obtained_on: str = "2000-01-01", **extra: Any) -> str:
        """Create a licence with a number no other test uses; returns the number."""
        number = f"T{uuid4().hex[:12].upper()}"
        body = {"number": number, "obtained_on": obtained_on, "evidence_ref": f"ANTS-{number}", **extra}
        response = self.client.post("/licences", json=body, headers=self.auth("prefecture"))
        assert response.status_code == 201, response.text
        return number

    def record(self, number: str, kind: str, body: dict[str, Any], who: str = "prefecture") -> dict[str, Any]:
        """Record a fact that must be accepted (201)."""
        response = self.client.post(f"/licences/{number}/{kind}", json=body, headers=self.auth(who))
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


def _service(url: str) -> Iterator[Api]:
    app = create_app(Settings(database_url=url, pool_size=2))
    app.dependency_overrides[get_today] = lambda: TODAY
    with TestClient(app) as client:
        api = Api(app, client)
        api.tokens = {
            "prefecture": api.token(Role.PREFECTURE, subject="Préfecture de police (test)"),
            "organiser": api.token(Role.ORGANISER, agrement=AGREMENT),
            "organiser_other": api.token(Role.ORGANISER, agrement=OTHER_AGREMENT),
            "auditor": api.token(Role.AUDITOR, subject="Cour des comptes (test)"),
            "driver_other": api.token(Role.DRIVER, licence="NOT-THIS-ONE"),
        }
        yield api


@pytest.fixture(scope="module", params=[pytest.param("sqlite", id="sqlite"),
                                        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One service per store kind for the whole module (see the module docstring)."""
    if request.param == "sqlite":
        yield from _service(f"sqlite:///{tmp_path_factory.mktemp('api') / 'ledger.sqlite'}")
        return
    require_postgres()
    schema = fresh_schema_name()
    try:
        yield from _service(postgres_url(schema))
    finally:
        drop_schema(schema)


@pytest.fixture(scope="module")
def sqlite_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A service on SQLite only, for tests about the HTTP layer itself (shapes, OpenAPI)."""
    yield from _service(f"sqlite:///{tmp_path_factory.mktemp('api') / 'ledger.sqlite'}")
