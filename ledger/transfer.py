"""Export and import of the ledger's events as JSON lines: a store-independent copy, exact to the microsecond.

One line per stored event, in application-sequence (commit) order:

    {"originator_id": "<uuid>", "originator_version": 3, "topic": "points-ledger:OffenceEstablished",
     "state": {"timestamp": {"_type_": "datetime_iso", "_data_": "2024-05-02T09:13:55.120001+00:00"}, ...}}

`state` is the event's state as the library's JSON transcoder writes it, with the ledger's transcodings
(dates tagged `date_iso`, the recording time tagged `datetime_iso`): self-describing, so the import rebuilds
the same Python values, and independent of how the target store compresses or encrypts its rows.

The import writes stored events, not commands: the events keep their recording times and versions exactly
(re-running the commands would stamp new times). Each line is checked alone (`ledger.transfer_lines`: shape,
types, codes), then in its stream: versions from 1 without gaps, the licence first, the stream id derived from
the licence number, and the checks every other way in runs — the declared bounds of every field and the
aggregate's own checks of a new licence or fact against the stream's earlier facts (`ledger.licence`): the
import refuses what the API refuses. An event already in the store with identical content is skipped
(re-importing a file writes nothing); a different event at an existing version is an error naming the line
and the field.

The file is streamed (memory bounded by `STREAMS_KEPT` streams and one batch of `WRITE_BATCH` events) and
written in one transaction of the events table (`ledger.events_table.one_transaction`): a refused line rolls
everything back, so an import is atomic per file, never a silently truncated stream.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO
from uuid import UUID

from eventsourcing.persistence import Transcoder

from ledger import kinds
from ledger.application import PointsLedger
from ledger.declaration import stored_field
from ledger.errors import EvidenceConflict, InvalidFact
from ledger.events import LicenceWasObtained
from ledger.events_table import Transaction, one_transaction
from ledger.facts import LegalFact, LicenceObtained
from ledger.licence import check_new_licence, licence_id, previous_recording
from ledger.transfer_lines import InvalidLine, LineReader
from ledger.validation import check_fact

__all__ = ["ImportReport", "InvalidLine", "export_events", "export_lines", "import_lines"]

WRITE_BATCH = 1000  # events per insert
STREAMS_KEPT = 10_000  # streams whose events are kept in memory; others are read again from the transaction
PROGRESS_EVERY = 1000  # lines between two progress reports


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: lines read, events written, events already present, streams written to."""

    read: int
    written: int
    skipped: int
    licences: int


# -- export -----------------------------------------------------------------------------------------------


def event_line(event: Any, transcoder: Transcoder) -> str:
    """One event as a JSON line (the inverse of `LineReader.event`)."""
    state = dict(vars(event))
    originator_id = state.pop("originator_id")
    version = state.pop("originator_version")
    class_version = getattr(type(event), "class_version", 1)
    if class_version > 1:
        state["class_version"] = class_version
    encoded = json.loads(transcoder.encode(state))
    line = {"originator_id": str(originator_id), "originator_version": version,
            "topic": type(event).TOPIC, "state": encoded}
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def export_lines(ledger: PointsLedger, *, page_size: int = 1000) -> Iterator[str]:
    """Every stored event of every licence, in application-sequence order, as JSON lines (no newline)."""
    for notification in ledger.notifications(page_size=page_size):
        yield event_line(ledger.mapper.to_domain_event(notification), ledger.mapper.transcoder)


def export_events(ledger: PointsLedger, out: TextIO) -> int:
    """Write every event to `out`, one JSON line each; returns how many were written."""
    count = 0
    for line in export_lines(ledger):
        out.write(line + "\n")
        count += 1
    return count


# -- import -----------------------------------------------------------------------------------------------


def _first_difference(old: Any, new: Any) -> str:
    """The field in which two events at the same place differ (topic first, then the state's fields)."""
    if type(old) is not type(new):
        return "topic"
    old_state, new_state = vars(old), vars(new)
    for name in sorted(set(old_state) | set(new_state)):
        if old_state.get(name) != new_state.get(name):
            return f"state.{name}"
    return "state"


def _law_error(number: int, event: Any, error: InvalidFact | EvidenceConflict) -> InvalidLine:
    """A check of the ledger refusing a line, naming the stored field (`state.points`, `state.offence_class`)."""
    if isinstance(error, EvidenceConflict):
        return InvalidLine(number, "state.evidence_ref", str(error))
    fact_class = kinds.BY_TOPIC[type(event).TOPIC].fact
    return InvalidLine(number, f"state.{stored_field(fact_class, error.field)}", error.reason)


class _Stream:
    """One licence's events as the import will leave them, and its facts for the ledger's checks."""

    def __init__(self, events: list[Any]) -> None:
        self.events = events
        self.licence: LicenceObtained | None = events[0].as_fact() if events else None
        self.facts: list[LegalFact] = [e.as_fact(seq) for seq, e in enumerate(events[1:], start=1)]

    def check(self, number: int, event: Any) -> None:
        """The checks of a new licence or fact against this stream (what the aggregate runs on a command)."""
        try:
            if isinstance(event, LicenceWasObtained):
                check_new_licence(event.as_fact())
                return
            fact: LegalFact = event.as_fact(len(self.events))
            assert self.licence is not None  # version 1 is the licence: checked before
            if previous_recording(fact, self.facts) is not None:
                raise InvalidFact("evidence_ref", "the same fact is already recorded on this evidence: the "
                                                  "ledger would not write it twice")
            check_fact(fact, self.licence, self.facts)
        except (InvalidFact, EvidenceConflict) as error:
            raise _law_error(number, event, error) from None

    def append(self, event: Any) -> None:
        if isinstance(event, LicenceWasObtained):
            self.licence = event.as_fact()
        else:
            self.facts.append(event.as_fact(len(self.events)))
        self.events.append(event)


class _Plan:
    """The streams the lines go to, kept for the last `STREAMS_KEPT` streams touched, and the pending batch."""

    def __init__(self, ledger: PointsLedger, transaction: Transaction) -> None:
        self.ledger = ledger
        self.transaction = transaction
        self.store_was_empty = not ledger.recorder.max_notification_id()
        self.forgot_any = False
        self.streams: OrderedDict[UUID, _Stream] = OrderedDict()
        self.pending: list[Any] = []
        self.written = self.skipped = 0
        self.licences: set[UUID] = set()

    def _stream(self, originator_id: UUID) -> _Stream:
        stream = self.streams.get(originator_id)
        if stream is None:
            events: list[Any] = []
            if not self.store_was_empty or self.forgot_any:
                self.flush()  # the transaction must see the pending events before reading a stream again
                events = [self.ledger.mapper.to_domain_event(s) for s in self.transaction.stream(originator_id)]
            stream = self.streams[originator_id] = _Stream(events)
            if len(self.streams) > STREAMS_KEPT:
                self.streams.popitem(last=False)
                self.forgot_any = True
        self.streams.move_to_end(originator_id)
        return stream

    def add(self, number: int, event: Any) -> None:
        version: int = event.originator_version
        stream = self._stream(event.originator_id)
        if version <= len(stream.events):
            present = stream.events[version - 1]
            if vars(present) != vars(event):
                raise InvalidLine(number, _first_difference(present, event), f"version {version} of this licence "
                                  f"is already a different event ({type(present).TOPIC})")
            self.skipped += 1
            return
        self._check_place(number, event, len(stream.events) + 1)
        stream.check(number, event)
        stream.append(event)
        self.pending.append(event)
        self.licences.add(event.originator_id)
        if len(self.pending) >= WRITE_BATCH:
            self.flush()

    @staticmethod
    def _check_place(number: int, event: Any, expected: int) -> None:
        version = event.originator_version
        if version != expected:
            raise InvalidLine(number, "originator_version", f"expected version {expected} of this licence "
                                                            f"(streams have no gaps), got {version}")
        if (version == 1) != isinstance(event, LicenceWasObtained):
            raise InvalidLine(number, "topic", "a licence's stream starts with its licence, and only there")
        if isinstance(event, LicenceWasObtained) and event.originator_id != licence_id(event.licence_number):
            raise InvalidLine(number, "originator_id",
                              f"is not the stream id of licence {event.licence_number!r}")

    def flush(self) -> None:
        self.transaction.insert([self.ledger.mapper.to_stored_event(event) for event in self.pending])
        self.written += len(self.pending)
        self.pending = []


def import_lines(ledger: PointsLedger, lines: Iterable[str],
                 progress: Callable[[int], None] | None = None) -> ImportReport:
    """Write the events of an export into `ledger`'s store, in one transaction; idempotent.

    `lines` is read once, as it comes (a file object streams); `progress` is told the number of lines read
    every `PROGRESS_EVERY` lines. A refused line raises `InvalidLine` and nothing at all is written.
    """
    reader = LineReader(ledger.mapper.transcoder)
    read = 0
    with one_transaction(ledger.recorder) as transaction:
        plan = _Plan(ledger, transaction)
        for number, text in enumerate(lines, start=1):
            if progress is not None and number % PROGRESS_EVERY == 0:
                progress(number)
            if not text.strip():
                continue
            read += 1
            plan.add(number, reader.event(number, text))
        plan.flush()
    return ImportReport(read=read, written=plan.written, skipped=plan.skipped, licences=len(plan.licences))
