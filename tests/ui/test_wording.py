"""The interface's French words (the rules' own wording comes from ledger/law/vocabulary.py), and article links."""

from __future__ import annotations

from api.http.ui import wording
from api.http.ui.articles import CODE_DE_LA_ROUTE, article_parts


def test_an_unknown_rule_is_still_readable() -> None:
    assert wording.rule("some_new_rule") == "some new rule"


def test_article_numbers_become_links_and_the_rest_stays_text() -> None:
    parts = article_parts("L223-6 al. 4; R223-8 II-III; CE n° 461479")
    assert [(p.text, p.url is not None) for p in parts] == [
        ("L223-6", True), (" al. 4; ", False), ("R223-8", True), (" II-III; CE n° 461479", False)]
    assert parts[0].url == "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000006840966"
    assert parts[2].url == CODE_DE_LA_ROUTE


def test_dates_read_the_french_way() -> None:
    from datetime import date

    assert wording.long_date(date(2025, 3, 1)) == "1er mars 2025"
    assert wording.short_date(date(2025, 3, 15)) == "15/03/2025"
    assert wording.signed(-3) == "−3" and wording.signed(4) == "+4"
