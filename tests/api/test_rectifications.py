"""A clerical error corrected by a new event (issue 13 item 4): the rectification replaces the stage's, letter's
or licence's content from the start for whoever reads after it, the original stands before it, both are listed,
and a bad rectification is a 422 naming the field with nothing written. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.api.conftest import Api

OFFENCE = {"id": "o1", "committed_on": "2024-03-02", "established_on": "2024-03-20", "points": 4, "class": "C4",
           "evidence_ref": "PV-2024-000123"}
STAGE = {"id": "s1", "first_day": "2024-06-03", "last_day": "2024-06-04", "evidence_ref": "ATT-2024-0042"}
RECTIFY_STAGE = {"fact": "s1", "rectified_on": "2024-07-01", "reason": "dates de l'attestation mal saisies",
                 "first_day": "2024-06-10", "last_day": "2024-06-11", "evidence_ref": "ATT-2024-0042-RECT"}


def _get(api: Api, url: str, **params: str) -> dict[str, Any]:
    response = api.client.get(url, params=params, headers=api.auth("prefecture"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _points(api: Api, number: str, on: str, **params: str) -> int:
    points: int = _get(api, f"/licences/{number}/balance", on=on, **params)["points"]
    return points


def _licence_with_a_wrong_stage(api: Api) -> str:
    number = api.new_licence("2010-01-01")
    api.record(number, "offences", OFFENCE)
    api.record(number, "stages", STAGE, who="organiser")
    return number


def test_a_wrong_stage_date_rectified_moves_the_credit_to_the_corrected_days(api: Api) -> None:
    number = _licence_with_a_wrong_stage(api)
    assert _points(api, number, "2024-06-07") == 12

    api.record(number, "rectifications", RECTIFY_STAGE)

    assert _points(api, number, "2024-06-07") == 8
    assert _points(api, number, "2024-06-11") == 8
    assert _points(api, number, "2024-06-12") == 12


def test_known_at_before_the_rectification_shows_the_original(api: Api) -> None:
    number = _licence_with_a_wrong_stage(api)
    stage_recorded = datetime.fromisoformat(_get(api, f"/licences/{number}/events")["events"][-1]["recorded_at"])
    api.record(number, "rectifications", RECTIFY_STAGE)
    before = (stage_recorded + timedelta(microseconds=1)).isoformat()

    assert _points(api, number, "2024-06-07", known_at=before) == 12
    assert _points(api, number, "2024-06-07") == 8


def test_the_history_and_the_audit_trail_show_the_original_and_the_rectification(api: Api) -> None:
    number = _licence_with_a_wrong_stage(api)
    recorded = api.record(number, "rectifications", RECTIFY_STAGE)

    history = _get(api, f"/licences/{number}/history", on="2024-07-15")
    events = _get(api, f"/licences/{number}/events")["events"]

    by_type = {entry["type"]: entry for entry in history["facts"]}
    assert by_type["stage"]["legal_dates"] == {"first_day": "2024-06-03", "last_day": "2024-06-04"}
    rectification = by_type["rectification"]
    assert rectification["fact_id"] == recorded["fact_id"]
    assert rectification["legal_dates"] == {"rectified_on": "2024-07-01", "first_day": "2024-06-10",
                                            "last_day": "2024-06-11"}
    assert rectification["details"]["rectified_id"] == "s1"
    assert rectification["details"]["reason"] == RECTIFY_STAGE["reason"]
    credit = next(m for m in by_type["stage"]["movements"] if m["rule"] == "stage_credit")
    assert credit["on"] == "2024-06-12"
    assert [e["type"] for e in events] == ["licence", "offence", "stage", "rectification"]
    assert events[2]["data"]["first_day"] == "2024-06-03"
    assert events[3]["data"]["first_day"] == "2024-06-10"


def test_a_letter_date_and_a_stage_agrement_are_rectified(api: Api) -> None:
    number = _licence_with_a_wrong_stage(api)
    api.record(number, "letters", {"id": "l1", "code": "48", "notified_on": "2024-04-01", "evidence_ref": "LR-1"})

    api.record(number, "rectifications", {"fact": "l1", "rectified_on": "2024-07-01", "reason": "date de l'AR",
                                          "notified_on": "2024-04-03", "evidence_ref": "LR-1-RECT"})
    api.record(number, "rectifications", {"fact": "s1", "rectified_on": "2024-07-02", "reason": "agrément",
                                          "agrement": "R9999999999", "evidence_ref": "ATT-2024-0042-AGR"})

    assert [e["type"] for e in _get(api, f"/licences/{number}/events")["events"]][-2:] == [
        "rectification", "rectification"]


@pytest.mark.parametrize(("body", "loc", "reason"), [
    ({**RECTIFY_STAGE, "fact": "nope"}, ["body", "fact"], "no fact"),
    ({**RECTIFY_STAGE, "fact": "o1"}, ["body", "fact"], "annulled"),
    ({**RECTIFY_STAGE, "last_day": "2024-06-13"}, ["body", "last_day"], "two consecutive days"),
    ({k: v for k, v in RECTIFY_STAGE.items() if k != "last_day"}, ["body", "last_day"], "two consecutive days"),
    ({**RECTIFY_STAGE, "first_day": "2009-06-10", "last_day": "2009-06-11"}, ["body", "first_day"],
     "before the licence"),
    ({**RECTIFY_STAGE, "notified_on": "2024-06-10"}, ["body", "notified_on"], "has no notified_on"),
    ({k: v for k, v in RECTIFY_STAGE.items() if k not in ("first_day", "last_day")}, ["body", "fact"],
     "at least one"),
    ({**RECTIFY_STAGE, "first_day": "2024-06-03", "last_day": "2024-06-04"}, ["body", "fact"], "changes nothing"),
], ids=["unknown target", "offence target", "stage not two days", "first day alone", "before the licence",
        "field the stage lacks", "nothing corrected", "same content"])
def test_a_bad_rectification_is_a_422_naming_the_field_with_nothing_written(
    api: Api, body: dict[str, Any], loc: list[str], reason: str
) -> None:
    number = _licence_with_a_wrong_stage(api)
    before = api.stream_length()

    response = api.client.post(f"/licences/{number}/rectifications", json=body, headers=api.auth("prefecture"))

    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert (error["loc"], error["type"]) == (loc, "invalid_fact")
    assert reason in error["msg"]
    assert api.stream_length() == before


def test_a_rectification_without_a_reason_is_refused(api: Api) -> None:
    number = _licence_with_a_wrong_stage(api)

    response = api.client.post(f"/licences/{number}/rectifications", json={**RECTIFY_STAGE, "reason": " "},
                               headers=api.auth("prefecture"))

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "reason"]


def test_only_the_prefecture_rectifies(api: Api) -> None:
    number = _licence_with_a_wrong_stage(api)

    response = api.client.post(f"/licences/{number}/rectifications", json=RECTIFY_STAGE,
                               headers=api.auth("organiser"))

    assert response.status_code == 403
