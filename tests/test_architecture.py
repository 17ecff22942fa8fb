"""The layering holds: import-linter's contracts (pyproject.toml), no wall clock in ledger/ or projections/, and
no standard-library I/O in the pure modules (which import-linter does not see: it tracks packages, not stdlib).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NO_CLOCK = ("ledger", "projections")
PURE = ("ledger/law", "ledger/facts.py", "ledger/values.py")
CLOCK_READS = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today")}
IO_MODULES = {"os", "sys", "io", "pathlib", "shutil", "tempfile", "sqlite3", "socket", "subprocess", "urllib",
              "http", "time", "random", "logging"}


def python_files(*places: str) -> Iterator[Path]:
    for place in places:
        path = ROOT / place
        yield from ([path] if path.is_file() else sorted(path.rglob("*.py")))


def clock_reads(source: str) -> list[str]:
    """`date.today()`, `datetime.now(…)`, `datetime.utcnow()` in any spelling: aliases and `datetime.date…`."""
    tree = ast.parse(source)
    names: dict[str, str] = {}  # local name → "date" | "datetime" | "module"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "datetime":
            for alias in node.names:
                if alias.name in ("date", "datetime"):
                    names[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "datetime":
                    names[alias.asname or alias.name] = "module"
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        kind = None
        if isinstance(owner, ast.Name) and names.get(owner.id) in ("date", "datetime"):
            kind = names[owner.id]
        elif (isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name)
              and names.get(owner.value.id) == "module" and owner.attr in ("date", "datetime")):
            kind = owner.attr
        if kind is not None and (kind, node.func.attr) in CLOCK_READS:
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def io_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                   else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
        found += [f"line {node.lineno}: {m}" for m in modules if m.split(".")[0] in IO_MODULES]
    return found


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
    assert "Imports run one way" in done.stdout


@pytest.mark.parametrize("path", list(python_files(*NO_CLOCK)), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_ledger_and_the_projections_never_read_the_clock(path: Path) -> None:
    assert clock_reads(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", list(python_files(*PURE)), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_law_and_its_vocabulary_import_no_io(path: Path) -> None:
    assert io_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source", [
    "from datetime import date\ntoday = date.today()",
    "from datetime import datetime\nnow = datetime.now(UTC)",
    "from datetime import datetime as dt\nnow = dt.utcnow()",
    "import datetime\nday = datetime.date.today()",
    "import datetime as clock\nnow = clock.datetime.now()",
])
def test_the_clock_check_catches_every_spelling(source: str) -> None:
    assert len(clock_reads(source)) == 1


def test_the_clock_check_leaves_legal_dates_alone() -> None:
    source = "from datetime import date\nday = date.fromisoformat('2024-01-01')\nother = day.today_is_not_a_call"
    assert clock_reads(source) == []


def test_the_io_check_catches_an_os_import() -> None:
    assert io_imports("import os.path\nfrom sqlite3 import connect\nfrom .calendar import add_years") == [
        "line 1: os.path", "line 2: sqlite3"]
