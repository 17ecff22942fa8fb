"""The ledger's PostgreSQL sessions run without JIT compilation (`ledger.storage.configure_sessions`).

Right after a bulk import the planner's statistics lag behind the table, its estimate of a one-licence read is
huge, and PostgreSQL compiled the plan: 140 ms of compiling for 10 ms of reading (docs/decisions/0062-no-jit.md).
"""

from __future__ import annotations

from eventsourcing.postgres import PostgresFactory
from eventsourcing.sqlite import SQLiteFactory
from eventsourcing.utils import Environment

from ledger.application import PointsLedger
from ledger.bulk_import import BulkImporter
from ledger.facts import LicenceRecord
from ledger.licence import licence_id
from ledger.storage import SESSION_OPTIONS, configure_sessions, storage_env
from tests.ledger.builders import a_licence, an_offence


def _settings(ledger: PointsLedger, name: str) -> list[str]:
    """`name` as seen by two connections of the ledger's pool held at once (so they are two sessions)."""
    pool = ledger.recorder.datastore.pool  # type: ignore[attr-defined]
    with pool.connection() as first, pool.connection() as second:
        return [str(conn.execute(f"SHOW {name}").fetchone()[name]) for conn in (first, second)]


def test_every_connection_of_the_ledgers_pool_has_jit_off(pg_url: str) -> None:
    ledger = PointsLedger(storage_env(pg_url))
    try:
        assert _settings(ledger, "jit") == ["off", "off"]
    finally:
        ledger.close()


def test_a_read_right_after_a_bulk_import_is_not_compiled(pg_url: str) -> None:
    """The plan of the write path's read, explained on the ledger's own connection, shows no JIT section,
    whatever the (absent) statistics of the freshly imported table make the planner estimate."""
    ledger = PointsLedger(storage_env(pg_url))
    try:
        licence = a_licence()
        BulkImporter(ledger).run([LicenceRecord(licence, (an_offence(),))])
        path = ledger._append
        assert path is not None
        with ledger.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            conn.execute("SET jit_above_cost = 0")  # any plan would be compiled, were JIT on
            plan = conn.execute(b"EXPLAIN (ANALYZE) " + path.select_events.replace(b"%b", b"%s"),
                                ([licence_id(licence.licence_number)],)).fetchall()
            conn.execute("RESET jit_above_cost")
        lines = [str(next(iter(row.values()))) for row in plan]
        assert lines and not any(line.startswith("JIT") for line in lines)
    finally:
        ledger.close()


def test_options_already_given_to_the_pool_are_kept(pg_url: str) -> None:
    factory = PostgresFactory(Environment("PointsLedger", storage_env(pg_url)))
    factory.datastore.pool.kwargs["options"] = "-c statement_timeout=5000"
    configure_sessions(factory)
    try:
        assert factory.datastore.pool.kwargs["options"] == f"-c statement_timeout=5000 {SESSION_OPTIONS}"
    finally:
        factory.close()


def test_a_store_that_is_not_postgresql_is_left_as_it_is(sqlite_url: str) -> None:
    """SQLite has no JIT; its factory and its connections are the library's."""
    factory = SQLiteFactory(Environment("PointsLedger", storage_env(sqlite_url)))
    before = dict(vars(factory.datastore))
    configure_sessions(factory)
    try:
        assert vars(factory.datastore) == before
    finally:
        factory.close()
