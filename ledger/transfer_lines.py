"""Reading one line of an export: its shape, the stored event it holds, each field of the right type.

Each line is checked alone here (JSON, keys, stream id, version, topic, the state's fields and their types, coded
values); what a line means in its stream, and whether the law's checks accept it, is `ledger.transfer`'s.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import fields
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from ledger import kinds
from ledger.declaration import content_fields
from ledger.errors import InvalidFact
from ledger.events import EVENT_CLASSES, EVENT_TYPES
from ledger.licence import Licence

LINE_KEYS = ("originator_id", "originator_version", "topic", "state")


class InvalidLine(InvalidFact):
    """A line of an import that cannot be written: names the line, the field and the reason."""

    def __init__(self, line: int, field: str, reason: str) -> None:
        super().__init__(field, reason)
        self.line = line
        self.args = (f"line {line}: {field}: {reason}",)


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


class LineReader:
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
        for decl in content_fields(kinds.BY_TOPIC[cls.TOPIC].fact):
            value = state.get(decl.name)
            if decl.is_enum and value is not None and value not in {c.value for c in decl.base}:
                raise InvalidLine(number, f"state.{decl.name}",
                                  f"unknown value {value!r}: one of {', '.join(c.value for c in decl.base)}")
        extra = sorted(set(state) - set(expected) - {"originator_id", "originator_version"})
        if extra:
            raise InvalidLine(number, f"state.{extra[0]}", "unexpected field")
        if "originator_topic" in expected and state["originator_topic"] != self.licence_topic:
            raise InvalidLine(number, "state.originator_topic", f"must be {self.licence_topic!r}")
