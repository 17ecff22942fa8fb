"""A token the database has just accepted is trusted for `VERIFIED_FOR` without a query (decision 0057), and
no longer: a revocation by another process (the `tokens` commands) ends it within that delay, one through the
same store at once; expiry and the secret are checked on every use."""

from __future__ import annotations

from datetime import timedelta

from api.clock import now_utc
from api.token_store import VERIFIED_FOR, Role, TokenStore, split_token
from tests.api.conftest import Api


def _other_process_store(api: Api) -> TokenStore:
    """The token table as the `tokens` commands open it: a store of its own on the service's URL."""
    return TokenStore.for_url(api.app.state.settings.database_url)


def test_a_token_revoked_by_another_process_is_refused_once_its_verification_is_older_than_verified_for(
    api: Api,
) -> None:
    issued = api.store.create(Role.AUDITOR, now=now_utc())
    checked = now_utc()
    assert api.store.authenticate(issued.token, now=checked) is not None
    other = _other_process_store(api)
    try:
        other.revoke(issued.info.id, now=checked)
    finally:
        other.close()

    assert api.store.cached(issued.token, now=checked + VERIFIED_FOR - timedelta(seconds=1)) is not None
    assert api.store.cached(issued.token, now=checked + VERIFIED_FOR) is None
    assert api.store.authenticate(issued.token, now=checked + VERIFIED_FOR) is None


def test_a_token_revoked_through_the_services_store_is_refused_over_http_at_once(api: Api) -> None:
    issued = api.store.create(Role.AUDITOR, now=now_utc())
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert api.client.get("/audit/events?limit=1", headers=headers).status_code == 200
    assert api.store.cached(issued.token) is not None

    api.store.revoke(issued.info.id, now=now_utc())

    assert api.store.cached(issued.token) is None
    assert api.client.get("/audit/events?limit=1", headers=headers).status_code == 401


def test_a_rotation_without_grace_ends_the_old_tokens_verification_at_once(api: Api) -> None:
    issued = api.store.create(Role.AUDITOR, now=now_utc())
    assert api.store.authenticate(issued.token) is not None

    successor, _ = api.store.rotate(issued.info.id, now=now_utc())

    assert api.store.cached(issued.token) is None
    assert api.store.authenticate(issued.token) is None
    assert api.store.authenticate(successor.token) is not None


def test_a_verified_token_expires_on_time_without_a_query(api: Api) -> None:
    created = now_utc()
    issued = api.store.create(Role.AUDITOR, now=created, expires_at=created + timedelta(seconds=2))
    assert api.store.authenticate(issued.token, now=created) is not None

    assert api.store.cached(issued.token, now=created + timedelta(seconds=1)) is not None
    assert api.store.cached(issued.token, now=created + timedelta(seconds=2)) is None


def test_a_verified_token_id_with_another_secret_is_not_trusted(api: Api) -> None:
    issued = api.store.create(Role.PREFECTURE, now=now_utc())
    assert api.store.authenticate(issued.token) is not None
    token_id, _ = split_token(issued.token) or ("", "")
    forged = f"plt_{token_id}_{'A' * 43}"

    assert api.store.cached(forged) is None
    assert api.client.get("/audit/events?limit=1", headers={"Authorization": f"Bearer {forged}"}).status_code \
        == 401
    assert api.store.cached(issued.token) is None  # a failed check forgets the verification of that id


def test_a_verification_does_not_hide_the_last_use_from_the_audit(api: Api) -> None:
    issued = api.store.create(Role.AUDITOR, now=now_utc())
    first = now_utc()
    api.store.authenticate(issued.token, now=first)
    later = first + VERIFIED_FOR + timedelta(minutes=1)
    assert api.store.cached(issued.token, now=later) is None  # past VERIFIED_FOR the database is asked again…
    api.store.authenticate(issued.token, now=later)

    info = api.store.get(issued.info.id)
    assert info is not None and info.last_used_at == later  # …and records the use
