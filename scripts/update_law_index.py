"""Rewrite the article index of docs/law.md from the code (`ledger.law.article_index`)."""

from __future__ import annotations

from pathlib import Path

from ledger.law.article_index import article_index

START, END = "<!-- article-index:start -->\n", "<!-- article-index:end -->"
DOCUMENT = Path(__file__).parents[1] / "docs" / "law.md"


def with_index(text: str) -> str:
    """The document with its index block replaced by the generated one."""
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + START + article_index() + END + tail


if __name__ == "__main__":
    DOCUMENT.write_text(with_index(DOCUMENT.read_text(encoding="utf-8")), encoding="utf-8")
