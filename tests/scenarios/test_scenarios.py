"""Every scenario timeline (tests/scenarios/shared: the project's sample; tests/scenarios/own: ours) holds.

The ids are the scenario titles, so a failure reads as the sentence of law that broke.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from projections.scenario import evaluate, load_scenario

HERE = Path(__file__).parent
FILES = sorted((HERE / "shared").glob("*.json")) + sorted((HERE / "own").glob("*.json"))


def _title(path: Path) -> str:
    return f"{path.stem}: {json.loads(path.read_text(encoding='utf-8'))['title']}"


def test_there_are_at_least_forty_scenarios_of_our_own() -> None:
    assert len(list((HERE / "own").glob("*.json"))) >= 40


@pytest.mark.parametrize("path", FILES, ids=[_title(p) for p in FILES])
def test_scenario_holds(path: Path) -> None:
    scenario = load_scenario(json.loads(path.read_text(encoding="utf-8")), str(path))
    result = evaluate(scenario)
    failures = [r.as_json() for r in result.results if not r.ok]
    assert result.results, "a scenario must expect something"
    assert not failures, json.dumps(failures, indent=1)
