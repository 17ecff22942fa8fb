"""`points-ledger tokens create | list | revoke`, run in-process on a SQLite store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.settings import get_settings
from api.token_store import Role, TokenStore, split_token

runner = CliRunner()


@pytest.fixture
def store_url(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The CLI reads its store from the environment (through the cached settings)."""
    monkeypatch.setenv("POINTS_LEDGER_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def test_create_prints_the_token_alone_on_stdout_and_it_authenticates(store_url: str) -> None:
    result = runner.invoke(app, ["tokens", "create", "--role", "driver", "--licence", "AB123", "--subject", "Jo"])

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert split_token(token) is not None
    store = TokenStore.for_url(store_url)
    info = store.authenticate(token)
    store.close()
    assert info is not None
    assert (info.role, info.licence, info.subject) == (Role.DRIVER, "AB123", "Jo")
    assert "shown once" in result.stderr


def test_a_token_without_the_binding_its_role_needs_is_refused_with_exit_2(store_url: str) -> None:
    result = runner.invoke(app, ["tokens", "create", "--role", "organiser"])

    assert result.exit_code == 2
    assert "--agrement" in result.stderr
    store = TokenStore.for_url(store_url)
    assert store.list() == []
    store.close()


def test_list_shows_every_token_and_revoke_marks_one_revoked(store_url: str) -> None:
    created = runner.invoke(app, ["tokens", "create", "--role", "auditor", "--subject", "IGA"])
    token_id, _ = split_token(created.stdout.strip()) or ("", "")

    revoked = runner.invoke(app, ["tokens", "revoke", token_id])
    listing = runner.invoke(app, ["tokens", "list"])

    assert revoked.exit_code == 0, revoked.output
    assert f"token {token_id}" in revoked.stdout
    assert token_id in listing.stdout and "auditor" in listing.stdout and "IGA" in listing.stdout
    store = TokenStore.for_url(store_url)
    assert store.authenticate(created.stdout.strip()) is None
    store.close()


def test_revoking_an_unknown_id_exits_1(store_url: str) -> None:
    result = runner.invoke(app, ["tokens", "revoke", "0123456789abcdef"])

    assert result.exit_code == 1
    assert "no token" in result.stderr
