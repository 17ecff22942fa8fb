"""Tokens in the audit: `GET /audit/tokens` shows every token's state, expiry, last use and rotation, never a
secret, to the prefecture and the auditor only."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from api.clock import now_utc
from api.http.app import create_app
from api.settings import Settings
from api.token_store import Role, TokenStore


def test_the_audit_lists_each_tokens_state_expiry_last_use_and_rotation(any_store_url: str) -> None:
    app = create_app(Settings(database_url=any_store_url, pool_size=2))
    with TestClient(app) as client:
        store: TokenStore = app.state.tokens
        now = now_utc()
        auditor = store.create(Role.AUDITOR, now=now, subject="IGA", expires_at=now + timedelta(days=30))
        old = store.create(Role.PREFECTURE, now=now, subject="Préfecture")
        successor, _ = store.rotate(old.info.id, now=now)
        driver = store.create(Role.DRIVER, now=now, licence="L1")
        headers = {"Authorization": f"Bearer {auditor.token}"}

        refused = client.get("/audit/tokens", headers={"Authorization": f"Bearer {driver.token}"})
        answer = client.get("/audit/tokens", headers=headers)

    assert answer.status_code == 200 and refused.status_code == 403
    tokens = {token["id"]: token for token in answer.json()["tokens"]}
    assert tokens[auditor.info.id]["state"] == "active" and tokens[auditor.info.id]["last_used_at"] is not None
    assert tokens[auditor.info.id]["expires_at"] is not None
    assert tokens[old.info.id]["state"] == "revoked"
    assert tokens[successor.info.id]["rotated_from"] == old.info.id
    assert tokens[driver.info.id]["last_used_at"] is not None  # refused for its role, but it did call
    for issued in (auditor, old, successor, driver):
        assert issued.token.split("_", 2)[2] not in answer.text
    assert "secret" not in answer.text
