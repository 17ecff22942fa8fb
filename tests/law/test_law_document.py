"""docs/law.md, the project's reading of the law: it covers every decision of section A, its article index is the
one the code generates, and the code cites it (never the specification it was written from)."""

from __future__ import annotations

import re
from pathlib import Path

from ledger.law.article_index import article_index

ROOT = Path(__file__).parents[2]
DOCUMENT = (ROOT / "docs" / "law.md").read_text(encoding="utf-8")
CODE = [p for d in ("ledger", "projections", "api") for p in (ROOT / d).rglob("*.py")]


def test_the_article_index_is_the_one_the_code_generates() -> None:
    block = DOCUMENT.split("<!-- article-index:start -->\n", 1)[1].split("<!-- article-index:end -->", 1)[0]
    assert block == article_index(), "docs/law.md is out of date: python scripts/update_law_index.py"


def test_every_decision_of_section_a_has_its_paragraph() -> None:
    assert [int(n) for n in re.findall(r"^\*\*A\.(\d+) ", DOCUMENT, flags=re.M)] == list(range(1, 23))


def test_the_code_cites_docs_law_md_not_the_specification() -> None:
    citing = [str(p.relative_to(ROOT)) for p in CODE if "rules.md" in p.read_text(encoding="utf-8")]
    assert not citing
