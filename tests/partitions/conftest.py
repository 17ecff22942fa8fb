"""Stores of this directory: PostgreSQL only, created with `partitions=8` (`ledger.partitioned_events`).

The shared fixtures are overridden here, not copied: `new_store_url("postgresql")` gives a partitioned store,
so `pg_url`, `any_store_url`, the root `ledger` and every fixture built on them (in this directory, and in the
existing test modules re-collected by `test_existing_suites.py`) run on 8 partitions; `api` is the API's own
module service (`tests.api.conftest`) on such a store.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import Api, _service
from tests.conftest import StoreFactory, drop_schema, fresh_schema_name, postgres_url, require_postgres

PARTITIONS = 8


def partitioned(url: str, partitions: int = PARTITIONS) -> str:
    """`url` (a PostgreSQL store URL with its `?schema=`) asking for `partitions` hash partitions."""
    return f"{url}&partitions={partitions}"


@pytest.fixture
def new_store_url(new_store_url: StoreFactory) -> StoreFactory:
    """The root factory, with `partitions=8` on every PostgreSQL store."""
    def make(kind: str) -> str:
        url = new_store_url(kind)
        return partitioned(url) if kind == "postgresql" else url

    return make


@pytest.fixture(params=[pytest.param("postgresql", id=f"postgresql-{PARTITIONS}-partitions",
                                     marks=pytest.mark.postgres)])
def any_store_url(request: pytest.FixtureRequest, new_store_url: StoreFactory) -> str:
    """Only the partitioned PostgreSQL store (the unpartitioned stores are the other directories' business)."""
    return new_store_url(request.param)


@pytest.fixture(scope="module", params=[pytest.param("postgresql", id=f"postgresql-{PARTITIONS}-partitions",
                                                     marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    """The API's module service (`tests.api.conftest`) on a partitioned PostgreSQL store."""
    require_postgres()
    schema = fresh_schema_name()
    try:
        yield from _service(partitioned(postgres_url(schema)))
    finally:
        drop_schema(schema)
