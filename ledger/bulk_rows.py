"""The stored rows of a bulk import, built without the aggregate — in this process or in forked workers.

`licence_rows` decides a licence's facts with the aggregate's own checks (`already_recorded`) and turns them into
the aggregate's events' fields (`event_of`), then into the rows the application's mapper would store: the same
topics, the same field order, the same transcoder, so the same bytes (tests/bulk/test_bulk_equivalence.py).

`RowBuilder` spreads that work over `workers` processes when the records are an in-memory sequence: the workers
are forked after the records exist, so they read them from the memory they share with the parent (copy on write)
and receive only index ranges; they send back the rows (bytes) or the refusal. Pickling the records themselves
would cost about as much as building the rows (docs/decisions/0006-bulk-import.md), hence the fork. A worker
never touches the store: the parent checks, locks and writes.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.pool import Pool
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from ledger.declaration import certainly_valid
from ledger.errors import EvidenceConflict, InvalidFact, LedgerError
from ledger.events import LicenceWasObtained
from ledger.fact_writers import StateWriters, event_shape
from ledger.facts import LegalFact, LicenceRecord
from ledger.licence import Licence, RecordedFacts, check_new_licence, event_of, licence_fields, licence_id


@dataclass(frozen=True, slots=True)
class Rejected:
    """A licence of the input that was not written: which one, which field, why."""

    licence_number: str
    field: str
    reason: str


Row = tuple[UUID, int, str, bytes]  # originator_id, originator_version, topic, state: a stored event


def licence_rows(record: LicenceRecord, encode: Callable[[Any], bytes], writers: StateWriters | None = None,
                 stream: UUID | None = None) -> list[Row]:
    """The stored rows `licence_events(record)` would become through the mapper, built without the aggregate.

    The same decisions (`Licence.obtain`'s checks, then `already_recorded` for each fact in recording order
    against the facts kept before it, through one `RecordedFacts`) and the same fields (`licence_fields`,
    `event_of`); each event's timestamp is its fact's recording time. With `writers` (`ledger.fact_writers`,
    matching `encode`'s bytes), each state is written straight from its fact when they can. `stream`: the
    licence's stream id when the caller has it already (`licence_id`). Raises `LedgerError` as `licence_events`
    does.
    """
    licence = record.licence
    check_new_licence(licence)
    stream = licence_id(licence.licence_number) if stream is None else stream
    written = writers(licence) if writers is not None else None
    rows = [_row(stream, 1, LicenceWasObtained, {
        "timestamp": licence.recorded_at, "originator_topic": _LICENCE_TOPIC, **licence_fields(licence)}, encode)
        if written is None else (stream, 1, *written)]
    kept = RecordedFacts()
    for fact in sorted(record.facts, key=_order_key):
        exact = certainly_valid(fact)  # decided once, for the checks and for the writer
        if kept.check(fact, licence, fields_checked=exact) is not None:
            continue
        kept.add(fact)
        written = writers(fact, exact) if writers is not None else None
        if written is None:
            event_class, values = event_of(fact)
            rows.append(_row(stream, len(rows) + 1, event_class, {"timestamp": fact.recorded_at, **values}, encode))
        else:
            rows.append((stream, len(rows) + 1, *written))
    return rows


def _row(stream: UUID, version: int, event_class: Any, values: dict[str, Any],
         encode: Callable[[Any], bytes]) -> Row:
    """One stored row: `values` in the mapper's key order (taken as they are when already in it, as they
    usually are), then `class_version` when above 1."""
    shape = event_shape(event_class)
    state = values if tuple(values) == shape.names else {name: values[name] for name in shape.names}
    if shape.class_version > 1:
        state["class_version"] = shape.class_version
    return stream, version, shape.topic, encode(state)


def _order_key(fact: LegalFact) -> tuple[datetime, int, str]:
    return fact.order_key


_LICENCE_TOPIC = get_topic(Licence)


def rejection(licence_number: str, error: LedgerError) -> Rejected:
    """Why a licence was not written, naming the field as the API would."""
    if isinstance(error, InvalidFact):
        return Rejected(licence_number, error.field, error.reason)
    if isinstance(error, EvidenceConflict):
        return Rejected(licence_number, "evidence_ref", str(error))
    return Rejected(licence_number, "licence", str(error))



Built = list[Row] | Rejected
Encoding = tuple[Callable[[Any], bytes], StateWriters | None]  # the transcoder's `encode`, and its writers
_SHARED: tuple[Sequence[LicenceRecord], Encoding] | None = None  # what forked workers read


def build(record: LicenceRecord, encoding: Encoding, stream: UUID | None = None) -> Built:
    try:
        return licence_rows(record, *encoding, stream)
    except LedgerError as error:
        return rejection(record.licence.licence_number, error)


def _build_range(indices: list[int]) -> list[tuple[bytes, list[tuple[str, bytes]]] | Rejected]:
    """In a worker: the rows of `records[i]` for each index, the stream id as 16 bytes (cheap to send)."""
    assert _SHARED is not None
    records, encoding = _SHARED
    answers: list[tuple[bytes, list[tuple[str, bytes]]] | Rejected] = []
    for index in indices:
        built = build(records[index], encoding)
        answers.append(built if isinstance(built, Rejected)
                       else (built[0][0].bytes, [(topic, state) for _, _, topic, state in built]))
    return answers


class RowBuilder:
    """Builds rows for records given by their index in `records`, on `workers` forked processes when possible."""

    def __init__(self, records: Sequence[LicenceRecord] | None, encoding: Encoding, workers: int) -> None:
        self.records = records
        self.encoding = encoding
        self._pool: Pool | None = None
        if workers > 1 and records is not None and "fork" in multiprocessing.get_all_start_methods():
            global _SHARED
            _SHARED = (records, encoding)
            self._pool = multiprocessing.get_context("fork").Pool(workers)
            self._workers = workers

    def build(self, indices: list[int], records: Sequence[LicenceRecord], streams: Sequence[UUID]) -> list[Built]:
        """The rows (or the refusal) of each record, in order; `records[k]` is the record of `indices[k]`, its
        stream `streams[k]`."""
        if self._pool is None or len(indices) < 2:
            return [build(record, self.encoding, stream) for record, stream in zip(records, streams, strict=True)]
        size = -(-len(indices) // self._workers)
        chunks = [indices[i:i + size] for i in range(0, len(indices), size)]
        built: list[Built] = []
        for answers in self._pool.map(_build_range, chunks):
            for answer in answers:
                if isinstance(answer, Rejected):
                    built.append(answer)
                    continue
                stream = UUID(bytes=answer[0])
                built.append([(stream, version, topic, state)
                              for version, (topic, state) in enumerate(answer[1], start=1)])
        return built

    def close(self) -> None:
        global _SHARED
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        _SHARED = None
