"""Export and import of the ledger's events as JSON lines: a store-independent copy, exact to the microsecond.

One line per stored event, in application-sequence (commit) order:

    {"originator_id": "<uuid>", "originator_version": 3, "topic": "points-ledger:OffenceEstablished",
     "state": {"timestamp": {"_type_": "datetime_iso", "_data_": "2024-05-02T09:13:55.120001+00:00"}, ...}}

`state` is the event's state as the library's JSON transcoder writes it, with the ledger's transcodings
(dates tagged `date_iso`, the recording time tagged `datetime_iso`): self-describing, so the import rebuilds
the same Python values, and independent of how the target store compresses or encrypts its rows.

The import writes through the library's mapper and recorder, not through the aggregate: the events keep their
recording times and versions exactly (re-running the commands would stamp new times). So it checks what the
aggregate cannot: each line decodes to a known event with every field of the right type, a stream starts with
its licence at version 1 and continues without gaps, and the stream id is the one derived from the licence
number. Everything is checked before the first write. An event already in the store with identical content is
skipped (re-importing a file writes nothing); a different event at an existing version is an error naming the
line and the field.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TextIO
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from ledger.application import PointsLedger
from ledger.errors import InvalidFact
from ledger.events import EVENT_TYPES, FACT_EVENTS, LicenceWasObtained
from ledger.licence import Licence, licence_id
from ledger.values import LetterCode, OffenceClass, StageCase, Training

LINE_KEYS = ("originator_id", "originator_version", "topic", "state")
EVENT_CLASSES: dict[str, type[Any]] = {LicenceWasObtained.TOPIC: LicenceWasObtained, **FACT_EVENTS}
CODED_FIELDS: dict[str, type[StrEnum]] = {
    "training": Training, "offence_class": OffenceClass, "case": StageCase, "code": LetterCode,
}
WRITE_BATCH = 1000


class InvalidLine(InvalidFact):
    """A line of an import that cannot be written: names the line, the field and the reason."""

    def __init__(self, line: int, field: str, reason: str) -> None:
        super().__init__(field, reason)
        self.line = line
        self.args = (f"line {line}: {field}: {reason}",)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: lines read, events written, events already present, streams written to."""

    read: int
    written: int
    skipped: int
    licences: int


# -- export -----------------------------------------------------------------------------------------------


def event_line(event: Any, transcoder: Transcoder) -> str:
    """One event as a JSON line (the inverse of `_Reader.event`)."""
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


def _matches(value: Any, hint: Any) -> bool:
    """Does a decoded value have the type its event field declares? (bool is not an int; datetime not a date)"""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return any(_matches(value, member) for member in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    if hint is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None
    return isinstance(hint, type) and isinstance(value, hint)


def _state_fields(cls: type[Any]) -> dict[str, Any]:
    """The fields an event of `cls` stores (its dataclass fields but the stream id and version) and their types."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in fields(cls) if f.name not in ("originator_id", "originator_version")}


class _Reader:
    """Turns lines into domain events, checking each one alone (shape, types, codes)."""

    def __init__(self, transcoder: Transcoder) -> None:
        self.transcoder = transcoder
        self.mapper: Mapper[UUID] = Mapper(transcoder=transcoder)  # plain: the file is never compressed
        self.licence_topic = get_topic(Licence)

    def event(self, number: int, text: str) -> Any:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidLine(number, "json", error.msg) from None
        if not isinstance(data, dict):
            raise InvalidLine(number, "json", "each line must be a JSON object")
        for key in LINE_KEYS:
            if key not in data:
                raise InvalidLine(number, key, "missing")
        extra = sorted(set(data) - set(LINE_KEYS))
        if extra:
            raise InvalidLine(number, extra[0], "unexpected field")
        try:
            originator_id = UUID(str(data["originator_id"]))
        except ValueError:
            raise InvalidLine(number, "originator_id", "not a UUID") from None
        version = data["originator_version"]
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise InvalidLine(number, "originator_version", "must be an integer from 1")
        topic = data["topic"]
        cls = EVENT_CLASSES.get(topic) if isinstance(topic, str) else None
        if cls is None:
            raise InvalidLine(number, "topic", f"unknown event topic {topic!r}: one of {', '.join(EVENT_TYPES)}")
        if not isinstance(data["state"], dict):
            raise InvalidLine(number, "state", "must be a JSON object")
        try:
            stored = StoredEvent(originator_id, version, topic, json.dumps(data["state"]).encode())
            event = self.mapper.to_domain_event(stored)
        except Exception as error:  # the library's decoding errors have no common type
            raise InvalidLine(number, "state", f"cannot be decoded: {error}") from None
        self._check_state(number, cls, vars(event))
        return event

    def _check_state(self, number: int, cls: type[Any], state: dict[str, Any]) -> None:
        expected = _state_fields(cls)
        for name, hint in expected.items():
            if name not in state:
                raise InvalidLine(number, f"state.{name}", "missing")
            if not _matches(state[name], hint):
                raise InvalidLine(number, f"state.{name}", f"{state[name]!r} is not of type {hint}")
            coded = CODED_FIELDS.get(name)
            if coded is not None and state[name] is not None and state[name] not in {c.value for c in coded}:
                raise InvalidLine(number, f"state.{name}",
                                  f"unknown value {state[name]!r}: one of {', '.join(c.value for c in coded)}")
        extra = sorted(set(state) - set(expected) - {"originator_id", "originator_version"})
        if extra:
            raise InvalidLine(number, f"state.{extra[0]}", "unexpected field")
        if "originator_topic" in expected and state["originator_topic"] != self.licence_topic:
            raise InvalidLine(number, "state.originator_topic", f"must be {self.licence_topic!r}")


def _first_difference(old: Any, new: Any) -> str:
    """The field in which two events at the same place differ (topic first, then the state's fields)."""
    if type(old) is not type(new):
        return "topic"
    old_state, new_state = vars(old), vars(new)
    for name in sorted(set(old_state) | set(new_state)):
        if old_state.get(name) != new_state.get(name):
            return f"state.{name}"
    return "state"


class _Plan:
    """The streams as they will be after the import: the store's events plus the lines accepted so far."""

    def __init__(self, ledger: PointsLedger) -> None:
        self.ledger = ledger
        self.store_is_empty = not ledger.recorder.max_notification_id()
        self.streams: dict[UUID, dict[int, Any]] = {}
        self.to_write: list[Any] = []
        self.skipped = 0

    def _stream(self, originator_id: UUID) -> dict[int, Any]:
        stream = self.streams.get(originator_id)
        if stream is None:
            stream = {}
            if not self.store_is_empty:
                for stored in self.ledger.recorder.select_events(originator_id):
                    stream[stored.originator_version] = self.ledger.mapper.to_domain_event(stored)
            self.streams[originator_id] = stream
        return stream

    def add(self, number: int, event: Any) -> None:
        version: int = event.originator_version
        stream = self._stream(event.originator_id)
        present = stream.get(version)
        if present is not None:
            if vars(present) != vars(event):
                field = _first_difference(present, event)
                raise InvalidLine(number, field, f"version {version} of this licence is already a different "
                                                 f"event ({type(present).TOPIC})")
            self.skipped += 1
            return
        expected = len(stream) + 1
        if version != expected:
            raise InvalidLine(number, "originator_version", f"expected version {expected} of this licence "
                                                            f"(streams have no gaps), got {version}")
        if (version == 1) != isinstance(event, LicenceWasObtained):
            raise InvalidLine(number, "topic", "a licence's stream starts with its licence, and only there")
        if isinstance(event, LicenceWasObtained) and event.originator_id != licence_id(event.licence_number):
            raise InvalidLine(number, "originator_id",
                              f"is not the stream id of licence {event.licence_number!r}")
        stream[version] = event
        self.to_write.append(event)


def import_lines(ledger: PointsLedger, lines: Iterable[str]) -> ImportReport:
    """Write the events of an export into `ledger`'s store; idempotent. Raises `InvalidLine` before any write."""
    reader = _Reader(ledger.mapper.transcoder)
    plan = _Plan(ledger)
    read = 0
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        read += 1
        plan.add(number, reader.event(number, text))
    for start in range(0, len(plan.to_write), WRITE_BATCH):
        batch = plan.to_write[start:start + WRITE_BATCH]
        ledger.recorder.insert_events([ledger.mapper.to_stored_event(event) for event in batch])
    licences = len({event.originator_id for event in plan.to_write})
    return ImportReport(read=read, written=len(plan.to_write), skipped=plan.skipped, licences=licences)
