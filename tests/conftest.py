"""Shared fixtures: the same tests run on SQLite (a temporary file) and on PostgreSQL (a schema of their own).

Fixtures any test module can use:

- `ledger` — a `PointsLedger`, parametrised over `sqlite` and `postgresql` (ids `[sqlite]`, `[postgresql]`).
- `any_store_url` — the database URL behind `ledger`, parametrised the same way (for code that builds its own
  application, a settings object, or runs the CLI in a subprocess).
- `sqlite_url` — a fresh SQLite file in the test's temporary directory.
- `pg_url` — a fresh PostgreSQL schema in the test database, dropped after the test.
- `new_store_url` — a factory `new_store_url("sqlite" | "postgresql") -> str` for tests needing several stores
  (export from one, import into another); each store is cleaned up after the test.

PostgreSQL tests are skipped when the server is unreachable, unless `POINTS_LEDGER_REQUIRE_POSTGRES=1` (set by
`.ci/run`), in which case they fail: CI must never pass by skipping the production store. Every test using a
PostgreSQL store is marked `postgres` (`pytest -m "not postgres"` runs without a server).

The test database is `POINTS_LEDGER_TEST_POSTGRES_URL` (default `postgresql://postgres@127.0.0.1:5432/test`, a
database URL without `?schema=`): point it elsewhere to run the PostgreSQL half against another server.

Schema names carry the pytest-xdist worker id and a random suffix, so parallel workers never share a schema.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest

from ledger.application import PointsLedger
from ledger.storage import storage_env

TEST_POSTGRES_URL = "POINTS_LEDGER_TEST_POSTGRES_URL"
DEFAULT_TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_dsn(environ: Mapping[str, str] = os.environ) -> str:
    """The test database: `POINTS_LEDGER_TEST_POSTGRES_URL` when set, else the local server's `test` database."""
    return environ.get(TEST_POSTGRES_URL, "").strip() or DEFAULT_TEST_POSTGRES_URL


POSTGRES_DSN = postgres_dsn()
REQUIRE_POSTGRES = "POINTS_LEDGER_REQUIRE_POSTGRES"
STORES = ("sqlite", "postgresql")
SCHEMA_PREFIX = "pltest"

StoreFactory = Callable[[str], str]


def postgres_required() -> bool:
    """CI sets `POINTS_LEDGER_REQUIRE_POSTGRES=1`: an unreachable server is then a failure, not a skip."""
    return os.environ.get(REQUIRE_POSTGRES, "").strip().lower() in {"1", "true", "yes", "on"}


@cache
def postgres_unreachable_reason() -> str | None:
    """None when the test server answers; otherwise why not (asked once per process)."""
    try:
        with psycopg.connect(POSTGRES_DSN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL at {POSTGRES_DSN} is unreachable: {error}".strip()
    return None


def require_postgres() -> None:
    """Skip the calling test without a PostgreSQL server, or fail it when CI requires one."""
    reason = postgres_unreachable_reason()
    if reason is None:
        return
    if postgres_required():
        pytest.fail(f"{reason} (and {REQUIRE_POSTGRES}=1)", pytrace=False)
    pytest.skip(reason)


def fresh_schema_name() -> str:
    """A schema name no other test, worker or run will use: prefix, xdist worker id, random suffix."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{SCHEMA_PREFIX}_{worker}_{uuid4().hex[:16]}"


def postgres_url(schema: str) -> str:
    """The ledger URL of `schema` in the test database (the ledger creates the schema on first use)."""
    return f"{POSTGRES_DSN}?schema={schema}"


def drop_schema(schema: str) -> None:
    """Drop a test schema and everything in it; a failure is a warning (the test itself already ran)."""
    try:
        with psycopg.connect(POSTGRES_DSN, autocommit=True, connect_timeout=5) as conn:
            conn.execute("SET lock_timeout = '10s'")
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    except psycopg.Error as error:
        warnings.warn(f"could not drop test schema {schema}: {error}", stacklevel=1)


@pytest.fixture
def new_store_url(tmp_path: Path) -> Iterator[StoreFactory]:
    """A factory of empty stores: `new_store_url("sqlite")` or `new_store_url("postgresql")` → a URL.

    Each call gives a new store (a new SQLite file or a new PostgreSQL schema); all are removed after the test.
    """
    schemas: list[str] = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'store-{uuid4().hex[:8]}.sqlite'}"
        if kind == "postgresql":
            require_postgres()
            schema = fresh_schema_name()
            schemas.append(schema)
            return postgres_url(schema)
        raise ValueError(f"unknown store kind {kind!r}: one of {', '.join(STORES)}")

    yield make
    for schema in schemas:
        drop_schema(schema)


@pytest.fixture
def sqlite_url(new_store_url: StoreFactory) -> str:
    """A fresh SQLite store (a file in the test's temporary directory)."""
    return new_store_url("sqlite")


@pytest.fixture
def pg_url(new_store_url: StoreFactory) -> str:
    """A fresh PostgreSQL store: its own schema in database `test`, dropped after the test."""
    return new_store_url("postgresql")


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite"),
                        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)])
def any_store_url(request: pytest.FixtureRequest, new_store_url: StoreFactory) -> str:
    """A fresh store of each kind in turn: the test runs once on SQLite and once on PostgreSQL."""
    kind: str = request.param
    return new_store_url(kind)


@pytest.fixture
def ledger(any_store_url: str) -> Iterator[PointsLedger]:
    """A `PointsLedger` on an empty store, once per store kind; closed before its store is removed."""
    application = PointsLedger(storage_env(any_store_url))
    yield application
    application.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that asks for a PostgreSQL store directly (`pg_url`) as `postgres`."""
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
