"""`POST /simulate`: a scenario (tests/scenarios/FORMAT.md) evaluated under the law; nothing is written.

The body is the scenario file's JSON; the answer is what `points-ledger simulate --json` prints. An invalid
scenario is a 422 whose `loc` names the event and the field. It reads no licence of the ledger, so every
role may use it.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from api.http.auth import AuthenticatedRoute, Principal, Role, require_roles
from api.http.errors import ERROR_RESPONSES
from api.http.schemas import EARLIEST_DATE, LATEST_DATE, SimulationResponse
from projections.scenario import Scenario, ScenarioError, evaluate, load_scenario

router = APIRouter(tags=["simulate"], responses=ERROR_RESPONSES, route_class=AuthenticatedRoute)

AnyRole = Annotated[Principal, Depends(require_roles(*Role))]
SOURCE = "request"

EXAMPLE = {
    "title": "Single 4th-class offence, then a voluntary stage",
    "rules": "L223-1; L223-6 al. 4; R223-8",
    "licence": {"obtained_on": "1998-06-01", "training": "traditional"},
    "events": [
        {"type": "offence", "id": "o1", "committed_on": "2022-03-10", "established_on": "2022-03-20",
         "points": 4, "class": "C4", "description": "feu rouge (R412-30)"},
        {"type": "stage", "first_day": "2022-06-01", "last_day": "2022-06-02", "case": "voluntary"},
    ],
    "expect": [
        {"on": "2022-03-19", "balance": 12},
        {"on": "2022-03-20", "balance": 8, "ceiling": 12, "status": "valid"},
        {"on": "2022-06-03", "balance": 12},
    ],
}
ScenarioJson = Annotated[dict[str, Any], Body(
    description="A scenario: `licence`, `events`, `expect` (tests/scenarios/FORMAT.md).",
    openapi_examples={"offence_then_stage": {"summary": "An offence, then a stage", "value": EXAMPLE}},
)]


# What one request may cost (a driver can send it): one scenario per request (the body is one file), at most
# MAX_EVENTS facts folded for at most MAX_KNOWN_AT moments, and MAX_EXPECTATIONS answers compared.
MAX_EVENTS = 200
MAX_EXPECTATIONS = 200
MAX_KNOWN_AT = 10


def _check_cost(raw: dict[str, Any]) -> None:
    """Refuse, before any work, a scenario bigger than a real licence's file (422 naming the list)."""
    for name, bound in (("events", MAX_EVENTS), ("expect", MAX_EXPECTATIONS)):
        items = raw.get(name)
        if isinstance(items, list) and len(items) > bound:
            raise ScenarioError(SOURCE, name, name, f"at most {bound} per scenario (got {len(items)})")
    expectations = raw.get("expect")
    if isinstance(expectations, list):
        moments = {str(e.get("known_at")) for e in expectations if isinstance(e, dict) and "known_at" in e}
        if len(moments) > MAX_KNOWN_AT:
            raise ScenarioError(SOURCE, "expect", "known_at",
                                f"at most {MAX_KNOWN_AT} distinct known_at values per scenario (got {len(moments)})")


def _check_dates_in_range(scenario: Scenario) -> None:
    """The law computes delays of up to ten years: dates outside 1900–2199 are refused, as in the write routes."""
    record = scenario.record
    items: list[tuple[str, Any]] = [("licence", record.licence)]
    items += [(f"event {fact.fact_id}", fact) for fact in record.facts]
    for where, fact in items:
        for f in fields(fact):
            value = getattr(fact, f.name)
            if (isinstance(value, date) and not isinstance(value, datetime)
                    and not EARLIEST_DATE <= value <= LATEST_DATE):
                raise ScenarioError(SOURCE, where, f.name, f"{value.isoformat()} is outside "
                                    f"{EARLIEST_DATE.isoformat()}…{LATEST_DATE.isoformat()}")
    for i, expectation in enumerate(scenario.expectations, start=1):
        for name, day in (("on", expectation.on), ("known_at", expectation.known_at)):
            if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
                raise ScenarioError(SOURCE, f"expect #{i}", name, f"{day.isoformat()} is outside "
                                    f"{EARLIEST_DATE.isoformat()}…{LATEST_DATE.isoformat()}")


@router.post("/simulate", summary="Evaluate a scenario without writing")
def simulate(scenario: ScenarioJson, principal: AnyRole) -> SimulationResponse:
    """Fold the scenario's facts and compare each expectation with what the law computes (any role). One
    scenario per request, of at most 200 events, 200 expectations and 10 distinct `known_at` values."""
    _check_cost(scenario)
    loaded = load_scenario(scenario, SOURCE)
    _check_dates_in_range(loaded)
    return SimulationResponse.model_validate(evaluate(loaded).as_json())
