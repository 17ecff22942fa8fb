"""The hostile inputs of issue 13 against the real service (`points-ledger serve` on SQLite): each is answered
with a 4xx in the API's one error shape, naming the field, and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.served import clean_env, cli, served

NUMBER = "120375100001"
OFFENCE = {"committed_on": "2024-01-01", "established_on": "2024-01-02", "points": 4, "class": "C4",
           "evidence_ref": "PV-HOSTILE"}


def offence_text(**changes: str) -> str:
    """An offence body as JSON text, with some values replaced by raw JSON text (NaN, 1e400…)."""
    parts = [f'"{k}": "{v}"' if isinstance(v, str) else f'"{k}": {v}' for k, v in OFFENCE.items() if k not in changes]
    parts += [f'"{k}": {v}' for k, v in changes.items()]
    return "{" + ", ".join(parts) + "}"


# (name, method, path, JSON text or None, extra headers, expected status, expected loc prefix)
CASES: list[tuple[str, str, str, str | None, dict[str, str], int, list[Any]]] = [
    ("known_at offset before year 1", "GET", f"/licences/{NUMBER}/balance?known_at=0001-01-01T00:30:00%2B01:00",
     None, {}, 422, ["query", "known_at"]),
    ("known_at offset after year 9999", "GET", f"/licences/{NUMBER}/history?known_at=9999-12-31T23:30:00-01:00",
     None, {}, 422, ["query", "known_at"]),
    ("from offset before year 1", "GET", "/audit/events?from=0001-01-01T00:00:00%2B05:00", None, {}, 422,
     ["query", "from"]),
    ("to offset after year 9999", "GET", "/reports/recorded-by?recorder=x&to=9999-12-31T22:00:00-05:00", None, {},
     422, ["query", "to"]),
    ("after 2^63 on SQLite", "GET", f"/audit/events?after={2**63}", None, {}, 422, ["query", "after"]),
    ("after 2^63 - 1 on SQLite", "GET", f"/reports/recorded-by?recorder=x&after={2**63 - 1}", None, {}, 422,
     ["query", "after"]),
    ("NaN", "POST", f"/licences/{NUMBER}/offences", offence_text(points="NaN"), {}, 422, ["body"]),
    ("Infinity", "POST", f"/licences/{NUMBER}/offences", offence_text(points="Infinity"), {}, 422, ["body"]),
    ("1e400", "POST", f"/licences/{NUMBER}/offences", offence_text(points="1e400"), {}, 422, ["body"]),
    ("lone surrogate", "POST", f"/licences/{NUMBER}/offences", offence_text(description='"\\ud800"'), {}, 422,
     ["body", "description"]),
    ("points true", "POST", f"/licences/{NUMBER}/offences", offence_text(points="true"), {}, 422,
     ["body", "points"]),
    ("Unix timestamp as a date (number)", "POST", f"/licences/{NUMBER}/offences",
     offence_text(committed_on="1699920000"), {}, 422, ["body", "committed_on"]),
    ("Unix timestamp as a date (text)", "POST", f"/licences/{NUMBER}/offences",
     offence_text(committed_on='"1699920000"'), {}, 422, ["body", "committed_on"]),
    ("Unix timestamp as on", "GET", f"/licences/{NUMBER}/balance?on=1699920000", None, {}, 422, ["query", "on"]),
    ("zero-width space in a licence number", "POST", "/licences",
     '{"number": "1203\\u200b75", "obtained_on": "2016-05-12", "evidence_ref": "E-ZW"}', {}, 422,
     ["body", "number"]),
    ("bidirectional override in a licence number", "POST", "/licences",
     '{"number": "1203\\u202e75", "obtained_on": "2016-05-12", "evidence_ref": "E-BIDI"}', {}, 422,
     ["body", "number"]),
    ("control character in a licence number", "POST", "/licences",
     '{"number": "1203\\u000175", "obtained_on": "2016-05-12", "evidence_ref": "E-CTL"}', {}, 422,
     ["body", "number"]),
    ("body over the bound", "POST", "/simulate", '{"title": "' + "x" * (2 << 20) + '"}', {}, 413, ["body"]),
    ("simulate with too many events", "POST", "/simulate", '{"licence": {"obtained_on": "2000-01-01"}, '
     '"events": [' + ", ".join(['{"type": "letter", "code": "48", "notified_on": "2001-01-01"}'] * 201)
     + '], "expect": []}', {}, 422, ["body", "events"]),
]


def upload(client: httpx.Client, content: bytes) -> httpx.Response:
    return client.post("/reconciliations", files={"extract": ("extract.csv", content, "text/csv")})


def test_every_hostile_input_is_a_4xx_naming_the_field(tmp_path: Path) -> None:
    env = clean_env(POINTS_LEDGER_DATABASE_URL=f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    token = cli(env, "tokens", "create", "--role", "prefecture")
    with served(env, tmp_path / "serve.log") as base, httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, trust_env=False, timeout=60) as client:
        assert client.post("/licences", json={"number": NUMBER, "obtained_on": "2016-05-12",
                                              "evidence_ref": "ANTS-1"}).status_code == 201
        events_before = client.get(f"/licences/{NUMBER}/events").json()["events"]
        for name, method, path, text, headers, status, loc in CASES:
            answer = client.request(method, path, content=text.encode() if text is not None else None,
                                    headers={"Content-Type": "application/json", **headers} if text else headers)
            assert answer.status_code == status, (name, answer.text[:300])
            first = answer.json()["detail"][0]
            assert first["loc"][:len(loc)] == loc, (name, first)
            assert len(answer.content) < 4096, name  # a 422 never echoes the input back
        big_header = b"licence_number," + b"x" * (140 * 1024) + b"\n"
        unterminated = b'licence_number,extract_date,balance,status\n"120375100001,2024-01-01,12,valid\n'
        for name, content, field in (("CSV header over 128 KiB", big_header, "header"),
                                     ("CSV unterminated quote", unterminated, "row")):
            answer = upload(client, content)
            assert answer.status_code == 422, (name, answer.text[:300])
            assert answer.json()["detail"][0]["loc"][-1] == field, name
        assert client.get(f"/licences/{NUMBER}/events").json()["events"] == events_before


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1+2", "@SUM(A1)", "-2+3"])
def test_csv_reports_neutralise_formulas(cell: str) -> None:
    from api.report_output import neutral_cell

    assert neutral_cell(cell) == "'" + cell
    assert neutral_cell("-4") == "-4"  # a negative number stays a number
