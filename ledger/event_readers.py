"""Each event class's stored state, read straight into its event: the inverse of `ledger.fact_writers`.

The library's mapper turns a stored row into an event in three generic steps: the transcoder parses the JSON
and walks every decoded object to find the `{"_type_", "_data_"}` ones (`FastJSONTranscoder._revive`), then the
mapper converts the stream id, pops `class_version` and upcasts, then builds the event. For a ledger event the
walk is most of it: at 100 k licences it was a quarter of the batch route's time, which loads 8,000 events per
1,000 facts, and the same walk runs at every first visit of a balance and every rebuild. Yet the ledger knows
the shape of each of its events — which keys hold a date, which a datetime, which a plain value — from the event
class itself. Here, once per event class, a msgspec struct of its current stored state (its keys exactly, each
value of its declared type, checked while parsing, in C) and the function that turns it into the event are built
from the class (its fields in the mapper's order, their annotations, its `class_version`); the function is
compiled (`ledger.codegen`). Dates and datetimes are read by the transcodings' own functions
(`date.fromisoformat`, `datetime.fromisoformat`).

**Same event, or nothing.** A reader answers None, and `LedgerMapper` then takes the library's way, for any state
that is not exactly the class's current shape: another key set (an older `class_version`, to be upcast), a
value not of its declared type (or not the transcoding of its declared date or datetime), a date the
transcoding would not read, text msgspec refuses, a stream id that is not a `UUID`. So whatever the library
would raise or upcast, it still does. The one difference: the event's attributes come in the class's field order,
the order every writer of this ledger writes (decision 0063 says why checking it was not worth its cost).
A reader exists only for a transcoder whose format it reads (the library's JSON with the ledger's ISO date and
datetime transcodings) and a mapper with no cipher and no compressor. tests/ledger/test_event_readers.py
compares every reader's events with the library's mapper on recorded streams and unusual states.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

import msgspec
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

from ledger.codegen import compile_function, identifier
from ledger.events import EVENT_CLASSES
from ledger.transcoder import iso_transcoding_names

Reader = Callable[[Any, int, bytes], Any]  # (stream id, version, stored state) → the event, or None

# Each stored day's text and the `date` it reads as, shared by every reader of the process. A population's legal
# dates are a few thousand distinct days repeated across millions of events, and a dict lookup costs a tenth of
# `date.fromisoformat`. A `date` is immutable, so sharing one object between events changes nothing; the text is
# the key, so a form `fromisoformat` also accepts is read exactly as it would be. Bounded: 65,536 days (180
# years) are kept, and any other day is read without being kept. Threads share it under the GIL: at worst two
# read the same day once each.
_DAYS: dict[str, date] = {}
_DAYS_KEPT = 1 << 16

# The annotations a stored key may have for a reader to exist: plain JSON values, or a date or datetime (the
# transcoding's `{"_type_", "_data_"}` object), each possibly None. msgspec checks each value against it.
_PLAIN = frozenset({str, int, bool})


def _member_types(annotation: Any) -> tuple[set[Any], bool]:
    """The non-None types of an annotation and whether None is allowed."""
    members = set(typing.get_args(annotation)) if typing.get_args(annotation) else {annotation}
    return members - {type(None)}, type(None) in members


def _state_struct(event_class: type[Any], names: list[str], date_name: str,
                  datetime_name: str) -> tuple[type[msgspec.Struct], dict[str, type]] | None:
    """The msgspec type of `event_class`'s current stored state (its keys exactly, each value of its declared
    kind, dates and datetimes as the transcoding's object with their text), and which keys hold a date or a
    datetime; None when some key's annotation is not one a reader reads."""
    hints = typing.get_type_hints(event_class)
    transcoded: dict[str, type] = {}
    fields: list[tuple[str, Any]] = []
    wrappers = {kind: msgspec.defstruct(f"Stored{kind.__name__.title()}", [("kind", Literal[name]), ("text", str)],
                                        rename={"kind": "_type_", "text": "_data_"}, forbid_unknown_fields=True)
                for kind, name in ((date, date_name), (datetime, datetime_name))}
    for name in names:
        members, optional = _member_types(hints[name])
        if len(members) == 1 and next(iter(members)) in wrappers:
            kind = next(iter(members))
            transcoded[name] = kind
            fields.append((name, wrappers[kind] | None if optional else wrappers[kind]))
        elif members and members <= _PLAIN:
            fields.append((name, hints[name]))
        else:
            return None
    class_version = int(getattr(event_class, "class_version", 1))
    if class_version > 1:
        fields.append(("class_version", Literal[class_version]))
    return msgspec.defstruct(f"{event_class.__name__}State", fields, forbid_unknown_fields=True), transcoded


def _reader(event_class: type[Any], date_name: str, datetime_name: str) -> Reader | None:
    """The generated reader of `event_class`'s current stored shape (see the module docstring), or None when
    the class has a key no reader reads."""
    names = [f.name for f in dataclasses.fields(event_class) if f.name not in ("originator_id", "originator_version")]
    shape = _state_struct(event_class, names, date_name, datetime_name)
    if shape is None:
        return None
    struct, transcoded = shape
    namespace: dict[str, Any] = {
        "CLASS": event_class, "decode": msgspec.json.Decoder(struct).decode, "DecodeError": msgspec.DecodeError,
        "asdict": msgspec.structs.asdict, "UUID": UUID, "new": object.__new__, "setattr": object.__setattr__,
        "type": type, "len": len,
        "ValueError": ValueError, "DAYS": _DAYS, "DAYS_KEPT": _DAYS_KEPT, "READ_date": date.fromisoformat,
        "READ_datetime": datetime.fromisoformat,
    }
    lines = ["def read(originator_id, originator_version, state):",
             "    if type(originator_id) is not UUID:", "        return None",
             "    try:", "        o = decode(state)", "    except DecodeError:", "        return None",
             "    state = asdict(o)"]  # in the struct's field order: the class's
    for name in names:
        kind = transcoded.get(name)
        if kind is None:
            continue
        key, local = repr(identifier(name)), f"v_{identifier(name)}"
        lines += [f"    {local} = o.{identifier(name)}", f"    if {local} is not None:", f"        text = {local}.text"]
        if kind is date:  # a day is read once per process (see `_DAYS`); a recording time is nearly unique
            lines += ["        day = DAYS.get(text)", "        if day is None:",
                      "            try:", "                day = READ_date(text)",
                      "            except ValueError:", "                return None",
                      "            if len(DAYS) < DAYS_KEPT:", "                DAYS[text] = day",
                      f"        state[{key}] = day"]
        else:
            lines += ["        try:", f"            state[{key}] = READ_datetime(text)",
                      "        except ValueError:", "            return None"]
    if "class_version" in struct.__struct_fields__:
        lines.append("    del state['class_version']")
    lines += ["    state['originator_id'] = originator_id", "    state['originator_version'] = originator_version",
              "    event = new(CLASS)", "    setattr(event, '__dict__', state)", "    return event"]
    reader: Reader = compile_function("read", lines, namespace)
    return reader


def event_readers(transcoder: Transcoder) -> dict[str, Reader] | None:
    """A reader per stored topic for `transcoder`'s format, or None when it is not the one they read (the
    library's JSON format, through its transcoder or ours, with the ledger's ISO date and datetime
    transcodings)."""
    names = iso_transcoding_names(transcoder)
    if names is None:
        return None
    readers = {topic: _reader(event_class, *names) for topic, event_class in EVENT_CLASSES.items()}
    return {topic: reader for topic, reader in readers.items() if reader is not None}


class LedgerMapper(Mapper[UUID]):
    """The library's mapper, reading the ledger's own events through their generated readers.

    Writing is the library's (the state writers of bulk imports reproduce its bytes separately). Reading asks
    the event's reader first and takes the library's way whenever it answers None, so the events are the ones
    the library would build.
    """

    def __init__(self, transcoder: Transcoder, compressor: Any = None, cipher: Any = None) -> None:
        super().__init__(transcoder=transcoder, compressor=compressor, cipher=cipher)
        self._readers = event_readers(transcoder) if compressor is None and cipher is None else None

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event = self._generated(stored_event.originator_id, stored_event.originator_version, stored_event.topic,
                                stored_event.state)
        return super().to_domain_event(stored_event) if event is None else event

    def event_of_row(self, originator_id: UUID, originator_version: int, topic: str, state: bytes) -> Any:
        """`to_domain_event` of a row's values, without building the `StoredEvent` unless the library's way
        reads it (a batch of 1,000 licences reads 8,000 rows)."""
        event = self._generated(originator_id, originator_version, topic, state)
        if event is None:
            return super().to_domain_event(StoredEvent(originator_id, originator_version, topic, state))
        return event

    def _generated(self, originator_id: Any, originator_version: int, topic: str, state: bytes) -> Any:
        """The event as its topic's generated reader builds it, or None (no reader, or the reader declines)."""
        read = self._readers.get(topic) if self._readers is not None else None
        return None if read is None else read(originator_id, originator_version, state)


def row_reader(mapper: Mapper[UUID]) -> Callable[[UUID, int, str, bytes], Any]:
    """How `mapper` reads a row's values (stream, version, topic, state): `LedgerMapper.event_of_row`, or the
    library's `to_domain_event` for any other mapper."""
    if isinstance(mapper, LedgerMapper):
        return mapper.event_of_row
    return lambda stream, version, topic, state: mapper.to_domain_event(StoredEvent(stream, version, topic, state))
