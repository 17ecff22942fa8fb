"""Every error path of the API: one shape (`detail: [{loc, msg, type}]`), the field named, nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.errors import ConcurrencyConflict
from tests.api.conftest import Api

OFFENCE = {"committed_on": "2022-05-01", "established_on": "2022-05-20", "points": 3, "class": "C4",
           "evidence_ref": "PV-1"}


def _refused(api: Api, method: str, url: str, body: Any = None, who: str = "prefecture") -> dict[str, Any]:
    """Send a request that must be refused; check the stream did not move and return the first error."""
    before = api.stream_length()
    response = api.client.request(method, url, json=body, headers=api.auth(who))
    assert 400 <= response.status_code < 500, response.text
    assert api.stream_length() == before
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    assert {"loc", "msg", "type"} <= set(detail[0])
    error: dict[str, Any] = {"status": response.status_code, **detail[0]}
    return error


@pytest.mark.parametrize(("kind", "body", "loc", "reason"), [
    ("offences", {**OFFENCE, "established_on": "2022-04-01"}, ["body", "established_on"], "date de valeur"),
    ("offences", {**OFFENCE, "committed_on": "1999-01-01", "established_on": "1999-02-01"},
     ["body", "committed_on"], "before the licence was obtained"),
    ("offences", {k: v for k, v in OFFENCE.items() if k != "class"}, ["body", "class"], "required"),
    ("offences", {**OFFENCE, "class": "delit", "points": 4}, ["body", "points"], "6 points"),
    ("offences", {**OFFENCE, "speeding": {"limit_kmh": 80, "excess_kmh": 12}}, ["body", "speeding"], "not both"),
    ("offences", {k: v for k, v in OFFENCE.items() if k not in ("points", "class")} | {"kind": "jaywalking"},
     ["body", "kind"], "unknown offence kind"),
    ("stages", {"first_day": "2021-06-01", "last_day": "2021-06-03", "evidence_ref": "A"}, ["body", "last_day"],
     "two consecutive days"),
    ("annulments", {"offence": "nope", "decided_on": "2021-01-01", "evidence_ref": "T"}, ["body", "offence"],
     "no offence"),
    ("surrenders", {"on": "2021-01-01", "evidence_ref": "R"}, ["body", "on"], "48SI"),
], ids=["DV before commission", "offence before the licence", "points without class", "délit not 6",
        "speeding and points", "unknown offence kind", "stage not two days", "annulment of no offence",
        "surrender without 48SI"])
def test_a_fact_the_ledger_rejects_is_a_422_naming_the_field(
    api: Api, kind: str, body: dict[str, Any], loc: list[str], reason: str
) -> None:
    number = api.new_licence("2000-01-01")
    who = "organiser" if kind == "stages" else "prefecture"

    error = _refused(api, "POST", f"/licences/{number}/{kind}", body, who)

    assert (error["status"], error["loc"], error["type"]) == (422, loc, "invalid_fact")
    assert reason in error["msg"]


@pytest.mark.parametrize(("body", "loc"), [
    ({k: v for k, v in OFFENCE.items() if k != "committed_on"}, ["body", "committed_on"]),
    ({**OFFENCE, "committed_on": "2022-02-30"}, ["body", "committed_on"]),
    ({**OFFENCE, "committed_on": "9999-01-01"}, ["body", "committed_on"]),
    ({**OFFENCE, "points": 7}, ["body", "points"]),
    ({**OFFENCE, "class": "C9"}, ["body", "class"]),
    ({**OFFENCE, "evidence_ref": "   "}, ["body", "evidence_ref"]),
    ({**OFFENCE, "recorded_by": "someone else"}, ["body", "recorded_by"]),
    ({**OFFENCE, "speeding": {"limit_kmh": 80}}, ["body", "speeding", "excess_kmh"]),
], ids=["missing field", "impossible date", "date out of range", "points over 6", "unknown class",
        "blank evidence", "recorded_by from the body", "incomplete speeding"])
def test_an_invalid_body_is_a_422_naming_the_field(api: Api, body: dict[str, Any], loc: list[str]) -> None:
    number = api.new_licence()

    error = _refused(api, "POST", f"/licences/{number}/offences", body)

    assert (error["status"], error["loc"]) == (422, loc)


def test_a_fact_id_already_used_on_the_licence_is_a_422(api: Api) -> None:
    number = api.new_licence()
    api.record(number, "offences", {**OFFENCE, "id": "o1"})

    error = _refused(api, "POST", f"/licences/{number}/offences", {**OFFENCE, "id": "o1", "evidence_ref": "PV-2"})

    assert (error["status"], error["loc"]) == (422, ["body", "id"])


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/licences/UNKNOWN-1/offences", OFFENCE),
    ("POST", "/licences/UNKNOWN-1/letters", {"code": "48", "notified_on": "2020-01-01", "evidence_ref": "L"}),
    ("GET", "/licences/UNKNOWN-1/balance", None),
    ("GET", "/licences/UNKNOWN-1/history", None),
    ("GET", "/licences/UNKNOWN-1/events", None),
    ("GET", "/licences/UNKNOWN-1/stage-eligibility", None),
])
def test_an_unknown_licence_is_a_404(api: Api, method: str, path: str, body: Any) -> None:
    error = _refused(api, method, path, body)

    assert (error["status"], error["loc"], error["type"]) == (404, ["path", "number"], "licence_not_found")


def test_the_same_evidence_with_other_content_is_a_409(api: Api) -> None:
    number = api.new_licence()
    api.record(number, "offences", OFFENCE)

    error = _refused(api, "POST", f"/licences/{number}/offences", {**OFFENCE, "points": 2})

    assert (error["status"], error["loc"], error["type"]) == (409, ["body", "evidence_ref"], "evidence_conflict")


def test_a_licence_number_recorded_with_other_content_is_a_409(api: Api) -> None:
    number = api.new_licence("2000-01-01")

    error = _refused(api, "POST", "/licences", {"number": number, "obtained_on": "2001-01-01",
                                                 "evidence_ref": f"ANTS-{number}"})

    assert (error["status"], error["loc"], error["type"]) == (409, ["body", "number"], "licence_exists")


def test_writes_that_keep_losing_the_race_are_a_409(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    number = api.new_licence()

    def always_beaten(licence_number: str, fact: object) -> None:
        raise ConcurrencyConflict(licence_number, 8)

    monkeypatch.setattr(api.ledger, "record", always_beaten)
    error = _refused(api, "POST", f"/licences/{number}/offences", OFFENCE)

    assert (error["status"], error["type"]) == (409, "concurrency_conflict")


def test_a_retried_write_returns_the_original_result_and_writes_nothing(api: Api) -> None:
    number = api.new_licence()
    first = api.client.post(f"/licences/{number}/offences", json=OFFENCE, headers=api.auth("prefecture"))
    before = api.stream_length()

    again = api.client.post(f"/licences/{number}/offences", json=OFFENCE, headers=api.auth("prefecture"))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {**first.json(), "created": False}
    assert api.stream_length() == before


def test_a_retried_licence_creation_returns_the_original_result(api: Api) -> None:
    body = {"number": "RETRY-LICENCE-1", "obtained_on": "2005-01-01", "evidence_ref": "ANTS-R1"}
    first = api.client.post("/licences", json=body, headers=api.auth("prefecture"))
    before = api.stream_length()

    again = api.client.post("/licences", json=body, headers=api.auth("prefecture"))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["fact_id"] == first.json()["fact_id"]
    assert api.stream_length() == before


@pytest.mark.parametrize(("query", "loc"), [
    ("on=2024-13-01", ["query", "on"]),
    ("on=2300-01-01", ["query", "on"]),
    ("known_at=yesterday", ["query", "known_at"]),
    ("mode=lenient", ["query", "mode"]),
])
def test_a_bad_query_value_is_a_422_naming_it(api: Api, query: str, loc: list[str]) -> None:
    number = api.new_licence()

    error = _refused(api, "GET", f"/licences/{number}/balance?{query}")

    assert (error["status"], error["loc"]) == (422, loc)


@pytest.mark.parametrize(("query", "loc"), [
    ("type=parking", ["query", "type"]),
    ("from=last-week", ["query", "from"]),
    ("limit=0", ["query", "limit"]),
    ("after=-1", ["query", "after"]),
])
def test_a_bad_audit_filter_is_a_422_naming_it(api: Api, query: str, loc: list[str]) -> None:
    error = _refused(api, "GET", f"/audit/events?{query}", who="auditor")

    assert (error["status"], error["loc"]) == (422, loc)


def test_an_invalid_scenario_is_a_422_naming_the_event_and_the_field(api: Api) -> None:
    scenario = {"licence": {"obtained_on": "2000-01-01"},
                "events": [{"type": "offence", "id": "o1", "committed_on": "2020-01-01",
                            "established_on": "2019-01-01", "points": 2, "class": "C3"}],
                "expect": [{"on": "2020-06-01", "balance": 10}]}

    error = _refused(api, "POST", "/simulate", scenario, who="auditor")

    assert (error["status"], error["type"]) == (422, "invalid_scenario")
    assert error["loc"] == ["body", "event #1 (o1)", "established_on"]


def test_a_scenario_date_beyond_the_computable_range_is_a_422(api: Api) -> None:
    scenario = {"licence": {"obtained_on": "9999-12-01"}, "events": [], "expect": [{"on": "9999-12-31",
                                                                                  "balance": 6}]}

    error = _refused(api, "POST", "/simulate", scenario, who="auditor")

    assert (error["status"], error["loc"]) == (422, ["body", "licence", "obtained_on"])


def test_a_body_that_is_not_json_is_a_422_once_the_token_is_valid(api: Api) -> None:
    number = api.new_licence()
    before = api.stream_length()

    response = api.client.post(f"/licences/{number}/offences", content=b'{"evidence_ref": ',
                               headers={**api.auth("prefecture"), "Content-Type": "application/json"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert api.stream_length() == before


def test_an_unknown_route_and_a_wrong_method_answer_in_the_same_shape(sqlite_api: Api) -> None:
    missing = _refused(sqlite_api, "GET", "/no-such-thing")
    wrong_method = _refused(sqlite_api, "DELETE", "/licences")

    assert (missing["status"], missing["type"]) == (404, "not_found")
    assert (wrong_method["status"], wrong_method["type"]) == (405, "method_not_allowed")
