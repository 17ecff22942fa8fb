"""Schemathesis over the OpenAPI: generated requests for every operation, valid and invalid, never a 5xx.

Bounded and reproducible: a few dozen derandomized examples per operation, with tokens of the roles that
may call it, on a ledger seeded with the licence the OpenAPI examples name (so the happy paths run too).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.clock import now_utc
from api.http.app import create_app
from api.settings import Settings
from api.token_store import Role

EXAMPLE_LICENCE = "120375100001"
AGREMENT = "R2407500010"
TOKENS: dict[str, str] = {}


@pytest.fixture(scope="module")
def fuzzed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'ledger.sqlite'}"
    app = create_app(Settings(database_url=url, pool_size=2))
    with TestClient(app) as client:
        TOKENS["prefecture"] = app.state.tokens.create(Role.PREFECTURE, now=now_utc()).token
        TOKENS["organiser"] = app.state.tokens.create(Role.ORGANISER, now=now_utc(), agrement=AGREMENT).token
        headers = {"Authorization": f"Bearer {TOKENS['prefecture']}"}
        seeded = client.post("/licences", headers=headers, json={
            "number": EXAMPLE_LICENCE, "obtained_on": "2016-05-12", "evidence_ref": "ANTS-SEED"})
        assert seeded.status_code == 201
        offence = client.post(f"/licences/{EXAMPLE_LICENCE}/offences", headers=headers, json={
            "committed_on": "2024-03-02", "established_on": "2024-03-20", "points": 4, "class": "C4",
            "evidence_ref": "PV-SEED"})
        assert offence.status_code == 201
    yield schemathesis.openapi.from_asgi("/openapi.json", app)


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation, read from the app's OpenAPI (no store is opened for this)."""
    spec = create_app(Settings(database_url="sqlite:///:memory:")).openapi()
    return [(method.upper(), path) for path, operations in spec["paths"].items() for method in operations]


@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda value: str(value))
def test_no_generated_request_gets_a_server_error(fuzzed_api: schemathesis.BaseSchema, method: str,
                                                  path: str) -> None:
    operation = fuzzed_api[path][method]
    role = "organiser" if path.endswith("/stages") else "prefecture"
    headers = {"Authorization": f"Bearer {TOKENS[role]}"}

    @given(case=operation.as_strategy())
    @settings(max_examples=25, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error, status_code_conformance,
                                                        content_type_conformance, response_schema_conformance])

    run()
