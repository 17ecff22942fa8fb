"""The store fixtures themselves: no server means skip, unless CI requires PostgreSQL; schemas never collide."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import conftest


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the fixtures at a port where nothing listens (and forget the cached answer before and after)."""
    conftest.postgres_unreachable_reason.cache_clear()
    monkeypatch.setattr(conftest, "POSTGRES_DSN", "postgresql://postgres@127.0.0.1:1/test")
    yield
    conftest.postgres_unreachable_reason.cache_clear()


def test_without_a_server_a_postgresql_test_is_skipped(no_server: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(conftest.REQUIRE_POSTGRES, raising=False)
    with pytest.raises(pytest.skip.Exception, match="unreachable"):
        conftest.require_postgres()


def test_without_a_server_a_postgresql_test_fails_when_ci_requires_it(
    no_server: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(conftest.REQUIRE_POSTGRES, "1")
    with pytest.raises(pytest.fail.Exception, match=conftest.REQUIRE_POSTGRES):
        conftest.require_postgres()


def test_schema_names_carry_the_worker_and_are_unique(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    names = {conftest.fresh_schema_name() for _ in range(1000)}
    assert len(names) == 1000
    assert all(name.startswith("pltest_gw3_") and name.replace("_", "").isalnum() for name in names)


def test_the_test_database_is_read_from_the_environment() -> None:
    elsewhere = "postgresql://tester@db.example:6543/ledger_tests"
    assert conftest.postgres_dsn({conftest.TEST_POSTGRES_URL: elsewhere}) == elsewhere
    assert conftest.postgres_dsn({}) == "postgresql://postgres@127.0.0.1:5432/test"
    assert conftest.postgres_dsn({conftest.TEST_POSTGRES_URL: "  "}) == conftest.DEFAULT_TEST_POSTGRES_URL
