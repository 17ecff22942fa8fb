"""The interface names every rule and anomaly of the law engine in French, and links articles to Légifrance."""

from __future__ import annotations

import re
from pathlib import Path

import projections.timeline
from api.http.ui import wording
from api.http.ui.articles import CODE_DE_LA_ROUTE, article_parts

TIMELINE = Path(projections.timeline.__file__).read_text(encoding="utf-8")


def test_every_rule_the_timeline_records_has_a_french_name() -> None:
    rules = set(re.findall(r'_move\(\s*day,[^"]*?"([a-z0-9_]+)"', TIMELINE, re.S))
    assert rules, "no rule found: the timeline's vocabulary moved, update this test"
    assert rules - set(wording.RULES) == set()


def test_every_anomaly_the_timeline_flags_has_a_french_sentence() -> None:
    kinds = set(re.findall(r'_flag\(\s*day,\s*"([a-z0-9_]+)"', TIMELINE))
    assert kinds and kinds - set(wording.ANOMALIES) == set()


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
