"""The strict-JSON guard finds a lone surrogate however it is written, and lets every plain body through."""

from __future__ import annotations

import pytest

from api.http.guards import json_problem

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
