"""The store option `partitions=N` (docs/decisions/0042-partitions.md): N hash partitions of the events table and
of its hash chain, each stream's rows in the partition of its hash, the notifications still one gap-free
sequence in commit order, and a store never opened with another partition count than it was created with."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ledger.application import PointsLedger
from ledger.errors import InvalidFact
from ledger.storage import storage_env
from ledger.table_layout import StoreLayoutMismatch
from projections.balance import balance_as_of
from projections.read_model import BalanceReadModel
from tests.conftest import POSTGRES_DSN, StoreFactory
from tests.ledger.builders import a_licence, an_offence
from tests.partitions.conftest import PARTITIONS, partitioned

pytestmark = pytest.mark.postgres
COMMAND = str(Path(sys.executable).with_name("points-ledger"))
LICENCES = 40


def schema_of(url: str) -> str:
    return url.split("schema=", 1)[1].split("&", 1)[0]


def unpartitioned(url: str) -> str:
    return url.split("&partitions=", 1)[0]


def catalogue(sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(POSTGRES_DSN) as conn:
        return conn.execute(sql, params).fetchall()


def numbers(count: int) -> list[str]:
    return [f"PART{i:06d}" for i in range(count)]


@pytest.fixture
def filled(pg_url: str) -> Iterator[PointsLedger]:
    """A partitioned ledger with LICENCES licences of two events each."""
    ledger = PointsLedger(storage_env(pg_url))
    for number in numbers(LICENCES):
        ledger.create_licence(a_licence(number))
        ledger.record(number, an_offence(evidence_ref=f"PV-{number}"))
    yield ledger
    ledger.close()


def test_a_partitioned_store_has_n_hash_partitions_of_its_events_and_of_its_chain(pg_url: str) -> None:
    PointsLedger(storage_env(pg_url)).close()
    rows = catalogue("SELECT parent.relname, count(*), array_agg(pg_get_expr(child.relpartbound, child.oid)) "
                     "FROM pg_inherits JOIN pg_class AS parent ON parent.oid = inhparent "
                     "JOIN pg_class AS child ON child.oid = inhrelid JOIN pg_namespace AS n "
                     "ON n.oid = parent.relnamespace WHERE n.nspname = %s AND parent.relkind = 'p' "
                     "GROUP BY parent.relname ORDER BY 1", schema_of(pg_url))
    assert [(table, count) for table, count, _ in rows] == [
        ("pointsledger_events", PARTITIONS), ("pointsledger_events_chain", PARTITIONS)]
    every_remainder = {f"FOR VALUES WITH (modulus {PARTITIONS}, remainder {r})" for r in range(PARTITIONS)}
    assert all(set(bounds) == every_remainder for _, _, bounds in rows)


def test_every_event_and_its_chain_row_land_in_the_partition_of_their_stream(filled: PointsLedger,
                                                                             pg_url: str) -> None:
    schema = schema_of(pg_url)
    placed = catalogue(
        f'SELECT e.originator_id, e.tableoid::regclass::text, c.tableoid::regclass::text, '
        f"satisfies_hash_partition('\"{schema}\".pointsledger_events'::regclass, %s, "
        f"right(e.tableoid::regclass::text, 2)::int, e.originator_id) "
        f'FROM "{schema}".pointsledger_events AS e JOIN "{schema}".pointsledger_events_chain AS c '
        "USING (originator_id, originator_version)", PARTITIONS)
    assert len(placed) == 2 * LICENCES
    assert all(in_its_partition for *_, in_its_partition in placed)
    assert all(events[-3:] == chain[-3:] for _, events, chain, _ in placed)  # the same remainder
    used = {events for _, events, _, _ in placed}
    assert len(used) > 1, "forty streams in one partition: the rows were not spread"


def test_notifications_are_read_in_commit_order_across_partitions_without_gap(pg_url: str) -> None:
    ledger = PointsLedger(storage_env(pg_url, pool_size=4))
    try:
        def open_and_record(number: str) -> None:
            ledger.create_licence(a_licence(number))
            ledger.record(number, an_offence(evidence_ref=f"PV-{number}"))

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(open_and_record, numbers(LICENCES)))
        one_by_one = [n for start in range(1, 2 * LICENCES + 1)
                      for n in ledger.recorder.select_notifications(start, 1)]
        whole = list(ledger.recorder.select_notifications(1, 10 * LICENCES))
    finally:
        ledger.close()
    ids = [n.id for n in whole]
    assert ids == list(range(1, 2 * LICENCES + 1))
    assert [(n.id, n.originator_id, n.originator_version) for n in one_by_one] == [
        (n.id, n.originator_id, n.originator_version) for n in whole]
    first_of = {n.originator_id: n.id for n in whole if n.originator_version == 1}
    assert all(first_of[n.originator_id] < n.id for n in whole if n.originator_version == 2)


def test_the_read_model_catches_up_across_partitions_and_answers_as_the_fold(filled: PointsLedger) -> None:
    model = BalanceReadModel(filled, page_size=7)  # pages cut across streams and partitions
    model.create_tables()
    progress = model.catch_up()
    assert progress.position == 2 * LICENCES and model.status().lag == 0
    day = date(2024, 1, 1)
    for number in numbers(LICENCES):
        expected = balance_as_of(filled.get_record(number), day, with_forecast=False)
        found = model.state_on(number, day)
        assert found is not None and (found.balance, found.status) == (expected.points, expected.status), number


@pytest.mark.parametrize("created, opened", [(PARTITIONS, 0), (0, PARTITIONS), (PARTITIONS, 4)],
                         ids=["partitioned-opened-plain", "plain-opened-partitioned", "8-opened-with-4"])
def test_a_store_opened_with_another_partition_count_is_refused_and_left_untouched(
    new_store_url: StoreFactory, created: int, opened: int
) -> None:
    url = unpartitioned(new_store_url("postgresql"))
    PointsLedger(storage_env(partitioned(url, created) if created else url)).close()
    with pytest.raises(StoreLayoutMismatch, match=f"created with {created or 'no'} .*partitions") as refused:
        PointsLedger(storage_env(partitioned(url, opened) if opened else url))
    fix = f"add partitions={created}" if created else "remove partitions="
    assert fix in str(refused.value)
    assert catalogue("SELECT count(*) FROM pg_inherits JOIN pg_class ON pg_class.oid = inhparent "
                     "JOIN pg_namespace AS n ON n.oid = relnamespace WHERE n.nspname = %s "
                     "AND relname = 'pointsledger_events'", schema_of(url)) == [(created,)]


def test_the_command_line_refuses_a_mismatched_store_in_one_line_without_traceback(pg_url: str,
                                                                                  tmp_path: Path) -> None:
    PointsLedger(storage_env(pg_url)).close()
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": unpartitioned(pg_url), "COLUMNS": "200"}
    done = subprocess.run([COMMAND, "verify"], capture_output=True, text=True, env=env, cwd=tmp_path,
                          check=False, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"add partitions={PARTITIONS} to the URL" in lines[0], done.stderr


def test_verify_and_read_model_commands_work_on_a_partitioned_store(filled: PointsLedger, pg_url: str,
                                                                   tmp_path: Path) -> None:
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": pg_url, "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([COMMAND, *args], capture_output=True, text=True, env=env, cwd=tmp_path,
                              check=False, timeout=240)

    verified = run("verify")
    caught = run("read-model", "catch-up")
    status = run("read-model", "status")
    assert verified.returncode == 0, verified.stderr
    assert caught.returncode == 0, caught.stderr
    assert status.returncode == 0 and "lag 0" in " ".join(status.stdout.split()), status.stdout + status.stderr


@pytest.mark.parametrize("value", ["0", "-1", "eight", "1025", "2.5"])
def test_a_partition_count_that_is_not_a_whole_number_from_1_to_1024_is_refused(value: str) -> None:
    with pytest.raises(InvalidFact, match="partitions must be a whole number from 1 to 1024") as refused:
        storage_env(f"{POSTGRES_DSN}?schema=never_created&partitions={value}")
    assert refused.value.field == "database_url"


def test_partitions_on_a_sqlite_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidFact, match="PostgreSQL stores only"):
        storage_env(f"sqlite:///{tmp_path / 'ledger.sqlite'}?partitions=8")
