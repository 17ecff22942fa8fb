"""Bulk import: backfill a national history into the ledger, in the library's own storage format.

Recording forty million licences one `PointsLedger.record` at a time would take days (one load and one locked
transaction per fact). This path builds each licence's events with the same `Licence` aggregate (so the same
shape checks: an invalid licence is rejected whole and nothing of it is written), turns them into stored events
with the application's own mapper, and writes many licences per transaction. The normal repository reads them
back like any other stream.

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

from ledger.application import PointsLedger
from ledger.errors import EvidenceConflict, InvalidFact, LedgerError
from ledger.events_table import copy_new_streams, existing_streams
from ledger.facts import LicenceRecord
from ledger.licence import Licence, licence_id

DEFAULT_BATCH_SIZE = 2_000  # licences per transaction (~15 k events with the synthetic population)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A licence of the input that was not written: which one, which field, why."""

    licence_number: str
    field: str
    reason: str


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


def rejection(licence_number: str, error: LedgerError) -> Rejected:
    """Why a licence was not written, naming the field as the API would."""
    if isinstance(error, InvalidFact):
        return Rejected(licence_number, error.field, error.reason)
    if isinstance(error, EvidenceConflict):
        return Rejected(licence_number, "evidence_ref", str(error))
    return Rejected(licence_number, "licence", str(error))


class BulkImporter:
    """Writes licence records into `ledger`'s store in batches of `batch_size` licences (one transaction each)."""

    def __init__(self, ledger: PointsLedger, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.ledger = ledger
        self.batch_size = batch_size

    def run(
        self, records: Iterable[LicenceRecord], on_batch: Callable[[ImportReport], None] | None = None
    ) -> ImportReport:
        """Import every record; `on_batch` is called with the running report after each committed batch."""
        report = ImportReport()
        iterator = iter(records)
        while batch := list(islice(iterator, self.batch_size)):
            self._import_batch(batch, report)
            report.batches += 1
            if on_batch is not None:
                on_batch(report)
        return report

    # -- one batch ---------------------------------------------------------------------------------------

    def _import_batch(self, batch: Sequence[LicenceRecord], report: ImportReport) -> None:
        unique: dict[UUID, LicenceRecord] = {}
        for record in batch:
            stream = licence_id(record.licence.licence_number)
            if stream in unique:
                report.rejected.append(Rejected(record.licence.licence_number, "licence_number",
                                                "appears twice in the same batch; the first one was kept"))
                continue
            unique[stream] = record
        present = self._existing(list(unique))
        stored: dict[UUID, list[StoredEvent]] = {}
        for stream, record in unique.items():
            if stream in present:
                continue
            try:
                events = licence_events(record)
            except LedgerError as error:
                report.rejected.append(rejection(record.licence.licence_number, error))
                continue
            stored[stream] = [self.ledger.mapper.to_stored_event(event) for event in events]
        written = self._write(stored)
        report.licences_present += len(present) + (len(stored) - len(written))
        report.licences_written += len(written)
        report.events_written += sum(len(stored[s]) for s in written)

    def _existing(self, streams: list[UUID]) -> set[UUID]:
        """The streams of `streams` that already have at least one event."""
        return existing_streams(self.ledger.recorder, streams)

    def _write(self, stored: dict[UUID, list[StoredEvent]]) -> list[UUID]:
        """Write the streams not present yet (checked again under the lock); returns the streams written."""
        return copy_new_streams(self.ledger.recorder, stored)
