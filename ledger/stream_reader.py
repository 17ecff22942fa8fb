"""Reading many licences' streams in one statement (a reconciliation walks thousands of licences).

The library reads one stream per query; this reads a batch of streams from the same events table, through the
recorder's own datastore and table name, and hands back the library's `StoredEvent`s for its mapper to decode.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

STREAMS_PER_QUERY = 500  # streams per statement (SQLite caps the number of bound parameters)


def select_streams(recorder: Any, streams: list[UUID]) -> list[StoredEvent]:
    """Every stored event of `streams`, each stream's in version order (SQL stores: one statement)."""
    if not streams:
        return []
    order = " ORDER BY originator_id, originator_version"
    if isinstance(recorder, PostgresApplicationRecorder):
        table = SQL("{0}.{1}").format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        id_type = "uuid" if recorder.datastore.originator_id_type == "uuid" else "text"
        # One index probe per stream, as in `ledger.bulk_import`: with `= ANY(…)` or a plain join, a planner
        # whose statistics lag behind an import may scan the whole table; `OFFSET 0` keeps the LATERAL
        # subquery from being flattened into such a join.
        statement = SQL("SELECT e.originator_id, e.originator_version, e.topic, e.state "
                        "FROM unnest(%s::{1}[]) AS ids(id) CROSS JOIN LATERAL (SELECT * FROM {0} AS s "
                        "WHERE s.originator_id = ids.id OFFSET 0) AS e" + order).format(table, SQL(id_type))
        ids: list[Any] = streams if id_type == "uuid" else [str(s) for s in streams]
        with recorder.datastore.transaction(commit=False) as curs:
            # A fresh import's stale statistics make the estimate huge, and compiling the plan (JIT) then
            # costs more than the read itself (≈ 11 ms a query, a quarter of a reconciliation's time).
            curs.execute("SET LOCAL jit = off")
            curs.execute(statement, (ids,))
            rows = curs.fetchall()
        return [StoredEvent(row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"]))
                for row in rows]
    if isinstance(recorder, SQLiteApplicationRecorder):
        placeholders = ",".join("?" * len(streams))
        query = (f"SELECT originator_id, originator_version, topic, state FROM {recorder.events_table_name} "
                 f"WHERE originator_id IN ({placeholders})" + order)
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(query, [s.hex for s in streams])
            rows = curs.fetchall()
        return [StoredEvent(recorder.convert_originator_id(row["originator_id"]), row["originator_version"],
                            row["topic"], row["state"]) for row in rows]
    return [event for stream in streams for event in recorder.select_events(stream)]

