"""The orjson transcoder writes exactly the library's bytes and reads back exactly what the library reads.

Generated event states cover what the ledger stores (text with control characters and non-ASCII, integers,
booleans, nulls, dates, UTC and naive datetimes) plus what it hands back to the library (floats, nested
containers, enum values, datetimes in other zones, integers beyond 64 bits).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application import register_ledger_transcodings
from ledger.transcoder import FastJSONTranscoder


def _registered(transcoder: JSONTranscoder) -> JSONTranscoder:
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr()):
        transcoder.register(transcoding)
    register_ledger_transcodings(transcoder)
    return transcoder


LIBRARY, FAST = _registered(JSONTranscoder()), _registered(FastJSONTranscoder())


class Colour(StrEnum):
    RED = "red"


zones = st.sampled_from([None, UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))])
scalars = st.one_of(
    st.text(), st.integers(min_value=-(2**70), max_value=2**70), st.booleans(), st.none(),
    st.dates(), st.datetimes(timezones=zones), st.just(Colour.RED),
    st.floats(allow_nan=False, allow_infinity=False),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner,
                                                                                           max_size=3), max_leaves=6)
states = st.dictionaries(st.text(), values, max_size=12)
flat_states = st.dictionaries(st.text(), st.one_of(
    st.text(), st.integers(min_value=-(2**63), max_value=2**63 - 1), st.booleans(), st.none(), st.dates(),
    st.datetimes(timezones=st.sampled_from([None, UTC]))), max_size=15)


@settings(max_examples=300, deadline=None)
@given(states)
def test_any_state_is_stored_as_the_library_stores_it_and_read_back_the_same(state: dict[str, Any]) -> None:
    stored = LIBRARY.encode(state)
    assert FAST.encode(state) == stored
    assert FAST.decode(stored) == LIBRARY.decode(stored)


@settings(max_examples=300, deadline=None)
@given(flat_states)
def test_the_ledgers_flat_states_take_the_fast_path_with_the_same_bytes(state: dict[str, Any]) -> None:
    assert FAST._flat(state) is not None
    stored = LIBRARY.encode(state)
    assert FAST.encode(state) == stored
    assert FAST.decode(stored) == LIBRARY.decode(stored) == state


def test_an_object_that_looks_like_a_transcoded_value_is_decoded_as_the_library_decodes_it() -> None:
    stored = b'{"a":{"_type_":"date_iso","_data_":"2024-02-29"},"b":[{"_type_":"x"}],"c":NaN}'
    assert FAST.decode(stored) == {"a": date(2024, 2, 29), "b": [{"_type_": "x"}], "c": LIBRARY.decode(stored)["c"]}
    assert FAST.decode(b'{"t":{"_type_":"datetime_iso","_data_":"2024-01-01T00:00:00+00:00"}}') == {
        "t": datetime(2024, 1, 1, tzinfo=UTC)}
