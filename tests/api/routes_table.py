"""Every protected route of the API, with a request that is valid for the licence prepared for it.

The role matrix and the authentication tests walk this table, so a new route without a row here is a route
whose protection is untested (`test_every_protected_route_is_in_the_role_table` checks the OpenAPI against it).
The two routes that take an uploaded extract (`UPLOADS`, multipart rather than JSON) have their roles tested in
tests/reconciliation/test_routes.py, on a store holding licences their extract names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from tests.api.conftest import AGREMENT, Api

Body = Callable[[str], dict[str, Any] | None]


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # may contain {number}
    allowed: frozenset[str]
    body: Body = lambda number: None
    writes: bool = False
    prepare: tuple[tuple[str, dict[str, Any]], ...] = field(default=())

    def url(self, number: str) -> str:
        return self.path.format(number=number)


def prepared_licence(api: Api, route: Route) -> str:
    """A licence with an offence `o1` and a (void) 48SI, plus whatever the route needs before it."""
    number = api.new_licence("2000-01-01")
    api.record(number, "offences", {"id": "o1", "committed_on": "2020-01-10", "established_on": "2020-02-01",
                                    "points": 2, "class": "C3", "evidence_ref": f"PV-{number}"})
    api.record(number, "letters", {"code": "48SI", "notified_on": "2021-01-01", "evidence_ref": f"SI-{number}"})
    for kind, body in route.prepare:
        api.record(number, kind, body)
    return number


def _new_licence_body(number: str) -> dict[str, Any]:
    fresh = f"N{uuid4().hex[:12].upper()}"
    return {"number": fresh, "obtained_on": "2010-01-01", "evidence_ref": f"ANTS-{fresh}"}


SCENARIO = {"licence": {"obtained_on": "1998-06-01"},
            "events": [{"type": "offence", "committed_on": "2022-03-10", "established_on": "2022-03-20",
                        "points": 4, "class": "C4"}],
            "expect": [{"on": "2022-03-20", "balance": 8}]}

PREFECTURE = frozenset({"prefecture"})
AUDITORS = frozenset({"prefecture", "auditor"})
READERS = frozenset({"prefecture", "auditor", "driver"})
EVERYONE = frozenset({"prefecture", "organiser", "organiser_other", "auditor", "driver", "driver_other"})

ROUTES = (
    Route("create licence", "POST", "/licences", PREFECTURE, _new_licence_body, writes=True),
    Route("record offence", "POST", "/licences/{number}/offences", PREFECTURE, lambda n: {
        "committed_on": "2022-05-01", "established_on": "2022-05-20", "points": 3, "class": "C4",
        "evidence_ref": "PV-2022-1"}, writes=True),
    Route("record stage", "POST", "/licences/{number}/stages", frozenset({"organiser"}), lambda n: {
        "first_day": "2021-06-01", "last_day": "2021-06-02", "agrement": AGREMENT, "evidence_ref": "ATT-1"},
        writes=True),
    Route("record letter", "POST", "/licences/{number}/letters", PREFECTURE, lambda n: {
        "code": "48", "notified_on": "2020-02-10", "evidence_ref": "LRAR-48"}, writes=True),
    Route("record annulment", "POST", "/licences/{number}/annulments", PREFECTURE, lambda n: {
        "offence": "o1", "decided_on": "2020-06-01", "evidence_ref": "TP-1"}, writes=True),
    Route("record surrender", "POST", "/licences/{number}/surrenders", PREFECTURE, lambda n: {
        "on": "2021-01-10", "evidence_ref": "REST-1"}, writes=True),
    Route("record reissue", "POST", "/licences/{number}/reissues", PREFECTURE, lambda n: {
        "obtained_on": "2021-08-01", "evidence_ref": "ANTS-REISSUE"}, writes=True,
        prepare=(("surrenders", {"on": "2021-01-10", "evidence_ref": "REST-0"}),)),
    Route("record rectification", "POST", "/licences/{number}/rectifications", PREFECTURE, lambda n: {
        "fact": "lr-rect", "rectified_on": "2020-03-01", "reason": "date de l'AR mal saisie",
        "notified_on": "2020-02-12", "evidence_ref": "LRAR-48-RECT"}, writes=True,
        prepare=(("letters", {"id": "lr-rect", "code": "48", "notified_on": "2020-02-10",
                              "evidence_ref": "LRAR-48-0"}),)),
    Route("record a batch", "POST", "/facts:batch", PREFECTURE, lambda n: {"facts": [
        {"licence_number": n, "kind": "letter", "fact": {"code": "48", "notified_on": "2020-02-10",
                                                         "evidence_ref": "LRAR-BATCH"}}]}, writes=True),
    Route("read balance", "GET", "/licences/{number}/balance?on=2021-06-03", READERS),
    Route("read stage eligibility", "GET", "/licences/{number}/stage-eligibility?on=2021-06-03",
          frozenset({"prefecture", "auditor", "organiser", "organiser_other", "driver"})),
    Route("read history", "GET", "/licences/{number}/history?on=2021-06-03", READERS),
    Route("read licence events", "GET", "/licences/{number}/events", AUDITORS),
    Route("read audit trail", "GET", "/audit/events?type=offence", AUDITORS),
    Route("read tokens audit", "GET", "/audit/tokens", AUDITORS),
    Route("simulate", "POST", "/simulate", EVERYONE, lambda n: SCENARIO),
    Route("report facts recorded by", "GET", "/reports/recorded-by?recorder=test&limit=5", AUDITORS),
    Route("report zero balances", "GET", "/reports/zero-balance?on=2021-06-03", AUDITORS),
    Route("report contestable invalidations", "GET", "/reports/contestable-invalidations?from=2021-01-01&to=2021-01-01",
          AUDITORS),
    Route("read proof", "GET", "/licences/{number}/proof", READERS),
    Route("read access log", "GET", "/audit/reads?limit=5", frozenset({"auditor"})),
)
UPLOADS = frozenset({("POST", "/reconciliations"), ("POST", "/reports/overdue-stages")})
