"""`POST /facts:batch`: one answer per fact (created, present, refused with the field and the reason), the same
bodies and checks as the single routes, and nothing written for a refused fact."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.http.routes.batch import MAX_BATCH
from tests.api.conftest import Api


def _offence(evidence: str, **extra: Any) -> dict[str, Any]:
    return {"committed_on": "2024-03-02", "established_on": "2024-03-20", "points": 4, "class": "C4",
            "evidence_ref": evidence, **extra}


def _batch(api: Api, facts: list[dict[str, Any]], who: str = "prefecture") -> dict[str, Any]:
    response = api.client.post("/facts:batch", json={"facts": facts}, headers=api.auth(who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_each_fact_of_a_batch_is_answered_in_order_and_only_the_refused_ones_write_nothing(api: Api) -> None:
    first, second = api.new_licence(), api.new_licence()
    before = api.stream_length()

    answer = _batch(api, [
        {"licence_number": first, "kind": "offence", "fact": _offence("PV-B1", id="b1")},
        {"licence_number": first, "kind": "offence", "fact": _offence("PV-B1", id="b1")},
        {"licence_number": second, "kind": "offence", "fact": _offence("PV-B2", established_on="2024-01-01")},
        {"licence_number": second, "kind": "letter", "fact": {"code": "99", "notified_on": "2024-04-01",
                                                              "evidence_ref": "L-1"}},
        {"licence_number": "NOT-THERE", "kind": "letter", "fact": {"code": "48", "notified_on": "2024-04-01",
                                                                   "evidence_ref": "L-2"}},
        {"licence_number": second, "kind": "annulment", "fact": {"offence": "b1", "decided_on": "2024-09-01",
                                                                 "evidence_ref": "TA-1", "unknown": 1}},
        {"licence_number": second, "kind": "letter", "fact": {"code": "48", "notified_on": "2024-04-01",
                                                              "evidence_ref": "L-3"}},
    ])

    statuses = [(r["index"], r["status"]) for r in answer["results"]]
    assert statuses == [(0, "created"), (1, "present"), (2, "refused"), (3, "refused"), (4, "refused"),
                        (5, "refused"), (6, "created")]
    assert (answer["created"], answer["present"], answer["refused"]) == (2, 1, 4)
    refused = {r["index"]: (r["field"], r["type"]) for r in answer["results"] if r["status"] == "refused"}
    assert refused[2] == (["body", "facts", 2, "fact", "established_on"], "invalid_fact")
    assert refused[3][0] == ["body", "facts", 3, "fact", "code"]
    assert refused[4] == (["body", "facts", 4, "licence_number"], "licence_not_found")
    assert refused[5][0] == ["body", "facts", 5, "fact", "unknown"]
    assert answer["results"][0]["fact_id"] == answer["results"][1]["fact_id"] == "b1"
    assert answer["results"][6]["version"] == 2
    assert api.stream_length() == before + 2


def test_a_batch_answers_what_the_single_routes_answer_for_the_same_facts(api: Api) -> None:
    batched, single = api.new_licence(), api.new_licence()
    facts = [("offences", "offence", _offence("PV-S1", id="s-1")),
             ("letters", "letter", {"id": "s-2", "code": "48", "notified_on": "2024-04-01", "evidence_ref": "L-S"}),
             ("offences", "offence", _offence("PV-S1", id="s-1"))]

    answer = _batch(api, [{"licence_number": batched, "kind": kind, "fact": body} for _, kind, body in facts])
    one_by_one = [api.client.post(f"/licences/{single}/{path}", json=body, headers=api.auth("prefecture")).json()
                  for path, _, body in facts]

    assert [(r["fact_id"], r["version"], r["status"] == "created") for r in answer["results"]] == [
        (r["fact_id"], r["version"], r["created"]) for r in one_by_one]
    def facts_of(number: str) -> list[tuple[str, str, str]]:
        return [(type(e).__name__, e.fact_id, e.evidence_ref) for e in api.ledger.licence_events(number)[1:]]

    assert facts_of(batched) == facts_of(single) == [("OffenceWasEstablished", "s-1", "PV-S1"),
                                                     ("LetterWasNotified", "s-2", "L-S")]


def test_a_batch_above_the_limit_or_empty_is_refused_whole(api: Api) -> None:
    number = api.new_licence()
    before = api.stream_length()
    letter = {"licence_number": number, "kind": "letter", "fact": {"code": "48", "notified_on": "2024-04-01",
                                                                   "evidence_ref": "L-MANY"}}
    for facts in ([letter] * (MAX_BATCH + 1), []):
        response = api.client.post("/facts:batch", json={"facts": facts}, headers=api.auth("prefecture"))
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"][:2] == ["body", "facts"]
    assert api.stream_length() == before


def test_stages_are_not_recorded_in_a_batch(api: Api) -> None:
    number = api.new_licence()
    response = api.client.post("/facts:batch", headers=api.auth("prefecture"), json={"facts": [
        {"licence_number": number, "kind": "stage", "fact": {"first_day": "2024-06-03", "last_day": "2024-06-04",
                                                             "evidence_ref": "ATT-B"}}]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "facts", 0, "kind"]


def test_a_batch_is_recorded_by_the_tokens_subject_at_the_time_of_the_call(api: Api) -> None:
    number = api.new_licence()
    subject = api.store.authenticate(api.tokens["prefecture"])
    assert subject is not None

    _batch(api, [{"licence_number": number, "kind": "offence", "fact": _offence("PV-WHO")}])

    event = api.ledger.licence_events(number)[-1]
    assert (event.evidence_ref, event.recorded_by) == ("PV-WHO", subject.subject)


def test_a_batch_body_is_parsed_once_by_the_guard_and_not_again_by_the_route(api: Api,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    number = api.new_licence()
    body = json.dumps({"facts": [{"licence_number": number, "kind": "letter",
                                  "fact": {"code": "48", "notified_on": "2024-04-01", "evidence_ref": "L-once"}}]})
    parsed: list[Any] = []
    loads = json.loads

    def counted(text: Any, *args: Any, **kwargs: Any) -> Any:
        parsed.append(text)
        return loads(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counted)  # Starlette's `Request.json` parser, and the guard's slow way
    response = api.client.post("/facts:batch", content=body, headers={**api.auth("prefecture"),
                                                                     "Content-Type": "application/json"})
    assert response.status_code == 200 and loads(response.text)["created"] == 1
    assert body.encode() not in parsed


def test_a_body_the_guard_cannot_vouch_for_is_parsed_by_the_route_as_before(api: Api) -> None:
    number = api.new_licence()
    answer = _batch(api, [{"licence_number": number, "kind": "offence",
                           "fact": _offence("PV-big", points=123456789012345678901234567890)}])
    assert answer["refused"] == 1 and answer["results"][0]["field"] == ["body", "facts", 0, "fact", "points"]
