"""The session's signing key: configured, or one key per store shared by every process of the machine."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.ui.session import machine_secret
from api.settings import Settings
from tests.ui.conftest import STANDARD, Site, csrf_of


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_the_machine_key_is_one_per_store_private_and_stable(private_tmp: Path) -> None:
    first = machine_secret("sqlite:///a.sqlite")
    assert first == machine_secret("sqlite:///a.sqlite") != machine_secret("sqlite:///b.sqlite")
    assert len(first) >= 48
    files = list((private_tmp / "points-ledger-ui").iterdir())
    assert len(files) == 2 and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)


def test_two_processes_of_one_store_accept_each_other_s_sessions(site: Site, private_tmp: Path) -> None:
    """What `serve --workers N` needs: each worker builds its app, and a session signed by one is read by the
    other."""
    url = site.app.state.settings.database_url
    first, second = (create_app(Settings(database_url=url, pool_size=2)) for _ in range(2))
    with TestClient(first) as one, TestClient(second) as other:
        one.post("/ui/sign-in", data={"token": site.tokens["auditor"], "csrf_token": csrf_of(one)})
        cookie = one.cookies.get("points_ledger_session")
        assert cookie
        answer = other.get(f"/ui/licences/{STANDARD}", headers={"Cookie": f"points_ledger_session={cookie}"},
                           follow_redirects=False)
        assert answer.status_code == 200


def test_a_configured_secret_is_used_instead(site: Site, private_tmp: Path) -> None:
    url = site.app.state.settings.database_url
    configured = create_app(Settings(database_url=url, pool_size=2, session_secret="another"))
    one = site.new_client()
    with TestClient(configured) as other:
        one.post("/ui/sign-in", data={"token": site.tokens["auditor"], "csrf_token": csrf_of(one)})
        cookie = one.cookies.get("points_ledger_session")
        answer = other.get(f"/ui/licences/{STANDARD}", headers={"Cookie": f"points_ledger_session={cookie}"},
                           follow_redirects=False)
        assert answer.status_code == 303  # signed with "test-secret": not a session here
