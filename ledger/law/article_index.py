"""A.1–A.22 — the article index of docs/law.md, generated from the code itself.

Every public rule function of `ledger.law` opens its docstring with the article(s) it applies (tested), and every
rule of the vocabulary names its article(s) and decision: this module turns both into one table, article by
article, so the documentation cannot drift from the code (tests/law/test_law_document.py compares them).
Pure: it reads the functions' docstrings in memory, never a file.
"""

from __future__ import annotations

import inspect
import re
from collections import defaultdict
from types import ModuleType

from ledger.law import (
    calendar,
    capital,
    decision,
    in_force,
    interruption,
    invalidation,
    letters,
    offence_catalogue,
    probation,
    reconstitution,
    scale,
    stage_recovery,
    weighing,
    withdrawal,
)
from ledger.law.vocabulary import AnomalyKind, Rule

RULE_MODULES: tuple[ModuleType, ...] = (calendar, capital, decision, in_force, interruption, invalidation, letters,
                                        offence_catalogue, probation, reconstitution, scale, stage_recovery,
                                        weighing, withdrawal)
# An article of the Code (L223-6, R223-8, R.255, R413-14-1), a decision of section A, or a décret / loi.
_ARTICLE = re.compile(r"\b([LR]\.?\d+(?:-\d+)*|A\.\d+|[Dd]écret n° [\d-]+|Loi n° [\d-]+|CE n° \d+)")


def articles_in(citation: str) -> list[str]:
    """A.14 — the articles a citation names, in order, each once ("L223-6 al. 1-2; L223-1" → L223-6, L223-1)."""
    seen: list[str] = []
    for match in _ARTICLE.findall(citation):
        name = match[0].upper() + match[1:] if match.startswith("d") else match
        if name not in seen:
            seen.append(name)
    return seen


def _functions() -> list[tuple[str, str]]:
    """(module.function, the citation opening its docstring) for every public rule function."""
    found = []
    for module in RULE_MODULES:
        short = module.__name__.rsplit(".", 1)[-1]
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            doc = inspect.getdoc(function) or ""
            found.append((f"{short}.{name}", doc.split(" — ", 1)[0]))
    return found


def _sort_key(article: str) -> tuple[int, list[int | str]]:
    order = 0 if article.startswith("L") else 1 if article.startswith("R") else 2 if article.startswith("A.") else 3
    return order, [int(part) if part.isdigit() else part for part in re.split(r"[.\-\s]", article)]


def article_index() -> str:
    """A.1–A.22 — the index as a Markdown table: each article, the rules (vocabulary) and functions applying it."""
    rules: dict[str, set[str]] = defaultdict(set)
    functions: dict[str, set[str]] = defaultdict(set)
    for rule in (*Rule, *AnomalyKind):
        for article in (*articles_in(rule.article), rule.decision):
            rules[article].add(f"`{rule.value}`")
    for qualified, citation in _functions():
        for article in articles_in(citation):
            functions[article].add(f"`{qualified}`")
    lines = ["| Article | Rules and anomalies (`ledger/law/vocabulary.py`) | Functions (`ledger/law/`) |",
             "|---|---|---|"]
    for article in sorted(set(rules) | set(functions), key=_sort_key):
        lines.append(f"| {article} | {', '.join(sorted(rules[article])) or '—'} | "
                     f"{', '.join(sorted(functions[article])) or '—'} |")
    return "\n".join(lines) + "\n"
