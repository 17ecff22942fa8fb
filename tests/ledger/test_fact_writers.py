"""The generated code of the bulk import stands exactly for the generic code it replaces.

- Each kind's state writer (`ledger.fact_writers`) writes the bytes the library's mapper and JSON transcoder
  write for the aggregate's event, for every kind of fact, unusual values included; and it declines (None, the
  generic way then writes) whatever it cannot write the same.
- The generated field test (`declaration.certainly_valid`) never accepts a fact the field-by-field checks
  refuse, and accepts the ordinary ones (so the checks are really skipped for them).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

import pytest
from eventsourcing.persistence import DatetimeAsISO

from ledger import kinds
from ledger.bulk_import import licence_events
from ledger.bulk_rows import licence_rows
from ledger.declaration import (
    EARLIEST_DATE,
    LATEST_DATE,
    Declared,
    certainly_valid,
    check_each_field,
    check_fields,
    declared_fields,
)
from ledger.errors import InvalidFact
from ledger.fact_writers import state_writers
from ledger.facts import LicenceRecord, Speeding
from ledger.transcoder import FastJSONTranscoder
from tests.ledger.builders import a_licence, a_speeding, a_stage, an_offence
from tests.ledger.library_mapper import LEDGER, LIBRARY, library_transcoder
from tests.ledger.unusual_records import every_optional_left_out, every_optional_set, unusual_records

WRITERS = state_writers(LEDGER.mapper.transcoder)


def _facts_in_stream_order(record: LicenceRecord) -> list[Any]:
    return [record.licence, *sorted(record.facts, key=lambda f: f.order_key)]


@pytest.mark.parametrize("record", unusual_records(), ids=["every optional set", "every optional left out",
                                                           "recorded in another zone"])
def test_each_fact_is_written_as_the_library_writes_its_event(record: LicenceRecord) -> None:
    assert WRITERS is not None
    events = licence_events(record)
    facts = _facts_in_stream_order(record)
    assert len(events) == len(facts)
    for fact, event in zip(facts, events, strict=True):
        expected = LIBRARY.to_stored_event(event)
        assert certainly_valid(fact)
        for checked in (False, True):  # testing each value's type, or trusting `certainly_valid`
            written = WRITERS(fact, checked)
            if fact.recorded_at.tzinfo not in (None, UTC):
                assert written is None  # a zone the writers do not write: the generic way
            else:
                assert written == (expected.topic, expected.state), type(fact).__name__


def test_every_kind_of_fact_has_a_writer_that_writes_it() -> None:
    assert WRITERS is not None
    seen = {type(f) for r in (every_optional_set(), every_optional_left_out()) for f in _facts_in_stream_order(r)
            if WRITERS(f) is not None}
    assert seen == {kind.fact for kind in kinds.ALL_KINDS}


@pytest.mark.parametrize("record", unusual_records(), ids=["every optional set", "every optional left out",
                                                           "recorded in another zone"])
def test_the_rows_of_unusual_records_are_the_library_mappers_rows_byte_for_byte(record: LicenceRecord) -> None:
    expected = [LIBRARY.to_stored_event(e) for e in licence_events(record)]
    for writers in (WRITERS, None):
        rows = licence_rows(record, LEDGER.mapper.transcoder.encode, writers)
        assert rows == [(e.originator_id, e.originator_version, e.topic, e.state) for e in expected]


class Colour(StrEnum):
    RED = "red"


class Text(str):
    pass


class Day(date):
    pass


@pytest.mark.parametrize(("field", "value"), [
    ("description", Text("feu rouge")),          # a str subclass
    ("description", Colour.RED),                  # an enumeration where a text is declared
    ("committed_on", Day(2023, 3, 10)),           # a date subclass
    ("description", "lone \ud800 surrogate"),     # a text orjson will not write
    ("recorded_at", datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=-5)))),
    ("recorded_at", "2024-01-01"),
])
def test_a_writer_declines_what_it_cannot_write_as_the_library_does(field: str, value: Any) -> None:
    assert WRITERS is not None
    assert WRITERS(an_offence()) is not None
    assert WRITERS(dataclasses.replace(an_offence(), **{field: value})) is None


def test_no_writers_for_a_transcoder_they_do_not_reproduce() -> None:
    class Other(FastJSONTranscoder):
        pass

    plain = FastJSONTranscoder()
    plain.register(DatetimeAsISO())  # dates not registered: the library could not write them at all
    assert state_writers(Other()) is None
    assert state_writers(plain) is None
    assert state_writers(library_transcoder()) is not None


# -- the generated field test ---------------------------------------------------------------------------------


def _candidates(decl: Declared) -> list[Any]:
    """Values on both sides of every bound of `decl`, of neighbouring types, None and subclasses."""
    spec = decl.spec
    common: list[Any] = [None, object(), 1.0, True]
    if decl.is_enum:
        return [*common, *decl.base, next(iter(decl.base)).value, Colour.RED]
    if decl.base is date:
        return [*common, EARLIEST_DATE, EARLIEST_DATE - timedelta(days=1), LATEST_DATE,
                LATEST_DATE + timedelta(days=1), Day(2020, 1, 1), datetime(2020, 1, 1, tzinfo=UTC), "2020-01-01"]
    if decl.base is int:
        low, high = spec.ge if spec.ge is not None else -(2**70), spec.le if spec.le is not None else 2**70
        return [*common, low - 1, low, high, high + 1, 0, False, "1"]
    if decl.base is str:
        longest = spec.max_length
        return [*common, "", " ", "\t", "a", "é", "a" * longest, "a" * (longest + 1), " a", "a ", "a/b", "a b",
                "a\n", Text("a"), Colour.RED, b"a", 7]
    if decl.nested:
        return [*common, Speeding(1, 1), Speeding(0, 1), Speeding(200, 300), Speeding(201, 1), Speeding(1, 301),
                Speeding(True, 1), Speeding(None, 1), "80/12"]  # type: ignore[arg-type]
    return [*common, 0, "x"]


BASES = [a_licence(), an_offence(), a_speeding(), a_stage(), *every_optional_set().facts,
         *every_optional_left_out().facts]


@pytest.mark.parametrize("base", BASES, ids=lambda fact: type(fact).__name__)
def test_the_generated_field_test_never_accepts_what_the_checks_refuse(base: Any) -> None:
    assert certainly_valid(base)  # an ordinary fact takes the quick way
    accepted = refused = 0
    for decl in declared_fields(type(base)):
        if decl.base is datetime:
            continue  # the recording time is not bounded by the declaration
        for value in _candidates(decl):
            fact = dataclasses.replace(base, **{decl.name: value})
            try:
                check_each_field(fact)
            except (InvalidFact, AttributeError) as error:  # a value with no sub-fields where some are declared
                refused += 1
                assert not certainly_valid(fact), (decl.name, value)
                with pytest.raises(type(error)) as through_the_quick_way:
                    check_fields(fact)
                assert str(through_the_quick_way.value) == str(error)
            else:
                accepted += certainly_valid(fact)
    assert accepted and refused
