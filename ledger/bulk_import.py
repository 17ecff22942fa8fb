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
  so notification ids still follow commit order and tailing readers (projections) never skip an event. The
  rows and their hash-chain rows are packed as binary COPY bytes once per licence (`ledger.copy_payload`) and
  both COPYs run in that transaction; a writer thread writes one batch while this thread checks and encodes
  the next. Other stores (SQLite) go through `recorder.insert_events`, one call per batch. See
  docs/decisions/0006-bulk-import.md and 0056-bulk-import-at-copy-speed.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any
from uuid import UUID

from ledger.application import PointsLedger
from ledger.bulk_rows import Built, Rejected, Row, RowBuilder, licence_rows, rejection
from ledger.copy_payload import stream_payload
from ledger.errors import LedgerError
from ledger.events_table import copy_new_streams, existing_streams, is_postgres, uuid_ids
from ledger.fact_writers import state_writers
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
        self._postgres = is_postgres(recorder)

    def run(
        self, records: Iterable[LicenceRecord], on_batch: Callable[[ImportReport], None] | None = None
    ) -> ImportReport:
        """Import every record; `on_batch` is called with the running report after each committed batch.

        With `workers` > 1 and records in a sequence (a list), rows are built in that many forked processes
        (`ledger.bulk_rows.RowBuilder`); otherwise in this one. The result is the same.

        On PostgreSQL the writing is pipelined: one thread writes a batch (its transaction mostly waits on the
        server) while this one checks and encodes the next; at most one batch waits, so memory stays bounded.
        """
        shared = records if isinstance(records, Sequence) and self._direct() else None
        transcoder = self.ledger.mapper.transcoder
        builder = RowBuilder(shared, (transcoder.encode, state_writers(transcoder)), self.workers)
        report = ImportReport()
        iterator = enumerate(records)
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-import") if self._postgres else None
        pending: Future[None] | None = None
        try:
            while batch := list(islice(iterator, self.batch_size)):
                prepared = self._prepare(batch, report, builder)
                if pending is not None:
                    pending.result()
                    self._committed(report, on_batch)
                if writer is None:
                    self._write_batch(prepared, report)
                    self._committed(report, on_batch)
                else:
                    pending = writer.submit(self._write_batch, prepared, report)
            if pending is not None:
                pending.result()
                self._committed(report, on_batch)
        finally:
            if writer is not None:
                writer.shutdown(wait=True)
            builder.close()
        return report

    @staticmethod
    def _committed(report: ImportReport, on_batch: Callable[[ImportReport], None] | None) -> None:
        report.batches += 1
        if on_batch is not None:
            on_batch(report)

    def _direct(self) -> bool:
        """Whether rows can be built directly: the mapper only transcodes (no compression, no cipher)."""
        return self.ledger.mapper.cipher is None and self.ledger.mapper.compressor is None

    # -- one batch ---------------------------------------------------------------------------------------

    def _prepare(self, batch: Sequence[tuple[int, LicenceRecord]], report: ImportReport,
                 builder: RowBuilder) -> _Prepared:
        """A batch checked and encoded, ready to write: refusals go to the report now (nothing of them is ever
        written), licences already present are counted when the batch is written."""
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
        payloads = ({stream: stream_payload(rows) for stream, rows in stored.items()}
                    if self._postgres and uuid_ids(self.ledger.recorder) else None)
        return _Prepared(stored, payloads, len(present))

    def _write_batch(self, prepared: _Prepared, report: ImportReport) -> None:
        """Write a prepared batch in one transaction (in the writer thread on PostgreSQL) and count it."""
        stored = prepared.stored
        written = self._write(prepared)
        report.licences_present += prepared.present + (len(stored) - len(written))
        report.licences_written += len(written)
        report.events_written += sum(len(stored[s]) for s in written)

    def _build(self, wanted: list[tuple[UUID, int, LicenceRecord]], builder: RowBuilder) -> list[Built]:
        """Each record's stored rows or refusal: built directly, or through the aggregate and the mapper when
        the mapper also compresses or encrypts (the direct path only transcodes)."""
        if self._direct():
            return builder.build([index for _, index, _ in wanted], [record for _, _, record in wanted],
                                 [stream for stream, _, _ in wanted])
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
        return existing_streams(self.ledger.recorder, streams)


    def _write(self, prepared: _Prepared) -> list[UUID]:
        """Write the streams not present yet (checked again under the lock); returns the streams written."""
        return copy_new_streams(self.ledger.recorder, prepared.stored, prepared.payloads)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A batch ready to write: each new stream's rows, their packed COPY bytes (PostgreSQL), how many licences
    the batch found already present."""

    stored: dict[UUID, list[Row]]
    payloads: dict[UUID, tuple[bytes, bytes]] | None
    present: int
