"""A rebuild folded by a real Dask LocalCluster of 2 worker processes writes exactly the table of the
single-process rebuild and of the catch-up (the fold), partition by partition from PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.population import population
from ledger.application import PointsLedger
from ledger.bulk_import import BulkImporter
from ledger.storage import storage_env
from projections.distributed import dask_runner
from projections.read_model import BalanceReadModel


@pytest.fixture
def model(pg_url: str) -> Iterator[BalanceReadModel]:
    ledger = PointsLedger(storage_env(pg_url))
    BulkImporter(ledger, batch_size=100).run(population(250, seed=17))
    projection = BalanceReadModel(ledger)
    projection.create_tables()
    yield projection
    ledger.close()


def _table(model: BalanceReadModel) -> list[tuple[Any, ...]]:
    with model.ledger.recorder.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
        curs.execute(f'SELECT * FROM "{model.ledger.recorder.datastore.schema}".{model.name} '  # type: ignore[attr-defined]
                     "ORDER BY licence_number, valid_from")
        return [tuple(row.values()) for row in curs.fetchall()]


def test_a_dask_rebuild_on_two_workers_equals_the_single_process_rebuild_and_the_catch_up(
    model: BalanceReadModel,
) -> None:
    model.catch_up()
    folded, position = _table(model), model.position()
    single = model.rebuild(workers=1, partitions=3)
    assert _table(model) == folded
    done: list[int] = []
    with dask_runner(workers=2) as runner:
        distributed = model.rebuild(2, partitions=6, runner=runner,
                                    on_partition=lambda p: done.append(p.partitions_done))
    assert _table(model) == folded
    assert (distributed.position, distributed.events, distributed.licences) == \
        (single.position, single.events, single.licences) == (position, single.events, 250)
    assert done == [1, 2, 3, 4, 5, 6]


def test_a_runner_needs_either_workers_or_a_scheduler() -> None:
    with pytest.raises(ValueError, match="either"), dask_runner():
        pass
