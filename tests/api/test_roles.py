"""Roles × routes: who may do what (issue 4), and that every refusal writes nothing.

The table is `tests/api/routes_table.py`; each cell builds a licence the request is valid for, so an allowed
role must succeed and a refused one must get 403 — on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from api.token_store import Role
from tests.api.conftest import Api
from tests.api.routes_table import EVERYONE, ROUTES, Route, prepared_licence

CELLS = [pytest.param(route, role, id=f"{route.name} as {role}") for route in ROUTES for role in sorted(EVERYONE)]


def _call(api: Api, route: Route, number: str, headers: dict[str, str]) -> tuple[int, str]:
    response = api.client.request(route.method, route.url(number), json=route.body(number), headers=headers)
    return response.status_code, response.text


@pytest.mark.parametrize(("route", "role"), CELLS)
def test_each_role_is_allowed_or_refused_on_each_route(api: Api, route: Route, role: str) -> None:
    number = prepared_licence(api, route)
    token = api.token(Role.DRIVER, licence=number) if role == "driver" else api.tokens[role]
    before = api.stream_length()

    status, text = _call(api, route, number, {"Authorization": f"Bearer {token}"})

    if role in route.allowed:
        assert status in (200, 201), text
        assert api.stream_length() == before + (1 if route.writes else 0)
    else:
        assert status == 403, text
        assert api.stream_length() == before


@pytest.mark.parametrize("route", [r for r in ROUTES if r.writes and r.path != "/facts:batch"],
                         ids=lambda r: r.name)  # the batch's own test: tests/api/test_batch.py
def test_a_write_is_recorded_by_the_tokens_subject(api: Api, route: Route) -> None:
    number = prepared_licence(api, route)
    who = "organiser" if "organiser" in route.allowed else "prefecture"
    subject = api.store.authenticate(api.tokens[who])
    assert subject is not None

    response = api.client.post(route.url(number), json=route.body(number), headers=api.auth(who))

    assert response.status_code == 201, response.text
    written = response.json()
    events = api.ledger.licence_events(written["licence_number"])
    assert events[-1].fact_id == written["fact_id"]
    assert events[-1].recorded_by == subject.subject


def test_an_organiser_records_a_stage_under_its_own_agrement_when_the_body_names_none(api: Api) -> None:
    number = api.new_licence()
    body = {"first_day": "2021-06-01", "last_day": "2021-06-02", "evidence_ref": "ATT-2"}

    written = api.record(number, "stages", body, who="organiser")

    stage = api.ledger.licence_events(number)[-1]
    assert stage.fact_id == written["fact_id"]
    assert stage.agrement == api.store.authenticate(api.tokens["organiser"]).agrement  # type: ignore[union-attr]


def test_an_organiser_cannot_record_a_stage_under_another_agrement(api: Api) -> None:
    number = api.new_licence()
    body = {"first_day": "2021-06-01", "last_day": "2021-06-02", "agrement": "R0000000000", "evidence_ref": "A"}
    before = api.stream_length()

    response = api.client.post(f"/licences/{number}/stages", json=body, headers=api.auth("organiser"))

    assert response.status_code == 403
    assert response.json()["detail"][0]["loc"] == ["body", "agrement"]
    assert api.stream_length() == before


def test_a_driver_reads_its_own_licence_and_no_other(api: Api) -> None:
    own, other = api.new_licence(), api.new_licence()
    headers = {"Authorization": f"Bearer {api.token(Role.DRIVER, licence=own)}"}

    assert api.client.get(f"/licences/{own}/balance?on=2021-01-01", headers=headers).status_code == 200
    refused = api.client.get(f"/licences/{other}/balance?on=2021-01-01", headers=headers)

    assert refused.status_code == 403
    assert refused.json()["detail"][0]["loc"] == ["path", "number"]


def test_a_driver_token_for_an_unknown_licence_gets_404_on_its_own_number(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.token(Role.DRIVER, licence='NEVER-RECORDED')}"}

    assert api.client.get("/licences/NEVER-RECORDED/history", headers=headers).status_code == 404
