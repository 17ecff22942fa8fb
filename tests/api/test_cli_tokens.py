"""`points-ledger tokens create | list | revoke`, run in-process on a SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.settings import get_settings
from api.token_store import Role, TokenStore, split_token
from ledger.application import PointsLedger
from ledger.storage import storage_env
from tests.ledger.builders import NUMBER, a_licence

runner = CliRunner()


@pytest.fixture
def store_url(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The CLI reads its store from the environment (through the cached settings)."""
    monkeypatch.setenv("POINTS_LEDGER_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def _with_licence(url: str, number: str = NUMBER) -> None:
    ledger = PointsLedger(storage_env(url))
    ledger.create_licence(a_licence(licence_number=number))
    ledger.close()


def test_create_prints_the_token_alone_on_stdout_and_it_authenticates(store_url: str) -> None:
    _with_licence(store_url)
    result = runner.invoke(app, ["tokens", "create", "--role", "driver", "--licence", NUMBER, "--subject", "Jo"])

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert split_token(token) is not None
    store = TokenStore.for_url(store_url)
    info = store.authenticate(token)
    store.close()
    assert info is not None
    assert (info.role, info.licence, info.subject) == (Role.DRIVER, NUMBER, "Jo")
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


def test_revoking_an_unknown_id_is_bad_input_exit_2_in_one_line(store_url: str) -> None:
    result = runner.invoke(app, ["tokens", "revoke", "0123456789abcdef"])

    assert result.exit_code == 2
    assert "no token" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_driver_token_for_a_licence_the_ledger_does_not_hold_is_refused_with_exit_2(store_url: str) -> None:
    result = runner.invoke(app, ["tokens", "create", "--role", "driver", "--licence", "999"])

    assert result.exit_code == 2
    assert result.stderr.strip() == "points-ledger tokens: --licence: the ledger holds no licence '999'"
    store = TokenStore.for_url(store_url)
    assert store.list() == []
    store.close()


def test_a_token_expires_after_its_lifetime_and_the_listing_says_so(store_url: str) -> None:
    created = runner.invoke(app, ["tokens", "create", "--role", "auditor", "--expires-in", "30"])
    token = created.stdout.strip()
    store = TokenStore.for_url(store_url)
    info = store.authenticate(token)
    assert info is not None and info.expires_at is not None
    assert store.authenticate(token, now=info.expires_at - timedelta(seconds=1)) is not None
    assert store.authenticate(token, now=info.expires_at) is None
    assert info.expires_at - info.created_at == timedelta(days=30)
    store.close()

    listing = runner.invoke(app, ["tokens", "list"])

    assert "expires" in listing.stdout and info.expires_at.isoformat(timespec="seconds")[:10] in listing.stdout
    assert "last used" in listing.stdout


def test_rotation_issues_a_successor_and_retires_the_old_token_after_its_grace(store_url: str) -> None:
    old_token = runner.invoke(app, ["tokens", "create", "--role", "auditor", "--subject", "IGA"]).stdout.strip()
    old_id, _ = split_token(old_token) or ("", "")

    rotated = runner.invoke(app, ["tokens", "rotate", old_id, "--grace", "10"])

    assert rotated.exit_code == 0, rotated.output
    new_token = rotated.stdout.strip()
    store = TokenStore.for_url(store_url)
    new = store.authenticate(new_token)
    old = store.get(old_id)
    assert new is not None and old is not None
    assert (new.role, new.subject, new.rotated_from) == (Role.AUDITOR, "IGA", old_id)
    assert old.expires_at is not None and old.expires_at - new.created_at == timedelta(minutes=10)
    assert store.authenticate(old_token, now=old.expires_at - timedelta(seconds=1)) is not None
    assert store.authenticate(old_token, now=old.expires_at) is None
    store.close()
    assert old_id in runner.invoke(app, ["tokens", "list"]).stdout


def test_rotation_without_grace_revokes_the_old_token_at_once(store_url: str) -> None:
    old_token = runner.invoke(app, ["tokens", "create", "--role", "prefecture"]).stdout.strip()
    old_id, _ = split_token(old_token) or ("", "")

    rotated = runner.invoke(app, ["tokens", "rotate", old_id])
    again = runner.invoke(app, ["tokens", "rotate", old_id])

    store = TokenStore.for_url(store_url)
    assert store.authenticate(old_token) is None
    assert store.authenticate(rotated.stdout.strip()) is not None
    store.close()
    assert again.exit_code == 2 and "revoked" in again.stderr


def test_authentication_records_the_last_use_at_most_once_a_minute(store_url: str) -> None:
    token = runner.invoke(app, ["tokens", "create", "--role", "auditor", "--expires-in", "0"]).stdout.strip()
    store = TokenStore.for_url(store_url)
    first = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    token_id, _ = split_token(token) or ("", "")

    store.authenticate(token, now=first)
    store.authenticate(token, now=first + timedelta(seconds=30))
    seen = store.get(token_id)
    store.authenticate(token, now=first + timedelta(minutes=2))
    later = store.get(token_id)
    store.close()

    assert seen is not None and seen.last_used_at == first
    assert later is not None and later.last_used_at == first + timedelta(minutes=2)
