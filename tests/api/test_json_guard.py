"""The strict-JSON guard finds a lone surrogate however it is written, and lets every plain body through."""

from __future__ import annotations

import json

import pytest

from api.http.guards import UNPARSED, checked_json, json_problem

SURROGATE = (["body", "facts", 0, "fact", "evidence_ref"], "a lone UTF-16 surrogate is not text")


@pytest.mark.parametrize("body", [
    b'{"facts": [{"fact": {"evidence_ref": "PV-\\ud800"}}]}',  # an escape in an ASCII body
    b'{"facts": [{"fact": {"evidence_ref": "PV-\\uDC00-\\u00e9"}}]}',
    b'{"facts": [{"fact": {"evidence_ref": "PV-\xed\xa0\x80"}}]}',  # raw bytes: json decodes with surrogatepass
    '{"facts": [{"fact": {"evidence_ref": "PV-\\ud800"}}]}'.encode("utf-16"),  # another encoding json reads
], ids=["escape", "escape-upper-case", "utf8-bytes", "utf16-body"])
def test_a_lone_surrogate_is_refused_where_it_is(body: bytes) -> None:
    assert json_problem(body) == SURROGATE


@pytest.mark.parametrize("body", [
    b'{"facts": [{"fact": {"evidence_ref": "PV-1"}}]}',
    '{"facts": [{"fact": {"evidence_ref": "Préfecture é 中"}}]}'.encode(),
    b'{"facts": [{"fact": {"evidence_ref": "\\ud83d\\ude00 \\u00e9 \\\\ud800"}}]}',  # a pair, and an escaped backslash
], ids=["ascii", "utf8-text", "escaped-pair"])
def test_a_plain_body_passes(body: bytes) -> None:
    assert json_problem(body) is None


BODIES = [
    b'{"facts": [{"fact": {"evidence_ref": "PV-1", "points": 4}}]}',
    '{"evidence_ref": "Préfecture é 中 \\ud83d\\ude00", "a": [1, -2, 3.5, 1e-400, -0.0, true, null]}'.encode(),
    b'{"points": 18446744073709551615, "n": -9223372036854775808}',  # 64-bit bounds: orjson reads ints
    b'{"points": 123456789012345678901234567890}',                    # beyond: orjson would read a float
    b'{"a": 1, "a": 2}',                                             # a key twice: the last one, as json
    b'{"evidence_ref": "\\ud800"}', b'{"points": NaN}', b'{"points": 1e400}', b'{"points": -Infinity}',
    b'{"not json"', '{"a": "é"}'.encode("utf-16"), b'\xef\xbb\xbf{"a": 1}',
]


@pytest.mark.parametrize("body", BODIES)
def test_the_guard_says_what_the_slow_check_says_and_hands_over_only_what_json_reads(body: bytes) -> None:
    problem, value = checked_json(body)
    assert problem == json_problem(body)
    if value is not UNPARSED:
        expected = json.loads(body)
        assert value == expected and json.dumps(value) == json.dumps(expected)


def test_an_integer_beyond_64_bits_is_left_to_the_routes_own_parser() -> None:
    assert checked_json(b'{"points": 123456789012345678901234567890}')[1] is UNPARSED
    assert checked_json(b'{"points": 4}')[1] == {"points": 4}
