"""Schemathesis with every check it has, over every operation of the running service (`points-ledger serve`).

Bounded and reproducible: a few derandomized examples per operation (generated and explicit examples), with a
token of a role that may call it, on a ledger holding the licence the OpenAPI examples name. The checks include
the status codes, content types and bodies the OpenAPI documents, that invalid data is refused and valid data
accepted, and never a 5xx. The counts are in docs/reliability.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.served import clean_env, cli, served

# Every check but one: `positive_data_acceptance` expects every schema-valid request to succeed, but the law's
# rules cannot be written in JSON Schema (a stage lasts two consecutive days, a letter comes after the licence,
# an annulment names an offence of the licence), so schema-valid bodies are rightly refused with a 422 naming the
# rule. `schema_valid_shape_accepted` below checks what can be checked: such a refusal is never about the shape.
EXCLUDED = [positive_data_acceptance]
EXAMPLE_LICENCE = "120375100001"
AGREMENT = "R2407500010"
EXAMPLES_PER_OPERATION = 12
TOKENS: dict[str, str] = {}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    root = Path(tmp_path_factory.mktemp("fuzz-all"))
    env = clean_env(POINTS_LEDGER_DATABASE_URL=f"sqlite:///{root / 'ledger.sqlite'}")
    for role, extra in (("prefecture", ()), ("auditor", ()), ("organiser", ("--agrement", AGREMENT))):
        TOKENS[role] = cli(env, "tokens", "create", "--role", role, *extra)
    with served(env, root / "serve.log") as base:
        headers = {"Authorization": f"Bearer {TOKENS['prefecture']}"}
        with httpx.Client(base_url=base, headers=headers, trust_env=False) as client:
            assert client.post("/licences", json={"number": EXAMPLE_LICENCE, "obtained_on": "2016-05-12",
                                                  "evidence_ref": "ANTS-SEED"}).status_code == 201
            assert client.post(f"/licences/{EXAMPLE_LICENCE}/offences", json={
                "committed_on": "2024-03-02", "established_on": "2024-03-20", "points": 4, "class": "C4",
                "evidence_ref": "PV-SEED"}).status_code == 201
        yield schemathesis.openapi.from_url(f"{base}/openapi.json")


# The refusals that name a rule of the law or of a file's content, not the request's shape.
RULE_REFUSALS = {"invalid_fact", "invalid_scenario", "invalid_extract"}


@schemathesis.check
def schema_valid_shape_accepted(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """A schema-valid request may be refused for a rule of the law (422 `invalid_fact`…), never for its shape:
    what the OpenAPI says is well formed, the service parses."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    kinds = {item.get("type") for item in response.json().get("detail", [])}
    if not kinds <= RULE_REFUSALS:
        raise AssertionError(f"a schema-valid request was refused for its shape: {response.text[:300]}")
    return None


def _role(path: str) -> str:
    if path.endswith("/stages"):
        return "organiser"
    return "auditor" if path == "/audit/reads" else "prefecture"


def _runner(operation: Any, headers: dict[str, str]) -> Any:
    """The bounded, derandomized Hypothesis run of one operation, with a token that may call it."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED,
                               additional_checks=[schema_valid_shape_accepted])

    return run


def test_every_operation_passes_every_check(service: schemathesis.BaseSchema) -> None:
    failures: list[str] = []
    operations = 0
    for result in service.get_all_operations():
        operation = result.ok()
        operations += 1

        run = _runner(operation, {"Authorization": f"Bearer {TOKENS[_role(operation.path)]}"})
        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error)[:600]}")
    assert operations >= 20
    assert not failures, "\n\n".join(failures)
