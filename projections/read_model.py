"""PostgreSQL read model: every licence's balance timeline as intervals, for national queries.

Folding one licence is cheap (a fraction of a millisecond), but "every balance on date D" over forty million
licences is not. This read model stores, for each licence, the legal-mode fold (`projections.timeline`) as
intervals `(licence_number, valid_from, valid_to, balance, ceiling, status, adm_balance, adm_status,
last_movement, last_fact_id)` (`projections.intervals`): consecutive days with the same legal and administrative
state and the same last legal movement are one row; `valid_to` is exclusive and NULL for the current interval; a first
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
docs/decisions/0007-read-model.md and 0040-reads-from-the-read-model.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from psycopg import Connection
from psycopg.sql import SQL, Composable, Composed, Identifier

from ledger.application import PointsLedger
from ledger.events_table import is_postgres, streams_after
from ledger.fact_index import FactIndex
from ledger.facts import LicenceRecord
from ledger.values import LetterCode, Mode, Status
from projections.intervals import (
    BEFORE_LICENCE,
    COLUMNS,
    SELECT_COLUMNS,
    Interval,
    interval_of_row,
    intervals_of,
    intervals_of_record,
)
from projections.intervals import copy_intervals as _copy_intervals
from projections.read_model_rebuild import (
    PartitionJob,
    PartitionRunner,
    local_runner,
    process_runner,
    split_streams,
)

__all__ = ["BEFORE_LICENCE", "COLUMNS", "Interval", "intervals_of", "intervals_of_record", "split_streams"]

DEFAULT_NAME = "balance_intervals"
PAGE_SIZE = 5_000  # notifications per catch-up transaction
ANALYZE_AFTER = 10_000  # events projected by one catch-up after which the statistics are refreshed
ZERO_INDEX = "_zero_by_licence"  # suffix of the partial indexes of the intervals at 0 (before 2026-12-03: "_zero",
#                                 on valid_from alone; `create_tables` replaces those)


@dataclass(frozen=True, slots=True)
class ReadModelStatus:
    """Where the read model is: the last notification it reflects, the ledger's last one, and the lag."""

    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return read_model_lag(self.position, self.head)

    @property
    def current(self) -> bool:
        return self.lag == 0


def read_model_lag(position: int, head: int) -> int:
    """Events recorded but not yet reflected by a read model at `position` when the ledger is at `head`."""
    return max(0, head - position)


@dataclass(frozen=True, slots=True)
class Progress:
    """What a catch-up or a rebuild did, and the position of the application sequence now reflected."""

    position: int
    events: int
    licences: int
    partitions_done: int = 0  # a rebuild's partitions folded so far, out of `partitions`
    partitions: int = 0

class BalanceReadModel:
    """The interval table of one ledger, its tracking position, and the queries it answers.

    Needs the ledger on PostgreSQL (the tables live in the ledger's schema, next to its events).
    """

    def __init__(self, ledger: PointsLedger, *, name: str = DEFAULT_NAME, page_size: int = PAGE_SIZE) -> None:
        recorder: Any = ledger.recorder
        if not is_postgres(recorder):
            raise ValueError("the balance read model needs the ledger on PostgreSQL")
        if not name.replace("_", "").isalnum():
            raise ValueError("name must be letters, digits and underscores")
        self.ledger = ledger
        self.name = name
        self.page_size = page_size
        self._datastore = recorder.datastore
        self._schema = Identifier(recorder.datastore.schema)
        self._intervals = self._table(name)
        self._tracking = self._table(f"{name}_tracking")

    def _table(self, name: str) -> Composed:
        return SQL("{0}.{1}").format(self._schema, Identifier(name))

    # -- tables ------------------------------------------------------------------------------------------

    def create_tables(self) -> None:
        """Create the interval and tracking tables if missing (position 0: nothing projected yet).

        A table of an older shape (without the administrative columns) is dropped and its position reset to
        0: the next catch-up projects everything again rather than mixing rows of two shapes. When both tables are
        already there in their current shape nothing is locked: DDL run while a catch-up holds the tracking row
        would wait for it while holding a lock that catch-up needs (a deadlock seen between `status` and the
        service's background catch-up).
        """
        with self._datastore.transaction(commit=False) as curs:
            if self._tables_current(curs):
                return
        with self._datastore.transaction(commit=True) as curs:
            # Two processes creating the same tables at once race on the catalog: one at a time; and the one that
            # waited finds them made (and maybe a catch-up under way): it must not run DDL then.
            curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{self._datastore.schema}.{self.name}",))
            if self._tables_current(curs):
                return
            curs.execute("SELECT 1 FROM information_schema.tables t WHERE t.table_schema = %s AND t.table_name = %s "
                         "AND NOT EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = "
                         "t.table_schema AND c.table_name = t.table_name AND c.column_name = 'adm_balance')",
                         (self._datastore.schema, self.name))
            outdated = curs.fetchone() is not None
            if outdated:
                curs.execute(SQL("DROP TABLE {0}").format(self._intervals))
            curs.execute(self._create_intervals(self._intervals, self.name))
            for statement in self._zero_indexes(self._intervals, self.name):
                curs.execute(statement)
            for column in ("balance", "adm_balance"):  # the indexes of before paging (valid_from alone)
                curs.execute(SQL("DROP INDEX IF EXISTS {0}.{1}").format(self._schema,
                                                                        Identifier(f"{self.name}_{column}_zero")))
            curs.execute(SQL("CREATE TABLE IF NOT EXISTS {0} (name text PRIMARY KEY, position bigint NOT NULL)")
                         .format(self._tracking))
            curs.execute(SQL("INSERT INTO {0} (name, position) VALUES (%s, 0) ON CONFLICT (name) DO NOTHING")
                         .format(self._tracking), (self.name,))
            if outdated:
                curs.execute(SQL("UPDATE {0} SET position = 0 WHERE name = %s").format(self._tracking), (self.name,))

    def _tables_current(self, curs: Any) -> bool:
        """Are the interval table (with its administrative columns) and the tracking row there? (no lock taken)"""
        curs.execute("SELECT to_regclass(%s) AS t", (f'"{self._datastore.schema}"."{self.name}_tracking"',))
        row = curs.fetchone()
        if row is None or row["t"] is None:
            return False
        curs.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
                     "AND column_name = 'adm_balance'", (self._datastore.schema, self.name))
        if curs.fetchone() is None:
            return False
        curs.execute("SELECT to_regclass(%s) AS i", (f'"{self._datastore.schema}"."{self.name}_balance{ZERO_INDEX}"',))
        row = curs.fetchone()
        if row is None or row["i"] is None:
            return False
        curs.execute(SQL("SELECT 1 FROM {0} WHERE name = %s").format(self._tracking), (self.name,))
        return curs.fetchone() is not None

    @staticmethod
    def _create_intervals(table: Composed, name: str, *, keyed: bool = True) -> Composed:
        """The interval table; `keyed=False` leaves out the primary key (`_primary_key` adds it after a bulk load)."""
        key = SQL(", ") + BalanceReadModel._key(name)
        return SQL(
            "CREATE TABLE IF NOT EXISTS {0} (licence_number text NOT NULL, valid_from date NOT NULL, "
            "valid_to date, balance smallint NOT NULL, ceiling smallint NOT NULL, status text NOT NULL, "
            "adm_balance smallint NOT NULL, adm_status text NOT NULL, last_movement text, last_fact_id text{1})"
        ).format(table, key if keyed else SQL(""))

    @staticmethod
    def _key(name: str) -> Composed:
        """The table's primary key: one interval per licence and first day."""
        return SQL("CONSTRAINT {0} PRIMARY KEY (licence_number, valid_from)").format(Identifier(f"{name}_pkey"))

    @staticmethod
    def _primary_key(table: Composed, name: str) -> Composed:
        return SQL("ALTER TABLE {0} ADD {1}").format(table, BalanceReadModel._key(name))

    @staticmethod
    def _zero_indexes(table: Composed, name: str) -> list[Composed]:
        """Partial indexes of the intervals at 0 points (legal, administrative), in licence-number order (byte
        order, `COLLATE "C"`, Python's order of `str`): the zero-balance report reads only those, however many
        licences have points, and a page of it walks the index from the previous page's last licence and stops
        at the page's size (`at_zero_page`), however many licences are at 0."""
        return [SQL('CREATE INDEX IF NOT EXISTS {0} ON {1} (licence_number COLLATE "C", valid_from) WHERE {2} = 0')
                .format(Identifier(f"{name}_{column}{ZERO_INDEX}"), table, Identifier(column))
                for column in ("balance", "adm_balance")]

    def drop_tables(self) -> None:
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DROP TABLE IF EXISTS {0}, {1}").format(self._intervals, self._tracking))

    def position(self) -> int:
        """The last notification id whose event is reflected in the table."""
        with self._datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT position FROM {0} WHERE name = %s").format(self._tracking), (self.name,))
            row = curs.fetchone()
        return int(row["position"]) if row else 0

    def head(self) -> int:
        """The ledger's last notification id (0: empty)."""
        return int(self.ledger.recorder.max_notification_id() or 0)

    def status(self) -> ReadModelStatus:
        """The position, the ledger's head and the lag between them (the tables are created if missing)."""
        self.create_tables()
        return ReadModelStatus(self.name, self.position(), self.head())

    def streams_after(self, position: int, limit: int, head: int | None = None) -> set[UUID] | None:
        """The streams with an event after `position` (what the read model at `position` does not reflect) up
        to `head` if known, or None when there are more than `limit` of them (the caller then folds everything)."""
        return streams_after(self.ledger.recorder, position, limit, head)

    # -- queries -----------------------------------------------------------------------------------------

    def states_at(self, pairs: Sequence[tuple[str, date]]) -> dict[tuple[str, date], Interval]:
        """The interval covering each (licence, day) pair, in one statement (one index probe per pair); a pair
        whose licence the read model does not hold is absent."""
        if not pairs:
            return {}
        with self._datastore.get_connection() as conn:
            rows = conn.execute(SQL(
                "SELECT q.day AS asked_on, i.* FROM unnest(%s::text[], %s::date[]) AS q(number, day) "
                "CROSS JOIN LATERAL (SELECT {1} FROM {0} WHERE licence_number = q.number AND valid_from <= q.day "
                "ORDER BY valid_from DESC LIMIT 1) AS i"
            ).format(self._intervals, SELECT_COLUMNS), ([p[0] for p in pairs], [p[1] for p in pairs])).fetchall()
        return {(row["licence_number"], row["asked_on"]): interval_of_row(row) for row in rows}

    def at_zero_page(self, day: date, mode: Mode, *, after: str = "", limit: int = 100) -> list[str]:
        """At most `limit` licences at 0 in `mode` at the end of `day` whose numbers come after `after`, in
        licence-number order: one walk of the partial index from `after`, stopped after `limit` matches, so a
        page costs the same at 10 k licences as at 40 M (for a like share of intervals at 0 covering `day`)."""
        column = Identifier("balance" if mode is Mode.LEGAL else "adm_balance")
        status = Identifier("status" if mode is Mode.LEGAL else "adm_status")
        with self._datastore.get_connection() as conn:
            rows = conn.execute(SQL(
                'SELECT licence_number FROM {0} WHERE {1} = 0 AND licence_number COLLATE "C" > %s '
                "AND valid_from <= %s AND (valid_to IS NULL OR valid_to > %s) AND {2} <> 'not_obtained' "
                'ORDER BY licence_number COLLATE "C" LIMIT %s'
            ).format(self._intervals, column, status), (after, day, day, limit)).fetchall()
        return [row["licence_number"] for row in rows]

    def void_48si_candidates(self, index: FactIndex, since: date | None, until: date | None, *, after: str = "",
                             limit: int = 100) -> list[str]:
        """At most `limit` licences after `after` (licence-number order) with a lettre 48SI notified in
        [since, until] on a day that did not end with the legal licence invalidated at 0 — the only days on which
        a 48SI can be void (rules A.6: a void letter changes nothing, an effective one invalidates that day, and
        a repeated one finds the licence invalidated already). A licence the read model does not hold is kept.
        One walk of the fact index's `by_letter_licence` index from `after`, one probe of the intervals per
        letter: most 48SI letters are effective, and the contestable report folds only what this returns."""
        with self._datastore.get_connection() as conn:
            rows = conn.execute(SQL(
                'SELECT DISTINCT f.licence_number COLLATE "C" AS licence_number FROM {1} AS f WHERE '
                'f.letter_code = %s AND f.licence_number COLLATE "C" > %s '
                "AND f.notified_on >= coalesce(%s, '-infinity'::date) AND f.notified_on <= "
                "coalesce(%s, 'infinity'::date) AND NOT EXISTS (SELECT 1 FROM (SELECT status, balance FROM {0} AS i "
                "WHERE i.licence_number = f.licence_number AND i.valid_from <= f.notified_on "
                "ORDER BY i.valid_from DESC LIMIT 1) AS ended WHERE ended.status = %s AND ended.balance = 0) "
                "ORDER BY 1 LIMIT %s"
            ).format(self._intervals, index.table),
                (LetterCode.L48SI.value, after, since, until, Status.INVALIDATED.value, limit)).fetchall()
        return [row["licence_number"] for row in rows]

    def state_on(self, licence_number: str, day: date) -> Interval | None:
        """The interval covering `day` for the licence (None: the read model does not know the licence).

        One prepared statement on an autocommit connection: one round trip, one index probe.
        """
        with self._datastore.get_connection() as conn:
            row = conn.execute(SQL(
                "SELECT {1} FROM {0} "
                "WHERE licence_number = %s AND valid_from <= %s ORDER BY valid_from DESC LIMIT 1"
            ).format(self._intervals, SELECT_COLUMNS), (licence_number, day), prepare=True).fetchone()
        return interval_of_row(row) if row else None

    def balances_on(self, day: date, *, fetch: int = 10_000) -> Iterator[Interval]:
        """Every licence's interval covering `day`, in licence-number order (streamed, server-side cursor)."""
        with self._datastore.get_connection() as conn, conn.transaction(), conn.cursor(name="balances_on") as curs:
            conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")  # the caller sets the pace
            curs.itersize = fetch
            curs.execute(SQL(
                "SELECT {1} FROM {0} "
                "WHERE valid_from <= %s AND (valid_to IS NULL OR valid_to > %s) ORDER BY licence_number"
            ).format(self._intervals, SELECT_COLUMNS), (day, day))
            for row in curs:
                yield interval_of_row(row)

    # -- catch-up ----------------------------------------------------------------------------------------

    def catch_up(self, max_pages: int | None = None) -> Progress:
        """Project every event after the tracking position (at most `max_pages` pages of `page_size`)."""
        events = licences = pages = 0
        position = self.position()
        while max_pages is None or pages < max_pages:
            page = self.ledger.recorder.select_notifications(position + 1, self.page_size)
            if not page:
                break
            streams = sorted({UUID(str(n.originator_id)) for n in page}, key=str)
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
        if events >= ANALYZE_AFTER:
            self._analyze(self._intervals)
        return Progress(position, events, licences)

    def _analyze(self, table: Composable) -> None:
        """Refresh the planner's statistics of `table` after a bulk catch-up or a rebuild: autovacuum does it only
        once it notices the change, and until then the planner believes the table nearly empty (the fact index's
        audit pages sorted every letter of the ledger for 100 rows, `ledger.fact_index.FactIndex.analyze`)."""
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(SQL("ANALYZE {0}").format(table))

    def _advance(self, conn: Connection[Any], expected: int, to: int) -> None:
        """Move the position from `expected` to `to`, refusing if another runner moved it meanwhile."""
        row = conn.execute(SQL("SELECT position FROM {0} WHERE name = %s FOR UPDATE").format(self._tracking),
                           (self.name,)).fetchone()
        if row is None or int(row["position"]) != expected:
            raise RuntimeError(f"read model {self.name!r}: another runner moved the position "
                               f"(expected {expected}, found {row['position'] if row else None})")
        conn.execute(SQL("UPDATE {0} SET position = %s WHERE name = %s").format(self._tracking), (to, self.name))

    def _records(self, streams: Sequence[UUID]) -> Iterator[LicenceRecord]:
        """The whole records of `streams`, read in one query."""
        records = self.ledger.records_of_streams(streams)
        yield from (records[stream] for stream in streams if stream in records)

    # -- rebuild -----------------------------------------------------------------------------------------

    def rebuild(self, workers: int = 1, *, partitions: int | None = None, runner: PartitionRunner | None = None,
                on_partition: Callable[[Progress], None] | None = None) -> Progress:
        """Fold every stream into a new table, then swap it in with the position it reflects.

        The streams are split into `partitions` hash ranges (default: 8 per worker, so progress is visible),
        folded by `runner` — by default `workers` local processes (the fold is CPU-bound Python), or Dask
        workers (`projections.distributed`). `on_partition` is called with the running totals after each one.
        """
        self.create_tables()
        building = f"{self.name}_building"
        table = self._table(building)
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DROP TABLE IF EXISTS {0}").format(table))
            # No index while the rows are loaded: PostgreSQL builds each one from the whole table afterwards
            # (a sort) for less than it costs to insert every row into it (its CPU is the workers' CPU).
            curs.execute(self._create_intervals(table, building, keyed=False))
        max_id = self.head()
        jobs = [PartitionJob(dict(self.ledger.env), building, low, high, max_id)
                for low, high in split_streams(partitions or 8 * workers)]
        run = runner or (local_runner(self.ledger) if workers == 1 else process_runner(workers))
        events = licences = 0
        for done, (partition_events, partition_licences) in enumerate(run(jobs), start=1):
            events += partition_events
            licences += partition_licences
            if on_partition is not None:
                on_partition(Progress(max_id, events, licences, done, len(jobs)))
        with self._datastore.transaction(commit=True) as curs:
            # A licence folded twice would fail here, before the swap: the old table stays.
            curs.execute(self._primary_key(table, building))
            for statement in self._zero_indexes(table, building):
                curs.execute(statement)
        self._analyze(table)
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DROP TABLE IF EXISTS {0}").format(self._intervals))
            curs.execute(SQL("ALTER TABLE {0} RENAME TO {1}").format(table, Identifier(self.name)))
            curs.execute(SQL("ALTER TABLE {0} RENAME CONSTRAINT {1} TO {2}").format(
                self._intervals, Identifier(f"{building}_pkey"), Identifier(f"{self.name}_pkey")))
            for column in ("balance", "adm_balance"):
                curs.execute(SQL("ALTER INDEX {0}.{1} RENAME TO {2}").format(
                    self._schema, Identifier(f"{building}_{column}{ZERO_INDEX}"),
                    Identifier(f"{self.name}_{column}{ZERO_INDEX}")))
            curs.execute(SQL("UPDATE {0} SET position = %s WHERE name = %s").format(self._tracking),
                         (max_id, self.name))
        return Progress(max_id, events, licences, len(jobs), len(jobs))
