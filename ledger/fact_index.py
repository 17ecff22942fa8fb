"""An index of every recorded fact by who recorded it, when, and what it is — so audits do not scan the log.

The audit trail's questions ("everything recorder R entered in March", "every lettre 48SI notified in 2024")
filter the whole event log; at 320 M events a scan is hours. This side table (PostgreSQL, next to the events)
holds one row per event — `(position, stream, version, licence_number, type, recorded_by, recorded_at,
letter_code, notified_on)` — with an index per question, so an audit page reads only its own rows and then
fetches those events by position.

It is maintained by a catch-up of its own (`catch_up`): pages of the application sequence after its tracking
position, decoded, inserted with the new position in one transaction (a crash loses at most the page; a second
runner that moved the position first makes this one stop). It depends on no interpretation of the law, so a
rebuild of the balance read model leaves it alone. `audit_events` answers from it when it is current and falls
back to the ledger's scan otherwise (same pairs, same order: tested).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg.sql import SQL, Composed, Identifier

from ledger.application import PointsLedger
from ledger.errors import InvalidFact
from ledger.events import EVENT_TYPES, LetterWasNotified, LicenceWasObtained
from ledger.events_table import is_postgres

NAME = "fact_index"
ANALYZE_AFTER = 10_000  # events indexed by one catch-up after which the statistics are refreshed
PAGE_SIZE = 5_000


class FactIndex:
    """The side table of one PostgreSQL ledger, its position, and the audit queries it answers."""

    def __init__(self, ledger: PointsLedger, page_size: int = PAGE_SIZE) -> None:
        recorder: Any = ledger.recorder
        if not is_postgres(recorder):
            raise ValueError("the fact index needs the ledger on PostgreSQL")
        self.ledger = ledger
        self.page_size = page_size
        self._created = False
        self._datastore = recorder.datastore
        schema = Identifier(recorder.datastore.schema)
        self._events = SQL("{0}.{1}").format(schema, Identifier(recorder.events_table_name))
        self._table = SQL("{0}.{1}").format(schema, Identifier(NAME))
        self._tracking = SQL("{0}.{1}").format(schema, Identifier(f"{NAME}_tracking"))

    @property
    def table(self) -> Composed:
        """The index's qualified table name, for a projection that joins its own tables to it."""
        return self._table

    def create_tables(self) -> None:
        with self._datastore.transaction(commit=True) as curs:
            curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{self._datastore.schema}.{NAME}",))
            curs.execute(SQL(
                "CREATE TABLE IF NOT EXISTS {0} (position bigint PRIMARY KEY, stream uuid NOT NULL, "
                "version int NOT NULL, licence_number text NOT NULL, type text NOT NULL, recorded_by text NOT NULL, "
                "recorded_at timestamptz NOT NULL, letter_code text, notified_on date, UNIQUE (stream, version))"
            ).format(self._table))
            for name, columns, where in (("by_recorder", "recorded_by, recorded_at, position", ""),
                                         ("by_type", "type, recorded_at, position", ""),
                                         ("by_time", "recorded_at, position", ""),
                                         ("by_letter", "letter_code, notified_on", " WHERE letter_code IS NOT NULL"),
                                         ("by_letter_licence", 'letter_code, licence_number COLLATE "C", notified_on',
                                          " WHERE letter_code IS NOT NULL")):
                curs.execute(SQL("CREATE INDEX IF NOT EXISTS {0} ON {1} (" + columns + ")" + where).format(
                    Identifier(f"{NAME}_{name}"), self._table))
            curs.execute(SQL("CREATE TABLE IF NOT EXISTS {0} (name text PRIMARY KEY, position bigint NOT NULL)")
                         .format(self._tracking))
            curs.execute(SQL("INSERT INTO {0} VALUES (%s, 0) ON CONFLICT (name) DO NOTHING").format(self._tracking),
                         (NAME,))

    def position(self) -> int:
        with self._datastore.transaction(commit=False) as curs:
            curs.execute("SELECT to_regclass(%s) AS t", (f'"{self._datastore.schema}"."{NAME}_tracking"',))
            found = curs.fetchone()
            if found is None or found["t"] is None:
                return 0
            curs.execute(SQL("SELECT position FROM {0} WHERE name = %s").format(self._tracking), (NAME,))
            row = curs.fetchone()
        return int(row["position"]) if row else 0

    def head(self) -> int:
        return int(self.ledger.recorder.max_notification_id() or 0)

    def catch_up(self, max_pages: int | None = None) -> tuple[int, int]:
        """Index every event after the position (at most `max_pages` pages); (position, events indexed)."""
        if not self._created:
            self.create_tables()  # once per instance: DDL takes table locks, even when there is nothing to create
            self._created = True
        position, indexed, pages = self.position(), 0, 0
        while max_pages is None or pages < max_pages:
            page = self.ledger.recorder.select_notifications(position + 1, self.page_size)
            if not page:
                break
            rows = self._rows(page)
            with self._datastore.get_connection() as conn, conn.transaction():
                moved = conn.execute(SQL("UPDATE {0} SET position = %s WHERE name = %s AND position = %s")
                                     .format(self._tracking), (page[-1].id, NAME, position)).rowcount
                if moved != 1:
                    raise RuntimeError("fact index: another runner moved the position")
                with conn.cursor() as curs, curs.copy(SQL(
                        "COPY {0} (position, stream, version, licence_number, type, recorded_by, recorded_at, "
                        "letter_code, notified_on) FROM STDIN").format(self._table)) as copy:
                    for row in rows:
                        copy.write_row(row)
            position, indexed, pages = page[-1].id, indexed + len(page), pages + 1
        if indexed >= ANALYZE_AFTER:
            self.analyze()
        return position, indexed

    def analyze(self) -> None:
        """Refresh the planner's statistics of the index table. Autovacuum does it only once it notices the
        change (a minute later at best): right after a bulk catch-up the planner still believed the table nearly
        empty and answered a 100-row audit page by sorting every letter of the ledger (157 ms at 100 k licences,
        against an ordered index scan once analysed)."""
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(SQL("ANALYZE {0}").format(self._table))

    def _rows(self, page: Sequence[Any]) -> list[tuple[Any, ...]]:
        events: list[tuple[int, Any]] = [(n.id, self.ledger.mapper.to_domain_event(n)) for n in page]
        numbers = {e.originator_id: e.licence_number for _, e in events if isinstance(e, LicenceWasObtained)}
        numbers.update(self._numbers([e.originator_id for _, e in events if e.originator_id not in numbers]))
        rows = []
        for position, event in events:
            letter = isinstance(event, LetterWasNotified)
            rows.append((position, event.originator_id, event.originator_version, numbers[event.originator_id],
                         self.ledger.event_type(event), event.recorded_by, event.timestamp,
                         str(event.code) if letter else None, event.notified_on if letter else None))
        return rows

    def _numbers(self, streams: list[UUID]) -> dict[UUID, str]:
        if not streams:
            return {}
        with self._datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT stream, licence_number FROM {0} WHERE stream = ANY(%s) AND version = 1")
                         .format(self._table), (list(set(streams)),))
            return {UUID(str(r["stream"])): r["licence_number"] for r in curs.fetchall()}

    # -- queries -----------------------------------------------------------------------------------------

    def positions(self, *, recorded_by: str | None = None, since: datetime | None = None,
                  until: datetime | None = None, event_type: str | None = None, after: int = 0,
                  limit: int = 100) -> list[int]:
        """The positions of the events matching the filters, in position order, after `after` (one index)."""
        where = [SQL("position > %s")]
        params: list[Any] = [after]
        for clause, value in (("recorded_by = %s", recorded_by), ("type = %s", event_type),
                              ("recorded_at >= %s", since), ("recorded_at <= %s", until)):
            if value is not None:
                where.append(SQL(clause))
                params.append(value)
        with self._datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT position FROM {0} WHERE {1} ORDER BY position LIMIT %s")
                         .format(self._table, SQL(" AND ").join(where)), (*params, limit))
            return [int(r["position"]) for r in curs.fetchall()]

    def letters(self, code: str, since: Any = None, until: Any = None, *, after: str = "",
                limit: int = 100) -> list[str]:
        """At most `limit` licences with a letter of `code` notified in [since, until] whose numbers come after
        `after`, in licence-number order (byte order, as Python orders `str`): one walk of the `by_letter_licence`
        index from `after`, so a page costs the same however large the ledger."""
        with self._datastore.get_connection() as conn:
            rows = conn.execute(SQL(
                'SELECT DISTINCT licence_number COLLATE "C" AS licence_number FROM {0} WHERE letter_code = %s '
                'AND licence_number COLLATE "C" > %s AND notified_on >= coalesce(%s, \'-infinity\'::date) '
                "AND notified_on <= coalesce(%s, 'infinity'::date) ORDER BY 1 LIMIT %s"
            ).format(self._table), (code, after, since, until, limit)).fetchall()
        return [r["licence_number"] for r in rows]

    def events_at(self, positions: list[int]) -> list[tuple[int, Any]]:
        """The events at `positions`, decoded, in position order."""
        if not positions:
            return []
        with self._datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM {0} "
                             "WHERE notification_id = ANY(%s) ORDER BY notification_id").format(self._events),
                         (positions,))
            rows = curs.fetchall()
        return [(int(r["notification_id"]), self.ledger.mapper.to_domain_event(StoredEvent(
            r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])))) for r in rows]


def audit_events(ledger: PointsLedger, *, recorded_by: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, event_type: str | None = None, after: int = 0,
                 limit: int = 100) -> tuple[list[tuple[int, Any]], int | None, str]:
    """`PointsLedger.audit_events` answered from the fact index when it is current (else the ledger's scan),
    with the source read: ("fact index at N" or "scan of the event log")."""
    if event_type and event_type not in EVENT_TYPES.values():
        raise InvalidFact("type", f"unknown event type {event_type!r}: one of {', '.join(EVENT_TYPES.values())}")
    index = current_index(ledger)
    if index is None:
        page, following = ledger.audit_events(recorded_by=recorded_by, since=since, until=until,
                                              event_type=event_type, after=after, limit=limit)
        return page, following, "source: scan of the event log"
    found = index.positions(recorded_by=recorded_by, since=since, until=until, event_type=event_type, after=after,
                            limit=limit)
    following = found[-1] if len(found) == limit else None
    return index.events_at(found), following, f"source: fact index at notification {index.position()}"


def current_index(ledger: PointsLedger) -> FactIndex | None:
    """The fact index when it reflects every event recorded (None: SQLite, never built, or behind)."""
    recorder: Any = ledger.recorder
    if not is_postgres(recorder):
        return None
    index = FactIndex(ledger)
    position = index.position()
    return index if position > 0 and position == index.head() else None


