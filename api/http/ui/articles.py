"""Links from a movement's article ("L223-6 al. 4; R223-8 II-III") to the texts on Légifrance.

Articles whose Légifrance identifier the ledger's sources name link to the article itself; the others link to
the code de la route, the article number being in the link's text. Other references (a Conseil d'État
decision) stay plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE_DE_LA_ROUTE = "https://www.legifrance.gouv.fr/codes/texte_lc/LEGITEXT000006074228/"
ARTICLE_URL = "https://www.legifrance.gouv.fr/codes/article_lc/{}"
KNOWN_ARTICLES = {
    "L223-1": "LEGIARTI000006840953",
    "L223-5": "LEGIARTI000006840962",
    "L223-6": "LEGIARTI000006840966",
    "R223-1": "LEGIARTI000006841409",
    "R223-2": "LEGIARTI000006841412",
    "R412-10": "LEGIARTI000006842127",
    "R412-30": "LEGIARTI000006842152",
    "R414-16": "LEGIARTI000006842235",
}
_ARTICLE = re.compile(r"\b([LR]\d{3}-\d+(?:-\d+)?)\b")


@dataclass(frozen=True, slots=True)
class ArticlePart:
    """A piece of an article reference: text, and the address of the text when it names an article."""

    text: str
    url: str | None = None


def article_url(number: str) -> str:
    known = KNOWN_ARTICLES.get(number)
    return ARTICLE_URL.format(known) if known else CODE_DE_LA_ROUTE


def article_parts(reference: str) -> list[ArticlePart]:
    """Split a reference into linked article numbers and the plain text between them."""
    parts: list[ArticlePart] = []
    position = 0
    for match in _ARTICLE.finditer(reference):
        if match.start() > position:
            parts.append(ArticlePart(reference[position:match.start()]))
        parts.append(ArticlePart(match.group(1), article_url(match.group(1))))
        position = match.end()
    if position < len(reference):
        parts.append(ArticlePart(reference[position:]))
    return parts
