"""The read log's rows are committed in groups (`api.read_log_writer`, decision 0057) and still one per read:
every read answered has its row, a row that cannot be written turns its read into a 503, and closing the
writer writes what was queued."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from eventsourcing.persistence import OperationalError
from psycopg.pq import TransactionStatus

from api.access_log import VALUES_ROWS, AccessLog, Consultation
from api.read_log_writer import ReadLogWriter
from ledger.storage import ensure_postgres_schema, storage_env
from tests.api.conftest import Api

CONCURRENT_READS = 24


async def _concurrent_reads(api: Api, paths: list[str]) -> list[int]:
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=api.auth("auditor")) as client:
        answers = await asyncio.gather(*(client.get(path) for path in paths))
    return [answer.status_code for answer in answers]


def test_every_read_answered_by_concurrent_clients_has_its_row_in_the_read_log(api: Api) -> None:
    numbers = [api.new_licence() for _ in range(3)]
    paths = [f"/licences/{numbers[i % 3]}/balance?on=2024-12-31" for i in range(CONCURRENT_READS)]

    statuses = asyncio.run(_concurrent_reads(api, paths))

    assert statuses == [200] * CONCURRENT_READS
    log: AccessLog = api.app.state.access_log
    for number in numbers:
        rows = log.query(licence_number=number, limit=1_000)
        balance_reads = [r for r in rows if r.route == "/licences/{number}/balance" and r.role == "auditor"]
        assert len(balance_reads) == CONCURRENT_READS // 3, number


def test_a_read_whose_row_cannot_be_written_is_a_503_not_an_unlogged_answer(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = api.new_licence()

    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(api.app.state.access_log, "record_many", unavailable)
    answer = api.client.get(f"/licences/{number}/balance", headers=api.auth("auditor"))

    assert answer.status_code == 503, answer.text
    assert answer.json()["detail"][0]["loc"] == ["store"]
    assert "points" not in answer.text


def _consultation(number: str, status: int = 200) -> Consultation:
    return Consultation(datetime(2026, 1, 1, tzinfo=UTC), "auditor:test", "auditor", "0123456789abcdef", number,
                        "GET", "/licences/{number}/balance", status)


@pytest.mark.parametrize("durable", [True, False], ids=["durable", "synchronous-commit-off"])
def test_record_many_appends_every_row_in_order(any_store_url: str, durable: bool) -> None:
    log = AccessLog(storage_env(any_store_url))
    try:
        log.record_many([_consultation("A1"), _consultation("B2", 404), _consultation("A1", 403)], durable=durable)
        log.record_many([])

        rows = log.query()
    finally:
        log.close()
    assert [(r.licence_number, r.status) for r in rows] == [("A1", 200), ("B2", 404), ("A1", 403)]


@pytest.mark.parametrize("durable", [True, False], ids=["durable", "synchronous-commit-off"])
@pytest.mark.parametrize("count", [1, VALUES_ROWS, VALUES_ROWS + 1, 3 * VALUES_ROWS],
                         ids=["one", "as-values", "as-arrays", "many-as-arrays"])
def test_a_batch_of_any_size_is_appended_whole_with_its_empty_values(any_store_url: str, durable: bool,
                                                                     count: int) -> None:
    log = AccessLog(storage_env(any_store_url))
    batch = [replace(_consultation(f"N{i}", 200 + i), licence_number=None if i % 3 == 2 else f"N{i}")
             for i in range(count)]
    try:
        log.record_many(batch, durable=durable)
        log.record_many(batch[:1], durable=durable)  # the statement of another size, then this one again
        log.record_many(batch, durable=durable)
        rows = log.query(limit=1000)
    finally:
        log.close()
    expected = [(c.licence_number, c.status, c.at) for c in [*batch, batch[0], *batch]]
    assert [(r.licence_number, r.status, r.at) for r in rows] == expected


@pytest.mark.postgres
def test_an_append_without_durability_leaves_the_pooled_connection_as_it_found_it(pg_url: str) -> None:
    """`synchronous_commit = off` holds for the append's own transaction only: the next user of the pooled
    connection commits durably, and no transaction is left open, after a good append or a failed one."""
    from psycopg_pool import ConnectionPool

    env = storage_env(pg_url)
    ensure_postgres_schema(env)
    kwargs = {"dbname": env["POSTGRES_DBNAME"], "host": env["POSTGRES_HOST"], "port": int(env["POSTGRES_PORT"]),
              "user": env["POSTGRES_USER"], "password": env["POSTGRES_PASSWORD"] or None, "autocommit": True}
    with ConnectionPool(min_size=1, max_size=1, kwargs=kwargs) as pool:
        log = AccessLog(env, connection=pool.connection)
        log.record_many([_consultation("A1")], durable=False)
        with pytest.raises(Exception, match="invalid input syntax"):
            log.record_many([replace(_consultation("B2"), status="not a number")], durable=False)  # type: ignore[arg-type]
        with pool.connection() as conn:
            assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
            assert conn.info.transaction_status is TransactionStatus.IDLE
        assert [r.licence_number for r in log.query()] == ["A1"]


def test_closing_the_writer_commits_the_rows_already_queued(any_store_url: str) -> None:
    log = AccessLog(storage_env(any_store_url))
    writer = ReadLogWriter(log).start()

    async def reads() -> None:
        await asyncio.gather(*(writer.write(_consultation(f"N{i}")) for i in range(10)))

    try:
        asyncio.run(reads())
        writer.close()
        assert [r.licence_number for r in log.query()] == [f"N{i}" for i in range(10)]
        with pytest.raises(RuntimeError, match="closed"):
            asyncio.run(writer.write(_consultation("late")))
    finally:
        writer.close()
        log.close()
