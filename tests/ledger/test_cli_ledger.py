"""`points-ledger serve | demo | export | import`, run as the installed command in new processes.

The store comes from `POINTS_LEDGER_DATABASE_URL`, as a user would set it. Errors must be one line naming the
field, a non-zero exit and no traceback.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.clock import today_in_paris
from ledger.application import PointsLedger
from ledger.storage import storage_env
from ledger.transfer import export_lines
from projections.balance import balance_as_of
from tests.conftest import StoreFactory
from tests.ledger.stores import all_streams, application_sequence
from tests.ledger.test_transfer import fill
from tests.served import STARTUP_SECONDS, free_port

COMMAND = Path(sys.executable).with_name("points-ledger")


def points_ledger(url: str, *args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `points-ledger` on the store at `url`."""
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": url}
    return subprocess.run([str(COMMAND), *args], input=stdin, capture_output=True, text=True, env=env, cwd=cwd,
                          check=False, timeout=120)


def assert_clean_failure(done: subprocess.CompletedProcess[str], code: int, *expected: str) -> None:
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for text in expected:
        assert text in done.stderr


def test_the_command_is_installed() -> None:
    assert COMMAND.exists(), f"{COMMAND} is missing: pip install -e '.[dev]'"


@pytest.mark.postgres
@pytest.mark.parametrize(("from_kind", "to_kind"), [("sqlite", "postgresql"), ("postgresql", "sqlite")],
                         ids=["sqlite-to-postgresql", "postgresql-to-sqlite"])
def test_export_piped_into_import_reproduces_every_stream_event_for_event(
    new_store_url: StoreFactory, tmp_path: Path, from_kind: str, to_kind: str
) -> None:
    source_url, target_url = new_store_url(from_kind), new_store_url(to_kind)
    source = PointsLedger(storage_env(source_url))
    fill(source)
    pipeline = (f"POINTS_LEDGER_DATABASE_URL={shlex.quote(source_url)} {shlex.quote(str(COMMAND))} export | "
                f"POINTS_LEDGER_DATABASE_URL={shlex.quote(target_url)} {shlex.quote(str(COMMAND))} import")

    done = subprocess.run(["bash", "-o", "pipefail", "-c", pipeline], capture_output=True, text=True, cwd=tmp_path,
                          check=False, timeout=120)

    assert done.returncode == 0, done.stderr
    assert "read 13 events: 13 written, 0 already present, 3 licences written to" in done.stdout
    assert "exported 13 events" in done.stderr
    target = PointsLedger(storage_env(target_url))
    assert all_streams(target) == all_streams(source)
    source.close()
    target.close()


def test_export_to_a_file_then_import_twice_writes_once(new_store_url: StoreFactory, tmp_path: Path) -> None:
    source_url, target_url = new_store_url("sqlite"), new_store_url("sqlite")
    source = PointsLedger(storage_env(source_url))
    fill(source)
    source.close()
    export_file = tmp_path / "events.jsonl"

    exported = points_ledger(source_url, "export", "--out", str(export_file), cwd=tmp_path)
    first = points_ledger(target_url, "import", str(export_file), cwd=tmp_path)
    second = points_ledger(target_url, "import", str(export_file), cwd=tmp_path)

    assert exported.returncode == 0 and exported.stdout == ""
    assert len(export_file.read_text(encoding="utf-8").splitlines()) == 13
    assert "13 written, 0 already present" in first.stdout
    assert "0 written, 13 already present" in second.stdout


def test_demo_records_realistic_licences_prints_their_balance_and_is_idempotent(
    any_store_url: str, tmp_path: Path
) -> None:
    first = points_ledger(any_store_url, "demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    ledger = PointsLedger(storage_env(any_store_url))
    stored = application_sequence(ledger)

    second = points_ledger(any_store_url, "demo", cwd=tmp_path)

    assert second.returncode == 0, second.stderr
    assert application_sequence(ledger) == stored
    numbers = list(ledger.licence_numbers())
    assert 4 <= len(numbers) <= 6
    facts = len(stored)
    assert f"{facts} facts recorded, 0 already present." in first.stdout
    assert f"0 facts recorded, {facts} already present." in second.stdout
    today = today_in_paris()
    for number in numbers:
        balance = balance_as_of(ledger.get_record(number), today)
        assert number in first.stdout
        assert (f"balance on {today}: {balance.points}/{balance.ceiling} points, {balance.status.value}"
                in first.stdout)
    ledger.close()
    assert not (tmp_path / "points-ledger.sqlite").exists()  # the configured store, not the default one


def test_demo_covers_probation_a_mandatory_stage_an_invalidation_and_an_annulment(
    sqlite_url: str, tmp_path: Path
) -> None:
    assert points_ledger(sqlite_url, "demo", cwd=tmp_path).returncode == 0
    ledger = PointsLedger(storage_env(sqlite_url))
    records = [ledger.get_record(number) for number in ledger.licence_numbers()]
    ledger.close()
    kinds = {type(fact).__name__ for record in records for fact in record.facts}
    assert {"OffenceEstablished", "StageCompleted", "LetterNotified", "OffenceAnnulled",
            "LicenceSurrendered", "LicenceReissued"} <= kinds
    assert any(getattr(f, "case", None) == "mandatory" for r in records for f in r.facts)
    assert any(getattr(f, "code", None) == "48N" for r in records for f in r.facts)


def test_a_bad_import_line_is_named_exits_2_and_writes_nothing(sqlite_url: str, tmp_path: Path) -> None:
    source = PointsLedger(storage_env(sqlite_url))
    fill(source)
    lines = list(export_lines(source))
    source.close()
    lines[4] = lines[4].replace('"topic":"points-ledger:', '"topic":"nowhere:')
    target_url = f"sqlite:///{tmp_path / 'target.sqlite'}"

    done = points_ledger(target_url, "import", "-", cwd=tmp_path, stdin="\n".join(lines) + "\n")

    assert_clean_failure(done, 2, "line 5: topic: unknown event topic", "nothing was written")
    target = PointsLedger(storage_env(target_url))
    assert application_sequence(target) == []
    target.close()


def test_a_missing_import_file_is_named(sqlite_url: str, tmp_path: Path) -> None:
    done = points_ledger(sqlite_url, "import", str(tmp_path / "nowhere.jsonl"), cwd=tmp_path)
    assert_clean_failure(done, 2, "file: cannot read", "nowhere.jsonl")


@pytest.mark.parametrize("command", ["demo", "export", "import", "serve"])
def test_an_unusable_database_url_is_named_without_a_traceback(command: str, tmp_path: Path) -> None:
    done = points_ledger("mysql://localhost/points", command, cwd=tmp_path, stdin="")
    assert_clean_failure(done, 2, "database_url: unsupported scheme 'mysql'")


def test_a_store_that_cannot_be_opened_is_reported_before_serving(tmp_path: Path) -> None:
    done = points_ledger(f"sqlite:///{tmp_path / 'no-such-dir' / 'ledger.sqlite'}", "serve", "--port", "1",
                         cwd=tmp_path)
    assert_clean_failure(done, 1, "database_url: cannot open the store")


def test_an_unreachable_postgresql_is_reported_without_a_traceback(tmp_path: Path) -> None:
    done = points_ledger("postgresql://postgres@127.0.0.1:1/test", "export", cwd=tmp_path)
    assert_clean_failure(done, 1, "database_url: cannot open the store")


def test_serve_answers_health_on_the_chosen_port(sqlite_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": sqlite_url}
    server = subprocess.Popen([str(COMMAND), "serve", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        answer = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None, f"serve did not answer (exit {server.poll()})"
        assert answer.status_code == 200
        assert answer.json()["status"] == "ok"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in output
