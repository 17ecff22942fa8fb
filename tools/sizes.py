"""Modules over ~350 lines and functions over ~60, in the packages (the quality bar of docs/architecture.md).

Usage: `python tools/sizes.py [--modules N] [--functions N]`; exits 1 when something is over.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

PACKAGES = ("ledger", "projections", "api")


def oversized(root: Path, module_limit: int, function_limit: int) -> list[str]:
    found = []
    for path in sorted(p for package in PACKAGES for p in (root / package).rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        name = path.relative_to(root)
        if lines > module_limit:
            found.append(f"{name}: module of {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > function_limit:
                    found.append(f"{name}:{node.lineno}: {node.name}() of {length} lines")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modules", type=int, default=350)
    parser.add_argument("--functions", type=int, default=60)
    args = parser.parse_args()
    found = oversized(Path(__file__).resolve().parent.parent, args.modules, args.functions)
    print("\n".join(found) or "nothing over the limits")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
