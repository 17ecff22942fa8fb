"""What the reads answer: the balance on any day as known at any moment, the statement, the audit trail,
the simulation — and the OpenAPI that documents them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from api.http.balance_answer import BalanceSummary
from api.http.schemas import BalanceResponse
from api.token_store import Role
from tests.api.conftest import AGREMENT, TODAY, Api

OFFENCE = {"id": "o1", "committed_on": "2024-03-02", "established_on": "2024-03-20", "points": 4, "class": "C4",
           "evidence_ref": "PV-2024-000123"}
STAGE = {"id": "s1", "first_day": "2024-06-03", "last_day": "2024-06-04", "evidence_ref": "ATT-2024-0042"}


def _licence_with_offence_and_stage(api: Api) -> str:
    number = api.new_licence("2010-01-01")
    api.record(number, "offences", OFFENCE)
    api.record(number, "stages", STAGE, who="organiser")
    return number


def _get(api: Api, url: str, who: str = "prefecture") -> dict[str, Any]:
    response = api.client.get(url, headers=api.auth(who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_balance_is_read_on_the_day_before_and_the_day_after_a_stage(api: Api) -> None:
    number = _licence_with_offence_and_stage(api)

    before = _get(api, f"/licences/{number}/balance?on=2024-06-04&explain=true")
    after = _get(api, f"/licences/{number}/balance?on=2024-06-05&explain=true")

    assert (before["points"], before["ceiling"], before["status"]) == (8, 12, "valid")
    assert (after["points"], after["ceiling"]) == (12, 12)
    credit = after["movements"][-1]
    assert (credit["rule"], credit["fact_id"], credit["delta"], credit["balance"]) == ("stage_credit", "s1", 4, 12)
    assert "R223-8" in credit["article"]
    assert before["stage"]["points_now"] == 4
    assert any(change["kind"] == "full_reconstitution" for change in before["scheduled"])


def test_the_balance_answers_the_figures_and_explains_them_only_when_asked(api: Api) -> None:
    number = _licence_with_offence_and_stage(api)
    known_at = "2030-01-01T10:00:00+02:00"

    lean = _get(api, f"/licences/{number}/balance?on=2024-06-04&known_at={known_at.replace('+', '%2B')}")
    full = _get(api, f"/licences/{number}/balance?on=2024-06-04&known_at={known_at.replace('+', '%2B')}"
                     "&explain=true")

    assert set(lean) == set(BalanceSummary.model_fields)
    assert BalanceSummary.model_validate(lean).model_dump(mode="json") == lean  # the documented shape and text
    assert lean == {key: full[key] for key in lean}
    assert lean["known_at"] == "2030-01-01T08:00:00Z"
    assert "movements" not in lean and full["movements"]
    assert BalanceResponse.model_validate(full).model_dump(mode="json") == full


def test_the_balance_defaults_to_today_in_paris(api: Api) -> None:
    number = _licence_with_offence_and_stage(api)

    balance = _get(api, f"/licences/{number}/balance")

    assert balance["on"] == TODAY.isoformat()


def test_known_at_leaves_out_what_was_recorded_later(api: Api) -> None:
    number = api.new_licence("2010-01-01")
    api.record(number, "offences", OFFENCE)
    offence_recorded = datetime.fromisoformat(
        _get(api, f"/licences/{number}/events")["events"][-1]["recorded_at"])
    api.record(number, "stages", STAGE, who="organiser")
    between = (offence_recorded + timedelta(microseconds=1)).isoformat()

    then = api.client.get(f"/licences/{number}/balance", params={"on": "2024-06-05", "known_at": between},
                          headers=api.auth("prefecture")).json()
    now = _get(api, f"/licences/{number}/balance?on=2024-06-05")

    assert (then["points"], now["points"]) == (8, 12)
    assert datetime.fromisoformat(then["known_at"]) == datetime.fromisoformat(between)


def test_known_at_as_a_date_counts_that_whole_day(api: Api) -> None:
    number = _licence_with_offence_and_stage(api)
    recorded_on = _get(api, f"/licences/{number}/events")["events"][-1]["recorded_at"][:10]

    balance = _get(api, f"/licences/{number}/balance?on=2024-06-05&known_at={recorded_on}")

    assert balance["points"] == 12
    assert balance["known_at"].startswith(f"{recorded_on}T23:59:59.999999")


def test_the_administrative_mode_is_read_when_asked(api: Api) -> None:
    number = _licence_with_offence_and_stage(api)

    balance = _get(api, f"/licences/{number}/balance?on=2024-06-05&mode=administrative")

    assert (balance["mode"], balance["points"]) == ("administrative", 12)


def test_the_history_lists_every_fact_with_its_dates_recorder_evidence_and_balance_after_each_movement(
    api: Api,
) -> None:
    number = _licence_with_offence_and_stage(api)
    organiser = api.store.authenticate(api.tokens["organiser"])
    assert organiser is not None

    history = _get(api, f"/licences/{number}/history?on=2024-07-01")

    assert [f["type"] for f in history["facts"]] == ["licence", "offence", "stage"]
    offence, stage = history["facts"][1], history["facts"][2]
    assert offence["legal_dates"] == {"committed_on": "2024-03-02", "established_on": "2024-03-20"}
    assert (offence["evidence_ref"], offence["details"]["points"]) == ("PV-2024-000123", 4)
    assert [(m["rule"], m["balance"]) for m in offence["movements"]] == [("withdrawal", 8)]
    assert (stage["recorded_by"], stage["details"]["agrement"]) == (organiser.subject, AGREMENT)
    assert [(m["rule"], m["balance"]) for m in stage["movements"]] == [("stage_credit", 12)]
    running = 0
    for movement in history["movements"]:
        running += movement["delta"]
        assert movement["balance"] == running
    assert history["points"] == running == 12


def test_the_history_shows_only_the_movements_effective_by_its_date(api: Api) -> None:
    number = _licence_with_offence_and_stage(api)

    history = _get(api, f"/licences/{number}/history?on=2024-06-04")

    assert "stage_credit" not in [m["rule"] for m in history["movements"]]
    assert history["facts"][2]["movements"] == []
    assert history["points"] == 8


def test_a_licences_events_are_paged_in_version_order(api: Api) -> None:
    number = _licence_with_offence_and_stage(api)

    first = _get(api, f"/licences/{number}/events?limit=2", who="auditor")
    rest = _get(api, f"/licences/{number}/events?limit=2&after={first['next_after']}", who="auditor")

    assert [e["type"] for e in first["events"]] == ["licence", "offence"]
    assert [e["version"] for e in first["events"] + rest["events"]] == [1, 2, 3]
    assert rest["next_after"] is None
    assert rest["events"][0]["data"]["first_day"] == "2024-06-03"


def test_the_audit_trail_filters_by_recorder_type_and_time(api: Api) -> None:
    number = _licence_with_offence_and_stage(api)
    recorder = "Auditor test recorder " + number
    token = api.token(Role.PREFECTURE, subject=recorder)
    response = api.client.post(f"/licences/{number}/letters", headers={"Authorization": f"Bearer {token}"},
                               json={"code": "48", "notified_on": "2024-04-01", "evidence_ref": "L48"})
    assert response.status_code == 201

    mine = api.client.get("/audit/events", params={"recorded_by": recorder}, headers=api.auth("auditor")).json()
    stages = api.client.get("/audit/events", params={"type": "stage", "limit": 500},
                            headers=api.auth("auditor")).json()
    future = api.client.get("/audit/events", params={"from": "2999-01-01"}, headers=api.auth("auditor")).json()

    assert [(e["licence_number"], e["type"], e["recorded_by"]) for e in mine["events"]] == [
        (number, "letter", recorder)]
    assert {e["type"] for e in stages["events"]} == {"stage"}
    assert number in {e["licence_number"] for e in stages["events"]}
    assert future["events"] == []


def test_the_audit_trail_pages_forward_without_gaps_or_repeats(api: Api) -> None:
    _licence_with_offence_and_stage(api)
    everything = api.client.get("/audit/events", params={"limit": 500}, headers=api.auth("auditor")).json()
    seen: list[int] = []
    after = 0

    while True:
        page = api.client.get("/audit/events", params={"limit": 7, "after": after},
                              headers=api.auth("auditor")).json()
        seen += [e["position"] for e in page["events"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]

    assert seen == [e["position"] for e in everything["events"]]
    assert seen == sorted(set(seen))


def test_a_simulation_answers_like_the_cli_and_writes_nothing(api: Api) -> None:
    scenario = {"title": "one offence", "licence": {"obtained_on": "1998-06-01"},
                "events": [{"type": "offence", "committed_on": "2022-03-10", "established_on": "2022-03-20",
                            "points": 4, "class": "C4"}],
                "expect": [{"on": "2022-03-19", "balance": 12}, {"on": "2022-03-20", "balance": 9}]}
    before = api.stream_length()

    result = api.client.post("/simulate", json=scenario, headers=api.auth("driver_other")).json()

    assert api.stream_length() == before
    assert result["title"] == "one offence"
    assert result["ok"] is False
    assert [(r["ok"], r["actual"]["balance"]) for r in result["results"]] == [(True, 12), (False, 8)]


def test_the_stage_eligibility_view_shows_nothing_but_status_and_eligibility(api: Api) -> None:
    number = _licence_with_offence_and_stage(api)

    view = _get(api, f"/licences/{number}/stage-eligibility?on=2024-06-05", who="organiser_other")

    assert set(view) == {"licence_number", "on", "status", "stage"}
    assert view["stage"] == {"earliest_effective_on": "2025-06-05", "points_now": 0,
                             "reason": "at the ceiling: a stage would credit nothing"}


def _request_bodies(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(operation, media type, media type object, the body's schema component) of every request body."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
                ref = content["schema"].get("$ref", "")
                component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
                yield f"{method.upper()} {path}", media_type, content, component


def test_every_request_body_in_the_openapi_has_an_example(sqlite_api: Api) -> None:
    schema = sqlite_api.client.get("/openapi.json").json()
    bodies: Counter[str] = Counter()
    for operation, media_type, content, component in _request_bodies(schema):
        bodies[media_type] += 1
        assert content.get("examples") or component.get("examples"), f"{operation} ({media_type})"
        if media_type == "multipart/form-data":
            for example in content["examples"].values():
                assert set(component["required"]) <= set(example["value"]), operation
    assert bodies["application/json"] >= 8
    assert bodies["multipart/form-data"] == 2


def test_the_upload_examples_are_extracts_the_service_reads_whole(sqlite_api: Api) -> None:
    schema = sqlite_api.client.get("/openapi.json").json()
    uploads = [(operation, content) for operation, media_type, content, _ in _request_bodies(schema)
               if media_type == "multipart/form-data"]
    for operation, content in uploads:
        path = operation.split(" ", 1)[1]
        for example in content["examples"].values():
            extract = example["value"]["extract"]

            response = sqlite_api.client.post(path, files={"extract": ("extract.csv", extract.encode(), "text/csv")},
                                              headers=sqlite_api.auth("prefecture"))

            assert response.status_code == 200, (operation, response.text)
            assert response.json()["errors"] == [], operation
    assert len(uploads) == 2


def test_every_protected_route_is_in_the_role_table(sqlite_api: Api) -> None:
    from tests.api.routes_table import ROUTES, UPLOADS

    schema = sqlite_api.client.get("/openapi.json").json()
    declared = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops if p not in ("/health", "/ready")}
    tested = {(r.method, r.path.split("?")[0]) for r in ROUTES}

    assert declared - UPLOADS == tested
    assert declared >= UPLOADS


def test_an_offence_given_by_kind_withdraws_the_points_of_its_article(api: Api) -> None:
    number = api.new_licence("1998-06-01")
    api.record(number, "offences", {"committed_on": "2024-03-02", "established_on": "2024-03-20",
                                    "kind": "red_light", "evidence_ref": "PV-KIND"})

    balance = _get(api, f"/licences/{number}/balance?on=2024-03-20&explain=true")

    assert (balance["points"], balance["movements"][-1]["rule"]) == (8, "withdrawal")


def test_an_offence_keeps_the_day_the_national_file_registered_it(api: Api) -> None:
    number = api.new_licence("1998-06-01")
    api.record(number, "offences", {**OFFENCE, "registered_on": "2024-05-02"})

    history = _get(api, f"/licences/{number}/history?on=2024-06-01")

    offence = next(fact for fact in history["facts"] if fact["fact_id"] == "o1")
    assert offence["legal_dates"]["registered_on"] == "2024-05-02"


def test_a_registration_before_the_date_de_valeur_is_refused_naming_the_field(api: Api) -> None:
    number = api.new_licence("1998-06-01")
    response = api.client.post(f"/licences/{number}/offences", headers=api.auth("prefecture"),
                               json={**OFFENCE, "registered_on": "2024-03-19"})
    assert response.status_code == 422
    assert "registered_on" in response.text
