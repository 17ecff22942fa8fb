"""The README's two commands work as written, and CI runs exactly the README's test command.

The install-and-run command is run from a fresh working directory whose `.venv` is the environment running these
tests (already `pip install -e '.[dev]'`-ed from this clone), so its last step runs letter for letter; the
install steps are checked for shape, not re-run (they need the network and minutes). The test command is not
run here (that would run this suite inside itself): `.ci/run` must contain it verbatim, and its options must be
available.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

import api
from tests.served import free_port

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"
MARKED_BLOCK = re.compile(r"<!-- readme-command: (?P<name>[\w-]+) -->\s*```(?:sh|bash)\n(?P<body>.*?)```", re.S)


def readme_commands() -> dict[str, str]:
    """The marked fenced blocks of the README: name → the one command line inside."""
    commands = {}
    for match in MARKED_BLOCK.finditer(README.read_text(encoding="utf-8")):
        lines = [line for line in match["body"].splitlines() if line.strip()]
        assert len(lines) == 1, f"README block {match['name']} must hold exactly one command line"
        commands[match["name"]] = lines[0].strip()
    return commands


def test_the_readme_has_exactly_the_two_marked_commands() -> None:
    assert set(readme_commands()) == {"install-and-run", "test"}


def test_the_install_command_creates_a_venv_installs_the_dev_extra_then_serves_the_demo() -> None:
    steps = [step.strip() for step in readme_commands()["install-and-run"].split("&&")]
    assert [shlex.split(step) for step in steps] == [
        ["python3", "-m", "venv", ".venv"],
        [".venv/bin/pip", "install", "-e", ".[dev]"],
        [".venv/bin/points-ledger", "demo", "--serve"],
    ]
    assert Path(api.__file__).resolve().is_relative_to(ROOT), "the package under test is not installed editable"


@pytest.fixture
def fresh_directory(tmp_path: Path) -> Path:
    """A working directory with nothing but `.venv` → the environment these tests run in."""
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent, target_is_directory=True)
    return tmp_path


@dataclass
class Served:
    stdout: str
    token: str
    health: int
    page: int
    balance: int


def run_and_visit(directory: Path, command: str) -> Served:
    """Run the README's last step as a newcomer would (its output read as it comes), then do what it says: open
    the web page and use the printed token; stop the service with Ctrl-C (SIGINT)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POINTS_LEDGER_")}
    env |= {"POINTS_LEDGER_PORT": str(port), "POINTS_LEDGER_METRICS_PORT": "0"}
    process = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=directory, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not any(line.strip().startswith("plt_") for line in lines):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        token = next(line.strip() for line in lines if line.strip().startswith("plt_"))
        base = f"http://127.0.0.1:{port}"
        health = _status(f"{base}/health", deadline=time.monotonic() + 120)
        page = _status(f"{base}/ui/")
        balance = _status(f"{base}/licences/100975312481/balance", token)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    return Served("".join(lines), token, health, page, balance)


def _status(url: str, token: str | None = None, deadline: float = 0.0) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_readme_run_command_records_the_demo_and_serves_its_page(fresh_directory: Path) -> None:
    run_step = readme_commands()["install-and-run"].split("&&")[-1].strip()

    first = run_and_visit(fresh_directory, run_step)
    second = run_and_visit(fresh_directory, run_step)

    assert (fresh_directory / "points-ledger.sqlite").is_file()
    assert "store: sqlite:///points-ledger.sqlite" in first.stdout
    assert re.search(r"^[1-9]\d* facts recorded, 0 already present\.$", first.stdout, re.M)
    assert first.stdout.count("balance on ") >= 4
    assert "/ui/" in first.stdout
    assert (first.health, first.page, first.balance) == (200, 200, 200)
    assert re.search(r"^0 facts recorded, [1-9]\d* already present\.$", second.stdout, re.M)
    assert second.balance == 200 and second.token != first.token


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = readme_commands()["test"]
    ci_lines = [line.strip() for line in CI.read_text(encoding="utf-8").splitlines()]
    assert command in ci_lines
    assert shlex.split(command)[:3] == [".venv/bin/python", "-m", "pytest"]
    if "-n" in shlex.split(command):
        assert importlib.util.find_spec("xdist") is not None, "-n needs pytest-xdist in the dev extra"


def test_ci_installs_afresh_requires_postgresql_and_runs_the_linters() -> None:
    script = CI.read_text(encoding="utf-8")
    lines = [line.strip() for line in script.splitlines()]
    assert os.access(CI, os.X_OK), ".ci/run must be executable"
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in lines
    assert "export POINTS_LEDGER_REQUIRE_POSTGRES=1" in lines
    assert ".venv/bin/pip install -c constraints.txt -e '.[dev]'" in lines  # reproducible: the tested versions
    order = [lines.index(step) for step in (".venv/bin/ruff check .", ".venv/bin/mypy", readme_commands()["test"])]
    assert order == sorted(order)


def test_the_readme_keeps_its_sections() -> None:
    headings = re.findall(r"^## (.+)$", README.read_text(encoding="utf-8"), re.M)
    assert headings[0] == "Quick start"
    assert {"Configuration", "Command line", "HTTP API quickstart", "Documentation"} <= set(headings)
