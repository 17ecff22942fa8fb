"""The generated event readers build exactly the events the library's mapper builds, or decline.

- Every kind of event, unusual values included, read through `LedgerMapper` is the library mapper's event: same
  class, same attributes in the same order, and the generated reader (not the fallback) built it.
- Streams recorded on both stores read back through the ledger's mapper as through the library's.
- Whatever is not exactly an event's current shape (an older class version, a key more or less, a float, a
  nested value, a date under another transcoding, a date the transcoding cannot read, a stream id given as text)
  is declined by the reader, and the mapper then answers, upcasts or raises as the library does.
- No readers for a transcoder whose format they do not read, nor behind a compressor.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.persistence import DatetimeAsISO, MapperDeserialisationError, StoredEvent

from ledger.application import PointsLedger
from ledger.bulk_import import licence_events
from ledger.event_readers import LedgerMapper, event_readers
from ledger.events import EVENT_CLASSES, OffenceWasEstablished
from ledger.facts import LicenceRecord
from ledger.transcoder import FastJSONTranscoder
from tests.ledger.builders import NUMBER, a_letter, a_licence, a_stage, an_offence
from tests.ledger.library_mapper import LEDGER, LIBRARY, library_transcoder
from tests.ledger.unusual_records import unusual_records

READERS = event_readers(LEDGER.mapper.transcoder)


def _read(stored: StoredEvent) -> Any:
    """What the generated reader of the stored event's topic answers (None: it declines)."""
    assert READERS is not None
    return READERS[stored.topic](stored.originator_id, stored.originator_version, stored.state)


def _same_event(ours: Any, theirs: Any) -> None:
    assert type(ours) is type(theirs)
    assert list(vars(ours).items()) == list(vars(theirs).items())  # values and key order
    assert {k: type(v) for k, v in vars(ours).items()} == {k: type(v) for k, v in vars(theirs).items()}


def _an_offence_state(**changes: Any) -> StoredEvent:
    """A stored offence whose decoded state is changed by `changes` (a value of ... removes the key)."""
    stored = LIBRARY.to_stored_event(licence_events(LicenceRecord(a_licence(), (an_offence(),)))[1])
    state = orjson.loads(stored.state)
    for key, value in changes.items():
        if value is ...:
            del state[key]
        else:
            state[key] = value
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, orjson.dumps(state))


def test_the_ledger_reads_through_its_own_mapper() -> None:
    assert type(LEDGER.mapper) is LedgerMapper
    assert READERS is not None and set(READERS) == set(EVENT_CLASSES)


@pytest.mark.parametrize("record", unusual_records(), ids=["every optional set", "every optional left out",
                                                           "recorded in another zone"])
def test_each_event_is_read_as_the_library_reads_it(record: LicenceRecord) -> None:
    assert READERS is not None
    for event in licence_events(record):
        stored = LIBRARY.to_stored_event(event)
        expected = LIBRARY.to_domain_event(stored)
        read = _read(stored)
        assert read is not None, type(event).__name__  # the generated reader built it, not the fallback
        _same_event(read, expected)
        _same_event(LEDGER.mapper.to_domain_event(stored), expected)


def test_every_kind_of_event_has_a_reader_that_reads_it() -> None:
    assert READERS is not None
    read = {type(_read(s)) for r in unusual_records()[:2] for s in map(LIBRARY.to_stored_event,
                                                                                     licence_events(r))}
    assert read == set(EVENT_CLASSES.values())


def test_a_recorded_stream_reads_back_as_the_library_reads_it(ledger: PointsLedger) -> None:
    ledger.create_licence(a_licence())
    for fact in (an_offence(), a_letter(), an_offence("2023-04-01", "2023-04-15", points=2), a_stage()):
        ledger.record(NUMBER, fact)
    stream = ledger.licence_events(NUMBER)[0].originator_id
    stored = list(ledger.recorder.select_events(stream))
    assert len(stored) == 5
    for row in stored:
        _same_event(ledger.mapper.to_domain_event(row), LIBRARY.to_domain_event(row))
    assert READERS is not None and all(_read(row) is not None for row in stored)


@pytest.mark.parametrize("changes", [
    {"class_version": ..., "registered_on": ...},                     # an offence of class version 1
    {"class_version": 3},                                             # a version the class does not know
    {"class_version": "2"},                                           # which the library cannot compare
    {"extra": "x"},                                                   # a key more
    {"description": ...},                                             # a key less
    {"points": 2.0},                                                  # a float: the library's own parser
    {"description": ["a", {"_type_": "date_iso", "_data_": "2023-01-01"}]},  # nested values, revived
    {"natinf": {"_type_": "date_iso", "_data_": "2023-01-01"}},       # a date where text is declared
    {"committed_on": {"_type_": "datetime_iso", "_data_": "2023-01-01T10:00:00"}},  # another transcoding
    {"committed_on": {"_type_": "date_iso", "_data_": "2023-01-01", "more": 1}},
    {"committed_on": "2023-01-01"},                                   # a date not transcoded
    {"registered_on": None},                                          # an optional date left out: read
])
def test_what_is_not_the_current_shape_is_read_as_the_library_reads_it(changes: dict[str, Any]) -> None:
    stored = _an_offence_state(**changes)
    assert (_read(stored) is None) == (changes != {"registered_on": None})  # declined, but for the last case
    try:
        expected = LIBRARY.to_domain_event(stored)
    except Exception as error:  # e.g. a class version given as text: the library's own TypeError
        with pytest.raises(type(error)):
            LEDGER.mapper.to_domain_event(stored)
        return
    _same_event(LEDGER.mapper.to_domain_event(stored), expected)


def test_an_older_class_version_is_declined_by_the_reader_and_upcast() -> None:
    assert READERS is not None
    stored = _an_offence_state(class_version=..., registered_on=...)
    assert _read(stored) is None
    event = LEDGER.mapper.to_domain_event(stored)
    assert isinstance(event, OffenceWasEstablished) and event.registered_on is None


@pytest.mark.parametrize("changes", [
    {"committed_on": {"_type_": "date_iso", "_data_": "2023-13-45"}},  # not a date
    {"committed_on": {"_type_": "unknown", "_data_": "2023-01-01"}},   # a transcoding not registered
])
def test_a_state_the_library_cannot_read_raises_its_error(changes: dict[str, Any]) -> None:
    stored = _an_offence_state(**changes)
    assert _read(stored) is None
    with pytest.raises(MapperDeserialisationError):
        LIBRARY.to_domain_event(stored)
    with pytest.raises(MapperDeserialisationError):
        LEDGER.mapper.to_domain_event(stored)


def test_invalid_json_raises_the_librarys_error() -> None:
    stored = StoredEvent(uuid4(), 1, OffenceWasEstablished.TOPIC, b"{not json")
    with pytest.raises(MapperDeserialisationError):
        LEDGER.mapper.to_domain_event(stored)


def test_a_stream_id_given_as_text_is_converted_as_the_library_converts_it() -> None:
    stored = _an_offence_state()
    as_text = StoredEvent(str(stored.originator_id), stored.originator_version, stored.topic, stored.state)
    assert READERS is not None and _read(as_text) is None
    event = LEDGER.mapper.to_domain_event(as_text)
    assert isinstance(event.originator_id, UUID)
    _same_event(event, LIBRARY.to_domain_event(as_text))


def test_no_readers_for_a_format_they_do_not_read() -> None:
    class Other(FastJSONTranscoder):
        pass

    plain = FastJSONTranscoder()
    plain.register(DatetimeAsISO())  # dates not registered
    assert event_readers(Other()) is None
    assert event_readers(plain) is None
    assert event_readers(library_transcoder()) is not None


def test_no_readers_behind_a_compressor_and_the_events_still_read() -> None:
    compressed = PointsLedger({"PERSISTENCE_MODULE": "eventsourcing.popo",
                               "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"})
    assert isinstance(compressed.mapper, LedgerMapper) and compressed.mapper._readers is None
    compressed.create_licence(a_licence())
    compressed.record(NUMBER, a_stage())
    assert [type(e).__name__ for e in compressed.licence_events(NUMBER)] == ["LicenceWasObtained",
                                                                            "StageWasCompleted"]


def test_a_state_whose_keys_another_writer_ordered_reads_as_an_equal_event_in_the_class_order() -> None:
    stored = _an_offence_state()
    state = orjson.loads(stored.state)
    reordered = StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                            orjson.dumps(dict(reversed(list(state.items())))))
    ours, theirs = LEDGER.mapper.to_domain_event(reordered), LIBRARY.to_domain_event(reordered)
    assert ours == theirs and vars(ours) == vars(theirs)
    assert list(vars(ours)) == list(vars(LIBRARY.to_domain_event(stored)))  # the order every writer writes


def test_a_row_reads_as_its_stored_event_reads() -> None:
    for event in licence_events(unusual_records()[0]):
        stored = LIBRARY.to_stored_event(event)
        row = (stored.originator_id, stored.originator_version, stored.topic, stored.state)
        _same_event(LEDGER.mapper.event_of_row(*row), LIBRARY.to_domain_event(stored))
    declined = _an_offence_state(class_version=..., registered_on=...)
    _same_event(LEDGER.mapper.event_of_row(declined.originator_id, declined.originator_version, declined.topic,
                                           declined.state), LIBRARY.to_domain_event(declined))
