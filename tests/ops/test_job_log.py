"""Long jobs log their start, their progress and their end (with totals); a failure is logged and still raised.
The commands keep their terminal output clean unless `POINTS_LEDGER_LOG_LEVEL=info` asks for these lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from api.logs import configure_logging, job
from ledger.application import PointsLedger
from ledger.storage import storage_env
from ledger.transfer import export_lines
from tests.ledger.builders import NUMBER, a_licence, an_offence

COMMAND = str(Path(sys.executable).with_name("points-ledger"))


def lines_of(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_job_logs_start_progress_every_n_items_and_end_with_its_totals(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "info")
    with job("rebuild", every=2, table="t") as log:
        for item in log.counted(range(5)):
            log.totals["last"] = item

    events = [(line["event"], line.get("items")) for line in lines_of(capsys.readouterr().err)]
    assert events == [("job started", None), ("job progress", 2), ("job progress", 4), ("job finished", 5)]


def test_a_failing_job_logs_its_failure_and_lets_the_error_through(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "info")
    with pytest.raises(ValueError, match="bad line 3"), job("import") as log:
        log.advance(2)
        raise ValueError("bad line 3")

    failed = lines_of(capsys.readouterr().err)[-1]
    assert (failed["event"], failed["items"], failed["reason"], failed["job"]) == (
        "job failed", 2, "bad line 3", "import")


def test_import_logs_its_job_lines_when_asked_and_only_then(sqlite_url: str, new_store_url: Any,
                                                            tmp_path: Path) -> None:
    source = PointsLedger(storage_env(sqlite_url))
    source.create_licence(a_licence())
    source.record(NUMBER, an_offence())
    export = tmp_path / "export.jsonl"
    export.write_text("\n".join(export_lines(source)) + "\n", encoding="utf-8")
    source.close()
    env = {**os.environ, "POINTS_LEDGER_LOG_FORMAT": "json"}

    quiet = subprocess.run([COMMAND, "import", str(export)], capture_output=True, text=True, check=False,
                           env={**env, "POINTS_LEDGER_DATABASE_URL": new_store_url("sqlite")})
    told = subprocess.run([COMMAND, "import", str(export)], capture_output=True, text=True, check=False,
                          env={**env, "POINTS_LEDGER_DATABASE_URL": new_store_url("sqlite"),
                               "POINTS_LEDGER_LOG_LEVEL": "info"})

    assert quiet.returncode == told.returncode == 0
    assert lines_of(quiet.stderr) == []
    started, finished = lines_of(told.stderr)
    assert (started["event"], started["job"], started["file"]) == ("job started", "import", str(export))
    assert (finished["event"], finished["items"], finished["written"], finished["skipped"]) == (
        "job finished", 2, 2, 0)
