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
import subprocess
import sys
from pathlib import Path

import pytest

import api

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


def test_the_install_command_creates_a_venv_installs_the_dev_extra_then_runs_the_demo() -> None:
    steps = [step.strip() for step in readme_commands()["install-and-run"].split("&&")]
    assert [shlex.split(step) for step in steps] == [
        ["python3", "-m", "venv", ".venv"],
        [".venv/bin/pip", "install", "-e", ".[dev]"],
        [".venv/bin/points-ledger", "demo"],
    ]
    assert Path(api.__file__).resolve().is_relative_to(ROOT), "the package under test is not installed editable"


@pytest.fixture
def fresh_directory(tmp_path: Path) -> Path:
    """A working directory with nothing but `.venv` → the environment these tests run in."""
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent, target_is_directory=True)
    return tmp_path


def run_in(directory: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POINTS_LEDGER_")}
    return subprocess.run(["bash", "-c", command], cwd=directory, env=env, capture_output=True, text=True,
                          check=False, timeout=300)


def test_the_readme_run_command_records_the_demo_in_the_default_sqlite_file(fresh_directory: Path) -> None:
    run_step = readme_commands()["install-and-run"].split("&&")[-1].strip()

    first = run_in(fresh_directory, run_step)
    second = run_in(fresh_directory, run_step)

    assert first.returncode == 0, first.stdout + first.stderr
    assert (fresh_directory / "points-ledger.sqlite").is_file()
    assert "store: sqlite:///points-ledger.sqlite" in first.stdout
    assert re.search(r"^[1-9]\d* facts recorded, 0 already present\.$", first.stdout, re.M)
    assert first.stdout.count("balance on ") >= 4
    assert second.returncode == 0, second.stderr
    assert re.search(r"^0 facts recorded, [1-9]\d* already present\.$", second.stdout, re.M)


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
