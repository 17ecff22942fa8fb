"""PostgreSQL read model: every licence's balance timeline as intervals, for national queries.

Folding one licence is cheap (a fraction of a millisecond), but "every balance on date D" over forty million
licences is not. This read model stores, for each licence, the legal-mode fold (`projections.timeline`) as
intervals `(licence_number, valid_from, valid_to, balance, ceiling, status)`: consecutive days with the same
balance, ceiling and status are one row; `valid_to` is exclusive and NULL for the current interval; a first
interval from `date.min` says "not obtained yet". So "balance of L on D" is one index probe and "every balance
on D" is one scan of a small table, and both give exactly what `balance_as_of(record, D)` gives.

How it stays equal to the fold:
- **Catch-up** (`catch_up`): reads the application sequence after its tracking position, page by page; for
  the licences a page touches it reloads their whole streams, folds them and replaces their intervals; the
  intervals and the new position are written in one transaction, so a crash loses at most one page of work
  and the next run resumes from the position. Recomputing a licence from its whole stream makes it idempotent.
- **Rebuild** (`rebuild`): after a change of interpretation of the law, folds every stream into a new table
  and swaps it in atomically with its position (readers never see a half-built table); a crashed rebuild
  leaves the previous table in place. Streams are scanned in key order and can be split over processes.

Only the current knowledge is projected (no `known_at`): "as known at" questions fold on demand. See
docs/decisions/read-model.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_context
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Connection
from psycopg.sql import SQL, Composed, Identifier

from ledger.application import PointsLedger, record_from_events
from ledger.facts import LicenceRecord
from ledger.values import Mode, Status
from projections.timeline import Timeline, build_timeline

BEFORE_LICENCE = date.min  # valid_from of the "not obtained yet" interval
DEFAULT_NAME = "balance_intervals"
PAGE_SIZE = 5_000  # notifications per catch-up transaction
WRITE_EVERY = 2_000  # licences per COPY during a rebuild


@dataclass(frozen=True, slots=True)
class Interval:
    """The licence's legal balance, ceiling and status on every day of [valid_from, valid_to)."""

    licence_number: str
    valid_from: date
    valid_to: date | None  # exclusive; None: until further facts
    balance: int
    ceiling: int
    status: Status


@dataclass(frozen=True, slots=True)
class Progress:
    """What a catch-up or a rebuild did, and the position of the application sequence now reflected."""

    position: int
    events: int
    licences: int


def intervals_of(timeline: Timeline) -> list[Interval]:
    """The timeline's day states as intervals, merging consecutive days of equal balance, ceiling and status."""
    number = timeline.licence_number
    intervals: list[Interval] = []
    current = (BEFORE_LICENCE, 0, 0, Status.NOT_OBTAINED)
    for state in timeline.states:
        value = (state.balance, state.ceiling, state.status)
        if value == current[1:]:
            continue
        intervals.append(Interval(number, current[0], state.on, *current[1:]))
        current = (state.on, *value)
    intervals.append(Interval(number, current[0], None, *current[1:]))
    return intervals


def intervals_of_record(record: LicenceRecord) -> list[Interval]:
    """The legal-mode intervals of a licence's whole record (current knowledge)."""
    return intervals_of(build_timeline(record, Mode.LEGAL))


class BalanceReadModel:
    """The interval table of one ledger, its tracking position, and the queries it answers.

    Needs the ledger on PostgreSQL (the tables live in the ledger's schema, next to its events).
    """

    def __init__(self, ledger: PointsLedger, *, name: str = DEFAULT_NAME, page_size: int = PAGE_SIZE) -> None:
        recorder: Any = ledger.recorder
        if not isinstance(recorder, PostgresApplicationRecorder):
            raise ValueError("the balance read model needs the ledger on PostgreSQL")
        if not name.replace("_", "").isalnum():
            raise ValueError("name must be letters, digits and underscores")
        self.ledger = ledger
        self.name = name
        self.page_size = page_size
        self._datastore = recorder.datastore
        self._schema = Identifier(recorder.datastore.schema)
        self._events = SQL("{0}.{1}").format(self._schema, Identifier(recorder.events_table_name))
        self._intervals = self._table(name)
        self._tracking = self._table(f"{name}_tracking")

    def _table(self, name: str) -> Composed:
        return SQL("{0}.{1}").format(self._schema, Identifier(name))

    # -- tables ------------------------------------------------------------------------------------------

    def create_tables(self) -> None:
        """Create the interval and tracking tables if missing (position 0: nothing projected yet)."""
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(self._create_intervals(self._intervals, self.name))
            curs.execute(SQL("CREATE TABLE IF NOT EXISTS {0} (name text PRIMARY KEY, position bigint NOT NULL)")
                         .format(self._tracking))
            curs.execute(SQL("INSERT INTO {0} (name, position) VALUES (%s, 0) ON CONFLICT (name) DO NOTHING")
                         .format(self._tracking), (self.name,))

    @staticmethod
    def _create_intervals(table: Composed, name: str) -> Composed:
        return SQL(
            "CREATE TABLE IF NOT EXISTS {0} (licence_number text NOT NULL, valid_from date NOT NULL, "
            "valid_to date, balance smallint NOT NULL, ceiling smallint NOT NULL, status text NOT NULL, "
            "CONSTRAINT {1} PRIMARY KEY (licence_number, valid_from))"
        ).format(table, Identifier(f"{name}_pkey"))

    def drop_tables(self) -> None:
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DROP TABLE IF EXISTS {0}, {1}").format(self._intervals, self._tracking))

    def position(self) -> int:
        """The last notification id whose event is reflected in the table."""
        with self._datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT position FROM {0} WHERE name = %s").format(self._tracking), (self.name,))
            row = curs.fetchone()
        return int(row["position"]) if row else 0

    # -- queries -----------------------------------------------------------------------------------------

    def state_on(self, licence_number: str, day: date) -> Interval | None:
        """The interval covering `day` for the licence (None: the read model does not know the licence).

        One prepared statement on an autocommit connection: one round trip, one index probe.
        """
        with self._datastore.get_connection() as conn:
            row = conn.execute(SQL(
                "SELECT licence_number, valid_from, valid_to, balance, ceiling, status FROM {0} "
                "WHERE licence_number = %s AND valid_from <= %s ORDER BY valid_from DESC LIMIT 1"
            ).format(self._intervals), (licence_number, day), prepare=True).fetchone()
        return _interval(row) if row else None

    def balances_on(self, day: date, *, fetch: int = 10_000) -> Iterator[Interval]:
        """Every licence's interval covering `day`, in licence-number order (streamed, server-side cursor)."""
        with self._datastore.get_connection() as conn, conn.transaction(), conn.cursor(name="balances_on") as curs:
            conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")  # the caller sets the pace
            curs.itersize = fetch
            curs.execute(SQL(
                "SELECT licence_number, valid_from, valid_to, balance, ceiling, status FROM {0} "
                "WHERE valid_from <= %s AND (valid_to IS NULL OR valid_to > %s) ORDER BY licence_number"
            ).format(self._intervals), (day, day))
            for row in curs:
                yield _interval(row)

    # -- catch-up ----------------------------------------------------------------------------------------

    def catch_up(self, max_pages: int | None = None) -> Progress:
        """Project every event after the tracking position (at most `max_pages` pages of `page_size`)."""
        events = licences = pages = 0
        position = self.position()
        while max_pages is None or pages < max_pages:
            page = self.ledger.recorder.select_notifications(position + 1, self.page_size)
            if not page:
                break
            streams = sorted({n.originator_id for n in page}, key=str)
            intervals = [i for record in self._records(streams) for i in intervals_of_record(record)]
            numbers = sorted({i.licence_number for i in intervals})
            with self._datastore.get_connection() as conn, conn.transaction():
                self._advance(conn, position, page[-1].id)
                conn.execute(SQL("DELETE FROM {0} WHERE licence_number = ANY(%s)").format(self._intervals),
                             (numbers,))
                _copy_intervals(conn, self._intervals, intervals)
            position = page[-1].id
            events += len(page)
            licences += len(numbers)
            pages += 1
        return Progress(position, events, licences)

    def _advance(self, conn: Connection[Any], expected: int, to: int) -> None:
        """Move the position from `expected` to `to`, refusing if another runner moved it meanwhile."""
        row = conn.execute(SQL("SELECT position FROM {0} WHERE name = %s FOR UPDATE").format(self._tracking),
                           (self.name,)).fetchone()
        if row is None or int(row["position"]) != expected:
            raise RuntimeError(f"read model {self.name!r}: another runner moved the position "
                               f"(expected {expected}, found {row['position'] if row else None})")
        conn.execute(SQL("UPDATE {0} SET position = %s WHERE name = %s").format(self._tracking), (to, self.name))

    def _records(self, streams: Sequence[UUID | str]) -> Iterator[LicenceRecord]:
        """The whole records of `streams`, read in one query."""
        with self._datastore.transaction(commit=False) as curs:
            # One index probe per stream: `= ANY(…)` may be planned as a scan of the whole table.
            curs.execute(SQL(
                "SELECT e.originator_id, e.originator_version, e.topic, e.state FROM unnest(%s::{1}[]) AS ids(id), "
                "LATERAL (SELECT originator_id, originator_version, topic, state FROM {0} "
                "WHERE originator_id = ids.id) AS e ORDER BY e.originator_id, e.originator_version"
            ).format(self._events, SQL(self._datastore.originator_id_type)), (list(streams),))
            rows = curs.fetchall()
        yield from _fold_rows(self.ledger, rows)

    # -- rebuild -----------------------------------------------------------------------------------------

    def rebuild(self, workers: int = 1) -> Progress:
        """Fold every stream into a new table, then swap it in with the position it reflects.

        With `workers` > 1 the streams are split into that many id ranges, each folded by its own process
        (the fold is CPU-bound Python: processes, not threads).
        """
        self.create_tables()
        building = f"{self.name}_building"
        table = self._table(building)
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DROP TABLE IF EXISTS {0}").format(table))
            curs.execute(self._create_intervals(table, building))
            curs.execute(SQL("SELECT coalesce(max(notification_id), 0) AS max_id FROM {0}").format(self._events))
            row = curs.fetchone()
        max_id = int(row["max_id"]) if row else 0
        ranges = split_streams(workers)
        if workers == 1:
            counts = [rebuild_range(self.ledger, building, low, high, max_id) for low, high in ranges]
        else:
            env = dict(self.ledger.env)
            jobs = [(env, building, low, high, max_id) for low, high in ranges]
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
                counts = list(pool.map(_rebuild_range_in_process, jobs))
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DROP TABLE IF EXISTS {0}").format(self._intervals))
            curs.execute(SQL("ALTER TABLE {0} RENAME TO {1}").format(table, Identifier(self.name)))
            curs.execute(SQL("ALTER TABLE {0} RENAME CONSTRAINT {1} TO {2}").format(
                self._intervals, Identifier(f"{building}_pkey"), Identifier(f"{self.name}_pkey")))
            curs.execute(SQL("UPDATE {0} SET position = %s WHERE name = %s").format(self._tracking),
                         (max_id, self.name))
        return Progress(max_id, sum(c[0] for c in counts), sum(c[1] for c in counts))


def split_streams(parts: int) -> list[tuple[UUID | None, UUID | None]]:
    """`parts` contiguous ranges of stream ids covering every id (None: unbounded)."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    bounds: list[UUID | None] = [None]
    bounds += [UUID(int=(k << 128) // parts) for k in range(1, parts)]
    bounds.append(None)
    return list(itertools.pairwise(bounds))


def _rebuild_range_in_process(job: tuple[dict[str, str], str, UUID | None, UUID | None, int]) -> tuple[int, int]:
    env, table_name, low, high, max_id = job
    # The tables exist: creating them again from several processes at once races on the catalog.
    ledger = PointsLedger({**env, "CREATE_TABLE": "n"})
    try:
        return rebuild_range(ledger, table_name, low, high, max_id)
    finally:
        ledger.close()


def rebuild_range(ledger: PointsLedger, table_name: str, low: UUID | None, high: UUID | None,
                  max_id: int) -> tuple[int, int]:
    """Fold the streams with `low <= id < high` (events up to `max_id`) into `table_name`; (events, licences).

    Events with an id up to `max_id` are all committed and never change (ids follow commit order under the
    recorder's table lock), so ranges can be folded by separate processes without sharing a snapshot.
    """
    recorder: Any = ledger.recorder
    datastore = recorder.datastore
    schema = Identifier(datastore.schema)
    events_table = SQL("{0}.{1}").format(schema, Identifier(recorder.events_table_name))
    target = SQL("{0}.{1}").format(schema, Identifier(table_name))
    where = [SQL("notification_id <= %s")]
    params: list[Any] = [max_id]
    if low is not None:
        where.append(SQL("originator_id >= %s"))
        params.append(low)
    if high is not None:
        where.append(SQL("originator_id < %s"))
        params.append(high)
    query = SQL("SELECT originator_id, originator_version, topic, state FROM {0} WHERE {1} "
                "ORDER BY originator_id, originator_version").format(events_table, SQL(" AND ").join(where))
    events = licences = 0
    pending: list[Interval] = []
    with datastore.get_connection() as reader, reader.transaction(), \
            reader.cursor(name=f"rebuild_{table_name}") as curs:
        # The reader's transaction stays open while the rows are folded: lift the pool's idle timeout for it.
        reader.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        curs.itersize = 20_000
        curs.execute(query, params)
        stream: list[Any] = []
        for row in curs:
            if stream and row["originator_id"] != stream[0]["originator_id"]:
                pending.extend(_intervals_of_rows(ledger, stream))
                licences += 1
                stream = []
                if licences % WRITE_EVERY == 0:
                    _write(datastore, target, pending)
                    pending = []
            stream.append(row)
            events += 1
        if stream:
            pending.extend(_intervals_of_rows(ledger, stream))
            licences += 1
    _write(datastore, target, pending)
    return events, licences


def _intervals_of_rows(ledger: PointsLedger, rows: Sequence[Any]) -> list[Interval]:
    return intervals_of_record(record_from_events([ledger.mapper.to_domain_event(_stored(r)) for r in rows]))


def _fold_rows(ledger: PointsLedger, rows: Iterable[Any]) -> Iterator[LicenceRecord]:
    """Group rows (ordered by stream, then version) into streams and turn each into its record."""
    stream: list[Any] = []
    for row in rows:
        if stream and row["originator_id"] != stream[0]["originator_id"]:
            yield record_from_events([ledger.mapper.to_domain_event(_stored(r)) for r in stream])
            stream = []
        stream.append(row)
    if stream:
        yield record_from_events([ledger.mapper.to_domain_event(_stored(r)) for r in stream])


def _stored(row: Any) -> StoredEvent:
    return StoredEvent(originator_id=row["originator_id"], originator_version=row["originator_version"],
                       topic=row["topic"], state=bytes(row["state"]))


def _write(datastore: Any, table: Composed, intervals: Sequence[Interval]) -> None:
    if not intervals:
        return
    with datastore.get_connection() as conn, conn.transaction():
        _copy_intervals(conn, table, intervals)


def _copy_intervals(conn: Connection[Any], table: Composed, intervals: Sequence[Interval]) -> None:
    if not intervals:
        return
    statement = SQL("COPY {0} (licence_number, valid_from, valid_to, balance, ceiling, status) "
                    "FROM STDIN (FORMAT BINARY)").format(table)
    with conn.cursor() as curs, curs.copy(statement) as copy:
        copy.set_types(["text", "date", "date", "int2", "int2", "text"])
        for i in intervals:
            copy.write_row((i.licence_number, i.valid_from, i.valid_to, i.balance, i.ceiling, i.status.value))


def _interval(row: Any) -> Interval:
    return Interval(row["licence_number"], row["valid_from"], row["valid_to"], int(row["balance"]),
                    int(row["ceiling"]), Status(row["status"]))
