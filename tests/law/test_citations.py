"""Every rule of the law cites its source first, and every dated change cites the text that made it."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from ledger.law.in_force import InForce

LAW = Path(__file__).parents[2] / "ledger" / "law"
RULE_MODULES = sorted(p for p in LAW.glob("*.py") if p.name not in ("__init__.py", "in_force.py"))
CITATION = re.compile(r"^(L\d|R\d|R\.\d|A\.\d|Décret|Loi)")


@pytest.mark.parametrize("path", RULE_MODULES, ids=lambda p: p.stem)
def test_every_public_rule_opens_its_docstring_with_its_article(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    uncited = [node.name for node in ast.walk(tree)
               if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
               and not CITATION.match(ast.get_docstring(node) or "")]
    assert not uncited, f"{path.name}: {uncited} do not open with their article"


@pytest.mark.parametrize("path", RULE_MODULES, ids=lambda p: p.stem)
def test_every_dated_entry_names_its_text_and_article(path: Path) -> None:
    module = importlib.import_module(f"ledger.law.{path.stem}")
    tables = [v for v in vars(module).values() if isinstance(v, InForce)]
    tables += [t for v in vars(module).values() if isinstance(v, dict) for t in v.values() if isinstance(t, InForce)]
    for table in tables:
        for entry in table.entries:
            assert entry.source.text and entry.source.article, entry
