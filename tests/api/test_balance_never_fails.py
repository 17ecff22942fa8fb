"""`GET /licences/{number}/balance` never answers 5xx for facts the API accepted (A.19), of any date from 1900 to
2199, in both modes and as known at any moment; `known_at` before the licence was recorded is a 404 naming it.

Hypothesis draws a licence and facts as request bodies; whatever the API accepts (201) is then read back on
drawn days. Refused bodies (422) are part of the game: they must leave the balance readable too.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.clock import now_utc
from tests.api.conftest import AGREMENT, Api

FIRST, LAST = date(1900, 1, 1), date(2199, 12, 31)
CHANGES = [date(1992, 6, 30), date(1992, 7, 1), date(1992, 8, 3), date(1992, 12, 1), date(2011, 1, 1), LAST]


def days() -> st.SearchStrategy[date]:
    anywhere = st.integers(0, (LAST - FIRST).days).map(lambda n: FIRST + timedelta(days=n))
    return st.one_of(anywhere, st.sampled_from(CHANGES))


@st.composite
def bodies(draw: st.DrawFn, n: int) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(["offences", "stages", "letters", "surrenders", "reissues"]))
    day = draw(days())
    later = min(LAST, day + timedelta(days=draw(st.integers(0, 800))))
    ref = {"evidence_ref": f"E{n}-{uuid4().hex[:8]}"}
    if kind == "offences":
        weight = draw(st.sampled_from([{"points": 4, "class": "C4"}, {"points": 1, "class": "C3"},
                                       {"speeding": {"limit_kmh": 80, "excess_kmh": 4}}, {"kind": "phone_in_hand"}]))
        extra = {"registered_on": later.isoformat()} if draw(st.booleans()) else {}
        return kind, {"committed_on": day.isoformat(), "established_on": later.isoformat(), **weight, **extra, **ref}
    if kind == "stages":
        return kind, {"first_day": day.isoformat(), "last_day": (day + timedelta(days=1)).isoformat(),
                      "agrement": AGREMENT, **ref}
    if kind == "letters":
        return kind, {"code": "48SI", "notified_on": day.isoformat(), **ref}
    if kind == "surrenders":
        return kind, {"on": day.isoformat(), **ref}
    return kind, {"obtained_on": day.isoformat(), **ref}


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(obtained=days(), facts=st.lists(st.integers(0, 10**6), max_size=8), data=st.data())
def test_the_balance_of_accepted_facts_never_answers_a_server_error(
    sqlite_api: Api, obtained: date, facts: list[int], data: st.DataObject
) -> None:
    api = sqlite_api
    number = api.new_licence(obtained.isoformat())
    for n in facts:
        kind, body = data.draw(bodies(n))
        who = "organiser" if kind == "stages" else "prefecture"
        response = api.client.post(f"/licences/{number}/{kind}", json=body, headers=api.auth(who))
        assert response.status_code in (201, 422), response.text
    for _ in range(3):
        query: dict[str, str] = {"on": data.draw(days()).isoformat(),
                                 "mode": data.draw(st.sampled_from(["legal", "administrative"]))}
        known_at = data.draw(st.one_of(st.none(), days()))
        if known_at is not None:
            query["known_at"] = known_at.isoformat()
        response = api.client.get(f"/licences/{number}/balance", params=query, headers=api.auth("prefecture"))
        # The API records now: a known_at before today (UTC) is before the licence was recorded.
        before_licence = known_at is not None and known_at < now_utc().date()
        assert response.status_code == (404 if before_licence else 200), response.text


def test_known_at_before_the_licence_was_recorded_is_a_404_naming_known_at(sqlite_api: Api) -> None:
    number = sqlite_api.new_licence("2010-01-01")
    response = sqlite_api.client.get(f"/licences/{number}/balance", params={"known_at": "2001-01-01"},
                                     headers=sqlite_api.auth("prefecture"))
    assert response.status_code == 404
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["query", "known_at"]
    assert "did not know it" in detail["msg"]
