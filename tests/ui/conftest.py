"""The web interface through FastAPI's TestClient (fast: no browser): one app per module on a SQLite store
holding the demo's licences, one signed-in client per role, "today" pinned."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.cli.demo_licences import demo_licences
from api.clock import now_utc
from api.http.app import create_app
from api.http.deps import get_today
from api.settings import Settings
from api.token_store import Role, TokenStore
from ledger.application import PointsLedger

TODAY = date(2025, 6, 1)
STANDARD = "100975312481"
INVALIDATED = "150669104203"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    app: FastAPI
    tokens: dict[str, str]
    new_client: Callable[[], TestClient]

    @property
    def store(self) -> TokenStore:
        store: TokenStore = self.app.state.tokens
        return store

    def signed_in(self, who: str) -> TestClient:
        """A browser-like client signed in with the token named `who`."""
        client = self.new_client()
        sign_in(client, self.tokens[who])
        return client


def csrf_of(client: TestClient, path: str = "/ui/") -> str:
    match = CSRF.search(client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def sign_in(client: TestClient, token: str) -> None:
    response = client.post("/ui/sign-in", data={"token": token, "csrf_token": csrf_of(client)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path_factory.mktemp('ui') / 'ledger.sqlite'}"
    app = create_app(Settings(database_url=url, pool_size=2, session_secret="test-secret"))
    app.dependency_overrides[get_today] = lambda: TODAY
    clients: list[TestClient] = []

    def new_client() -> TestClient:
        client = TestClient(app, base_url="http://testserver")
        clients.append(client)
        return client

    with TestClient(app):
        ledger: PointsLedger = app.state.ledger
        for demo in demo_licences(now_utc()):
            ledger.create_licence(demo.licence)
            for fact in demo.facts:
                ledger.record(demo.licence.licence_number, fact)
        store: TokenStore = app.state.tokens

        def token(role: Role, **binding: str) -> str:
            return store.create(role, now=now_utc(), **binding).token  # type: ignore[arg-type]

        tokens = {"prefecture": token(Role.PREFECTURE), "auditor": token(Role.AUDITOR),
                  "organiser": token(Role.ORGANISER, agrement="R2307500010"),
                  "driver": token(Role.DRIVER, licence=STANDARD)}
        yield Site(app, tokens, new_client)
    for client in clients:
        client.close()
