"""Compile a small function written out from a declaration, as `dataclasses` writes a class's `__init__`.

A bulk import checks and encodes tens of millions of facts. Walking a kind's declaration for each one (a loop
over its fields, a closure call per field, a dict built then re-keyed then flattened) costs several times the
work itself. Writing, once per kind, the straight-line function that the declaration describes — one attribute
read, one comparison, one dict entry per field — removes that overhead while keeping the declaration the only
source: the text is generated from it, never edited by hand, and every generated function is tested against
the generic code it stands for (tests/ledger/test_fact_writers.py).

Only names derived from declared Python identifiers are written into the source; every value (an enum class,
a compiled pattern, a bound) is passed in `namespace`, never formatted into the text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def identifier(name: str) -> str:
    """`name` if it can be written into generated source as an attribute or local name; raises otherwise."""
    if not name.isidentifier() or name.startswith("__"):
        raise ValueError(f"{name!r} is not a plain identifier")
    return name


def compile_function(name: str, lines: list[str], namespace: Mapping[str, Any]) -> Callable[..., Any]:
    """The function `name` defined by `lines` (its `def` line first), its globals being `namespace` only.

    The source stays readable on the function (`__source__`), for whoever debugs it.
    """
    source = "\n".join(lines) + "\n"
    scope: dict[str, Any] = dict(namespace)
    exec(compile(source, f"<generated {name}>", "exec"), scope)  # noqa: S102 - source written from declarations
    function: Callable[..., Any] = scope[name]
    function.__source__ = source  # type: ignore[attr-defined]
    return function
