"""Each kind of fact's stored state, written straight from the fact: the bytes the mapper and transcoder write.

The generic way from a checked fact to its stored row builds the event's fields (`licence.event_of`: a dict,
`declaration.stored_state`: another), puts them in the mapper's key order (`event_shape`), flattens them for the
transcoder (dates wrapped as the library's `{"_type_", "_data_"}` objects) and only then hands them to orjson:
three dicts and a type dispatch per value, which was a third of a bulk import's Python time. Here, once per fact
class, the function that does all of it in one dict display is written out from the same declarations — the
kind's event class (its fields, in the mapper's order, and its `class_version`) and the fact's declared fields
(`declaration.content_fields`: enumerations stored as their values, a nested value as `<field>_<subfield>`) —
and compiled (`ledger.codegen`).

**Same bytes, or nothing.** A writer exists only for a transcoder whose output it reproduces (the library's
JSON format with the ledger's ISO date and datetime transcodings, `ledger.transcoder`), and it answers None —
the caller then takes the generic way — for any value not of exactly the type the declaration states (a `str`
subclass, a `date` subclass, a datetime in a zone other than UTC…) and for any text orjson refuses (a lone
surrogate). tests/ledger/test_fact_writers.py compares every kind's bytes with the library's, unusual values
included; tests/bulk with the rows the aggregate and the mapper write on both stores.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import orjson
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import get_topic

from ledger import kinds
from ledger.codegen import compile_function, identifier
from ledger.declaration import Declared, content_fields, recording_fields
from ledger.events import EVENT_CLASSES
from ledger.licence import Licence
from ledger.transcoder import iso_transcoding_names

Writer = Callable[[Any], "tuple[str, bytes] | None"]


@dataclass(frozen=True, slots=True)
class EventShape:
    """How the mapper stores an event class: its topic, its state's keys in order, its class version."""

    topic: str
    names: tuple[str, ...]
    class_version: int


@cache
def event_shape(event_class: Any) -> EventShape:
    """The state keys in the order the library's mapper writes them (`vars(event)`: the dataclass fields, minus
    the two that become columns), then `class_version` when above 1."""
    names = tuple(f.name for f in dataclasses.fields(event_class)
                  if f.name not in ("originator_id", "originator_version"))
    return EventShape(get_topic(event_class), names, getattr(event_class, "class_version", 1))


class StateWriters:
    """The state writer of each fact class (the licence's and every kind's), written on first use."""

    def __init__(self, date_name: str, datetime_name: str) -> None:
        self._names = (date_name, datetime_name)
        self._writers: dict[tuple[type[Any], bool], Writer] = {}

    def __call__(self, fact: Any, checked: bool = False) -> tuple[str, bytes] | None:
        """The stored topic and state of `fact`'s event, its timestamp being the fact's `recorded_at`; None when
        only the generic way can tell (see the module docstring).

        `checked`: the caller saw `declaration.certainly_valid(fact)` answer True, so every declared field is
        of exactly its declared type and the writer does not test them again (only the recording time)."""
        key = (type(fact), checked)
        writer = self._writers.get(key)
        if writer is None:
            writer = self._writers[key] = _writer(type(fact), *self._names, guarded=not checked)
        return writer(fact)


def state_writers(transcoder: Transcoder) -> StateWriters | None:
    """Writers whose bytes are `transcoder`'s, or None when its output is not the one they reproduce: the
    library's JSON format (its transcoder or ours, not a subclass) with the ledger's date and datetime
    transcodings."""
    names = iso_transcoding_names(transcoder)
    return None if names is None else StateWriters(*names)


def _writer(fact_class: type[Any], date_name: str, datetime_name: str, *, guarded: bool) -> Writer:
    """The generated writer of `fact_class`'s stored topic and state; when some stored key cannot be written
    from a declared field, a writer that always answers None (the generic way then writes every such fact).
    `guarded`: whether it tests each value's type first (see `StateWriters.__call__`)."""
    kind = kinds.BY_FACT[fact_class]
    event_class: Any = EVENT_CLASSES[kind.topic]
    shape = event_shape(event_class)
    namespace: dict[str, Any] = {"TOPIC": shape.topic, "dumps": orjson.dumps, "EncodeError": orjson.JSONEncodeError,
                                 "date": date, "datetime": datetime, "ZONES": (None, UTC), "DATE": date_name,
                                 "DATETIME": datetime_name}
    lines = ["def write(fact):", "    at = fact.recorded_at",
             "    if type(at) is not datetime or at.tzinfo not in ZONES:", "        return None"]
    values: dict[str, str] = {"timestamp": '{"_type_": DATETIME, "_data_": at}'}
    if "originator_topic" in shape.names:  # the stream's first event names its aggregate class
        namespace["AGGREGATE"] = get_topic(Licence)
        values["originator_topic"] = "AGGREGATE"
    recording = tuple(d for d in recording_fields(fact_class) if d.name in shape.names)
    for decl in (*recording, *content_fields(fact_class)):
        written = _field(decl, namespace, guarded)
        if written is None:
            return _never
        reads, stored = written
        lines += reads
        values.update(stored)
    if set(values) != set(shape.names):
        return _never
    items = [f"{name!r}: {values[name]}" for name in shape.names]
    if shape.class_version > 1:
        items.append(f"'class_version': {int(shape.class_version)}")
    lines += ["    try:", f"        return TOPIC, dumps({{{', '.join(items)}}})", "    except EncodeError:",
              "        return None"]
    writer: Writer = compile_function("write", lines, namespace)
    return writer


def _never(fact: Any) -> None:
    return None


def _field(decl: Declared, namespace: dict[str, Any], guarded: bool) -> tuple[list[str], dict[str, str]] | None:
    """The lines reading one declared field (with `guarded`, each followed by its guard: return None unless the
    value has exactly its declared type) and the stored key(s) with the expression writing each; None when the
    declaration has no direct writing."""
    local = f"v_{identifier(decl.name)}"
    read = f"    {local} = fact.{identifier(decl.name)}"

    def guard(name: str, type_name: str, optional: bool) -> list[str]:
        if not guarded:
            return []
        test = f"type({name}) is not {type_name}"
        if optional:
            test = f"{name} is not None and {test}"
        return [f"    if {test}:", "        return None"]

    if decl.nested:
        namespace[f"T_{decl.name}"] = decl.base
        lines = [read, *guard(local, f"T_{decl.name}", decl.optional)]
        stored: dict[str, str] = {}
        for sub in decl.nested:
            if sub.nested or sub.is_enum or sub.base not in (str, int):
                return None
            part = f"{local}_{identifier(sub.name)}"
            lines += [f"    {part} = None if {local} is None else {local}.{identifier(sub.name)}",
                      *guard(part, sub.base.__name__, decl.optional or sub.optional)]
            stored[f"{decl.name}_{sub.name}"] = part
        return lines, stored
    if decl.is_enum:
        namespace[f"E_{decl.name}"] = decl.base
        # `_value_`: the member's value as the enum module stores it (`.value` is a descriptor call per read).
        value = f"None if {local} is None else {local}._value_" if decl.optional else f"{local}._value_"
        return [read, *guard(local, f"E_{decl.name}", decl.optional)], {decl.name: value}
    if decl.base is date:
        value = f'{{"_type_": DATE, "_data_": {local}}}'
        if decl.optional:
            value = f"None if {local} is None else {value}"
        return [read, *guard(local, "date", decl.optional)], {decl.name: value}
    if decl.base in (str, int):
        return [read, *guard(local, decl.base.__name__, decl.optional)], {decl.name: local}
    return None
