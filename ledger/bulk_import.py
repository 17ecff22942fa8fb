"""Bulk import: backfill a national history into the ledger, in the library's own storage format.

Recording forty million licences one `PointsLedger.record` at a time would take days (one load and one locked
transaction per fact). This path decides each licence's facts with the `Licence` aggregate's own checks
(`already_recorded`: an invalid licence is rejected whole and nothing of it is written) and turns them into the
aggregate's events' fields (`event_of`), then straight into the stored rows the application's mapper would
write — the same topics, the same field order, the same transcoder, so the same bytes (tests/bulk: byte for
byte) — without building an aggregate and its event objects (their per-event bookkeeping was half of the
import's time; `ledger/bulk_rows.py`, docs/decisions/0053-bulk-rows.md). Many licences are written per
transaction. The normal repository reads them back like any other stream.

- **Recording time is kept.** Each event's timestamp is the fact's `recorded_at` (when the national file learnt
  it), not the time of the import: "known at" questions about the past keep their answers after a backfill.
- **Idempotent and resumable.** Each batch is one transaction; before writing, the batch asks the store which of
  its licences already have a stream and skips them. Re-running after a crash (or twice) writes exactly what is
  missing; a licence already recorded through the application is never touched.
- **PostgreSQL**: the batch is written with `COPY … (FORMAT BINARY)` into the application's events table, inside
  a transaction that takes the same `EXCLUSIVE` table lock and sends the same `NOTIFY` as the library's recorder,
  so notification ids still follow commit order and tailing readers (projections) never skip an event. Other
  stores (SQLite) go through `recorder.insert_events`, one call per batch. See docs/decisions/0006-bulk-import.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Composed, Identifier

from ledger.application import PointsLedger
from ledger.bulk_rows import Built, Rejected, Row, RowBuilder, licence_rows, rejection
from ledger.chain_store import write_chain
from ledger.errors import LedgerError
from ledger.facts import LicenceRecord
from ledger.licence import Licence, licence_id

__all__ = ["BulkImporter", "ImportReport", "Rejected", "licence_events", "licence_rows", "rejection"]

DEFAULT_BATCH_SIZE = 2_000  # licences per transaction (~15 k events with the synthetic population)


@dataclass(slots=True)
class ImportReport:
    """What an import did. `licences_present` were already in the ledger and were left as they are."""

    licences_written: int = 0
    events_written: int = 0
    licences_present: int = 0
    batches: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def licence_events(record: LicenceRecord) -> list[Any]:
    """The events the `Licence` aggregate writes for `record`, each stamped with its fact's recording time.

    Facts are recorded in recording order (`order_key`), through the aggregate's own checks and idempotency
    (the same evidence twice is one event). Raises `LedgerError` (`InvalidFact`, `EvidenceConflict`).
    """
    aggregate = Licence.obtain(record.licence)
    moments: list[datetime] = [record.licence.recorded_at]
    for fact in sorted(record.facts, key=lambda f: f.order_key):
        _, created = aggregate.record_fact(fact)
        if created:
            moments.append(fact.recorded_at)
    events = list(aggregate.collect_events())
    for event, moment in zip(events, moments, strict=True):
        # Events are frozen; this is their construction finishing, before anything is stored or shared.
        object.__setattr__(event, "timestamp", moment)
    return events


class BulkImporter:
    """Writes licence records into `ledger`'s store in batches of `batch_size` licences (one transaction each)."""

    def __init__(self, ledger: PointsLedger, batch_size: int = DEFAULT_BATCH_SIZE, workers: int = 1) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.ledger = ledger
        self.batch_size = batch_size
        self.workers = workers
        recorder: Any = ledger.recorder
        self._postgres = isinstance(recorder, PostgresApplicationRecorder)

    def run(
        self, records: Iterable[LicenceRecord], on_batch: Callable[[ImportReport], None] | None = None
    ) -> ImportReport:
        """Import every record; `on_batch` is called with the running report after each committed batch.

        With `workers` > 1 and records in a sequence (a list), rows are built in that many forked processes
        (`ledger.bulk_rows.RowBuilder`); otherwise in this one. The result is the same.
        """
        shared = records if isinstance(records, Sequence) and self._direct() else None
        builder = RowBuilder(shared, self.ledger.mapper.transcoder.encode, self.workers)
        report = ImportReport()
        iterator = enumerate(records)
        try:
            while batch := list(islice(iterator, self.batch_size)):
                self._import_batch(batch, report, builder)
                report.batches += 1
                if on_batch is not None:
                    on_batch(report)
        finally:
            builder.close()
        return report

    def _direct(self) -> bool:
        """Whether rows can be built directly: the mapper only transcodes (no compression, no cipher)."""
        return self.ledger.mapper.cipher is None and self.ledger.mapper.compressor is None

    # -- one batch ---------------------------------------------------------------------------------------

    def _import_batch(self, batch: Sequence[tuple[int, LicenceRecord]], report: ImportReport,
                      builder: RowBuilder) -> None:
        unique: dict[UUID, tuple[int, LicenceRecord]] = {}
        for index, record in batch:
            stream = licence_id(record.licence.licence_number)
            if stream in unique:
                report.rejected.append(Rejected(record.licence.licence_number, "licence_number",
                                                "appears twice in the same batch; the first one was kept"))
                continue
            unique[stream] = (index, record)
        present = self._existing(list(unique))
        wanted = [(stream, index, record) for stream, (index, record) in unique.items() if stream not in present]
        stored: dict[UUID, list[Row]] = {}
        for (stream, _, _), built in zip(wanted, self._build(wanted, builder), strict=True):
            if isinstance(built, Rejected):
                report.rejected.append(built)
            else:
                stored[stream] = built
        written = self._write(stored)
        report.licences_present += len(present) + (len(stored) - len(written))
        report.licences_written += len(written)
        report.events_written += sum(len(stored[s]) for s in written)

    def _build(self, wanted: list[tuple[UUID, int, LicenceRecord]], builder: RowBuilder) -> list[Built]:
        """Each record's stored rows or refusal: built directly, or through the aggregate and the mapper when
        the mapper also compresses or encrypts (the direct path only transcodes)."""
        if self._direct():
            return builder.build([index for _, index, _ in wanted], [record for _, _, record in wanted])
        return [self._through_mapper(record) for _, _, record in wanted]

    def _through_mapper(self, record: LicenceRecord) -> Built:
        try:
            events = licence_events(record)
        except LedgerError as error:
            return rejection(record.licence.licence_number, error)
        stored = [self.ledger.mapper.to_stored_event(event) for event in events]
        return [(UUID(str(e.originator_id)), e.originator_version, e.topic, e.state) for e in stored]

    def _existing(self, streams: list[UUID]) -> set[UUID]:
        """The streams of `streams` that already have at least one event."""
        if not streams:
            return set()
        if self._postgres:
            recorder: Any = self.ledger.recorder
            with recorder.datastore.transaction(commit=False) as curs:
                return _existing_postgres(curs, recorder, streams)
        return {s for s in streams if self.ledger.recorder.select_events(s, desc=True, limit=1)}

    def _write(self, stored: dict[UUID, list[Row]]) -> list[UUID]:
        """Write the streams not present yet (checked again under the lock); returns the streams written."""
        if not stored:
            return []
        if not self._postgres:
            self.ledger.recorder.insert_events([StoredEvent(*row) for rows in stored.values() for row in rows])
            return list(stored)
        return _copy_postgres(self.ledger.recorder, stored)


def _table(recorder: Any) -> Composed:
    return SQL("{0}.{1}").format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))


def _existing_postgres(curs: Any, recorder: Any, streams: list[UUID]) -> set[UUID]:
    """One index probe per stream (a LATERAL join with LIMIT 1): with `= ANY(…)` the planner may scan the whole
    table when its statistics lag behind a fast-growing import (1.4 s instead of 15 ms per batch at 8 M events).
    """
    id_type = SQL(recorder.datastore.originator_id_type)  # "uuid" or "text", checked by the library
    curs.execute(SQL("SELECT ids.id FROM unnest(%s::{1}[]) AS ids(id), LATERAL (SELECT 1 FROM {0} AS e "
                     "WHERE e.originator_id = ids.id LIMIT 1) AS hit").format(_table(recorder), id_type),
                 ([s if id_type.as_string() == "uuid" else str(s) for s in streams],))
    return {UUID(str(row["id"])) for row in curs.fetchall()}


def _copy_postgres(recorder: Any, stored: dict[UUID, list[Row]]) -> list[UUID]:
    """One transaction: the recorder's lock and notify, a last existence check, then COPY."""
    with recorder.datastore.transaction(commit=True) as curs:
        for statement in recorder.lock_table_statements:
            curs.execute(statement)
        present = _existing_postgres(curs, recorder, list(stored))
        streams = [s for s in stored if s not in present]
        if not streams:
            return []
        curs.execute(SQL("NOTIFY {0}").format(Identifier(recorder.channel_name)))
        id_type = "uuid" if recorder.datastore.originator_id_type == "uuid" else "text"
        copy_statement = SQL(
            "COPY {0} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
        ).format(_table(recorder))
        with curs.copy(copy_statement) as copy:
            copy.set_types([id_type, "int8", "text", "bytea"])
            write = copy.write_row
            for stream in streams:
                if id_type == "uuid":
                    for row in stored[stream]:
                        write(row)
                else:
                    for originator, version, topic, state in stored[stream]:
                        write((str(originator), version, topic, state))
        # The hash chain of the copied events, in the same transaction (ledger/chain_store.py).
        write_chain(curs, recorder, [StoredEvent(*row) for stream in streams for row in stored[stream]])
    return streams
