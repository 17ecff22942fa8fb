"""Bearer tokens: a request without a valid token gets 401 on every protected route, whatever its body, and
writes nothing; tokens are stored hashed, revocable, and bound to an agrément or a licence as their role
requires."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from api.clock import now_utc
from api.token_store import Role, TokenError, TokenStore, split_token
from ledger.storage import storage_env
from tests import conftest
from tests.api.conftest import Api
from tests.api.routes_table import ROUTES, Route, prepared_licence


def _bad_authorizations(api: Api) -> dict[str, dict[str, str]]:
    revoked = api.store.create(Role.PREFECTURE, now=now_utc())
    api.store.revoke(revoked.info.id, now=now_utc())
    token_id, _ = split_token(api.tokens["prefecture"]) or ("", "")
    return {
        "missing": {},
        "not a bearer": {"Authorization": f"Basic {api.tokens['prefecture']}"},
        "malformed": {"Authorization": "Bearer not-a-token"},
        "wrong secret": {"Authorization": f"Bearer plt_{token_id}_{'A' * 43}"},
        "unknown id": {"Authorization": f"Bearer plt_0000000000000000_{'A' * 43}"},
        "revoked": {"Authorization": f"Bearer {revoked.token}"},
    }


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_a_request_without_a_valid_token_gets_401_and_writes_nothing(api: Api, route: Route) -> None:
    number = prepared_licence(api, route)
    for case, headers in _bad_authorizations(api).items():
        before = api.stream_length()

        response = api.client.request(route.method, route.url(number), json=route.body(number), headers=headers)

        assert response.status_code == 401, (case, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["detail"][0]["loc"] == ["header", "Authorization"]
        assert api.stream_length() == before, case


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_a_request_without_a_valid_token_gets_401_whatever_its_body(api: Api, route: Route) -> None:
    number = prepared_licence(api, route)
    for case, headers in _bad_authorizations(api).items():
        before = api.stream_length()

        response = api.client.request(route.method, route.url(number), content=b'{"evidence_ref": ',
                                      headers={**headers, "Content-Type": "application/json"})

        assert response.status_code == 401, (case, response.text)
        assert response.json()["detail"][0]["loc"] == ["header", "Authorization"]
        assert api.stream_length() == before, case


def test_health_and_the_openapi_pages_need_no_token(sqlite_api: Api) -> None:
    for path in ("/health", "/openapi.json", "/docs"):
        assert sqlite_api.client.get(path).status_code == 200, path


def test_a_revoked_token_is_refused_from_then_on(api: Api) -> None:
    issued = api.store.create(Role.AUDITOR, now=now_utc())
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert api.client.get("/audit/events?limit=1", headers=headers).status_code == 200

    api.store.revoke(issued.info.id, now=now_utc())

    assert api.client.get("/audit/events?limit=1", headers=headers).status_code == 401


def test_the_store_keeps_a_hash_never_the_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tokens.sqlite'}"
    store = TokenStore.for_url(url)
    issued = store.create(Role.PREFECTURE, now=now_utc())
    store.close()
    _, secret = split_token(issued.token) or ("", "")

    with sqlite3.connect(storage_env(url)["SQLITE_DBNAME"]) as conn:
        dump = "\n".join(conn.iterdump())

    assert issued.info.id in dump
    assert secret not in dump
    assert issued.token not in dump


def test_the_tokens_live_in_the_ledgers_postgresql_schema(pg_url: str) -> None:
    import psycopg

    store = TokenStore.for_url(pg_url)
    store.create(Role.AUDITOR, now=now_utc())
    store.close()
    schema = pg_url.rsplit("schema=", 1)[1]

    with psycopg.connect(conftest.POSTGRES_DSN) as conn:
        row = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s "
                           "AND table_name = 'api_tokens'", (schema,)).fetchone()

    assert row == (1,)


def test_authenticating_returns_the_tokens_role_subject_and_binding(tmp_path: Path) -> None:
    store = TokenStore.for_url(f"sqlite:///{tmp_path / 't.sqlite'}")
    issued = store.create(Role.ORGANISER, now=now_utc(), agrement=" R24 ", subject="Stages Sud")

    info = store.authenticate(issued.token)

    assert info is not None
    assert (info.role, info.subject, info.agrement, info.licence) == (Role.ORGANISER, "Stages Sud", "R24", None)
    store.close()


@pytest.mark.parametrize(("role", "agrement", "licence"), [
    (Role.ORGANISER, None, None),
    (Role.ORGANISER, "R24", "AB1"),
    (Role.DRIVER, None, None),
    (Role.DRIVER, "R24", "AB1"),
    (Role.PREFECTURE, "R24", None),
    (Role.AUDITOR, None, "AB1"),
])
def test_a_token_must_carry_exactly_the_binding_its_role_needs(
    tmp_path: Path, role: Role, agrement: str | None, licence: str | None
) -> None:
    store = TokenStore.for_url(f"sqlite:///{tmp_path / 't.sqlite'}")

    with pytest.raises(TokenError):
        store.create(role, now=now_utc(), agrement=agrement, licence=licence)

    assert store.list() == []
    store.close()
