"""The service as users run it: `points-ledger serve` in its own process, tokens from the CLI, HTTP over TCP.

Two stories: a licence's timeline recorded and read over HTTP against PostgreSQL, and the README's
"HTTP API quickstart" run exactly as written (SQLite, curl) with its printed output compared line by line.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.token_store import VERIFIED_FOR
from tests.served import clean_env, cli, free_port, served

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.mark.slow
def test_a_licences_timeline_recorded_over_http_reads_back_on_every_date_against_postgresql(
    pg_url: str, tmp_path: Path
) -> None:
    env = clean_env(POINTS_LEDGER_DATABASE_URL=pg_url)
    number = "E2E-0001"
    prefecture = cli(env, "tokens", "create", "--role", "prefecture", "--subject", "Préfecture E2E")
    organiser = cli(env, "tokens", "create", "--role", "organiser", "--agrement", "R-E2E")

    with served(env, tmp_path / "serve.log") as base, httpx.Client(base_url=base, timeout=30, trust_env=False) as http:
        def post(path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
            response = http.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 201, response.text
            answer: dict[str, Any] = response.json()
            return answer

        def points_on(day: str, token: str = prefecture, **query: str) -> int:
            response = http.get(f"/licences/{number}/balance", params={"on": day, **query},
                                headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text
            points: int = response.json()["points"]
            return points

        post("/licences", prefecture, {"number": number, "obtained_on": "1998-06-01", "evidence_ref": "ANTS-1"})
        driver = cli(env, "tokens", "create", "--role", "driver", "--licence", number)  # once the licence exists
        post(f"/licences/{number}/offences", prefecture, {
            "committed_on": "2022-03-10", "established_on": "2022-03-20", "points": 4, "class": "C4",
            "evidence_ref": "PV-1"})
        second = post(f"/licences/{number}/offences", prefecture, {
            "committed_on": "2022-05-01", "established_on": "2022-05-10", "points": 3, "class": "C3",
            "evidence_ref": "PV-2"})
        events = http.get(f"/licences/{number}/events", headers={"Authorization": f"Bearer {prefecture}"})
        before_stage = events.json()["events"][-1]["recorded_at"]
        stage = post(f"/licences/{number}/stages", organiser, {
            "first_day": "2022-06-01", "last_day": "2022-06-02", "evidence_ref": "ATT-1"})

        assert second["version"] == 3 and stage["version"] == 4
        assert [points_on(day) for day in ("2022-03-19", "2022-03-20", "2022-06-02", "2022-06-03",
                                           "2025-05-09", "2025-05-10")] == [12, 8, 5, 9, 9, 12]
        assert points_on("2022-06-03", known_at=before_stage) == 5
        assert points_on("2022-06-03", token=driver) == 9
        history = http.get(f"/licences/{number}/history", params={"on": "2022-06-03"},
                           headers={"Authorization": f"Bearer {driver}"}).json()
        assert [f["recorded_by"] for f in history["facts"]] == ["Préfecture E2E"] * 3 + ["organiser:R-E2E"]

        token_id = prefecture.split("_")[1]
        cli(env, "tokens", "revoke", token_id)
        # a running service trusts a token it has just checked for VERIFIED_FOR (decision 0057): refused then
        deadline = time.monotonic() + VERIFIED_FOR.total_seconds() + 5
        refused = http.get(f"/licences/{number}/balance", headers={"Authorization": f"Bearer {prefecture}"})
        while refused.status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            refused = http.get(f"/licences/{number}/balance", headers={"Authorization": f"Bearer {prefecture}"})
        assert refused.status_code == 401


def readme_quickstart() -> tuple[str, str]:
    """The bash block of README.md's "## HTTP API quickstart" section and the text block it prints."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## HTTP API quickstart\n(.*?)(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    assert section is not None, "README.md has no '## HTTP API quickstart' section"
    script = re.search(r"```bash\n(.*?)```", section.group(1), re.DOTALL)
    output = re.search(r"```text\n(.*?)```", section.group(1), re.DOTALL)
    assert script is not None and output is not None
    return script.group(1), output.group(1)


@pytest.mark.slow
def test_the_readme_quickstart_prints_what_the_readme_shows(tmp_path: Path) -> None:
    script, expected = readme_quickstart()
    port = str(free_port())
    (tmp_path / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    # Same commands, another port; the background server is stopped even if a step fails.
    runnable = "trap 'kill $(jobs -p) 2>/dev/null' EXIT\n" + script.replace("8000", port)

    done = subprocess.run(["bash", "-c", runnable], cwd=tmp_path, env=clean_env(), capture_output=True,
                          text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == expected.splitlines()
    assert (tmp_path / "points-ledger.sqlite").exists()
