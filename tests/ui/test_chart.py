"""The chart's geometry comes from the timelines: one point per movement day, bands where the readings differ."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from api.http.ui.chart import FactMark, build_chart
from api.http.ui.licence_view import licence_page
from ledger.values import Mode
from projections.balance import timeline_for
from projections.history import statement
from projections.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios" / "own"
# Legal and administrative readings differ from the 1st anniversary to the full reconstitution (2022-08-16 to
# 2025-09-04), as the scenario's hand-computed expectations say.
P03 = load_scenario(json.loads((SCENARIOS / "P03-legal-vs-admin-established-after-anniversary.json").read_text()),
                    "P03")


def test_a_point_per_movement_day_with_the_history_s_balance() -> None:
    on = date(2026, 1, 1)
    chart = licence_page(P03.record, on, None, Mode.LEGAL).chart
    movements = statement(P03.record, on).movements
    by_day = {m.on: m.balance for m in movements}  # the last movement of a day gives the day's balance
    assert {(p.on, p.balance) for p in chart.points if p.on <= on} == set(by_day.items())


def test_the_readings_differ_exactly_where_the_scenario_says() -> None:
    chart = build_chart(timeline_for(P03.record, None, Mode.LEGAL), timeline_for(P03.record, None, Mode.ADMINISTRATIVE),
                        date(2023, 1, 1), [])
    assert [(b.start, b.end) for b in chart.differences] == [(date(2022, 8, 16), date(2025, 9, 4))]
    administrative = {p.on: p.administrative for p in chart.points}
    assert administrative[date(2022, 9, 5)] == 6


def test_markers_and_the_chosen_day_are_placed_on_the_time_axis() -> None:
    legal = timeline_for(P03.record, None, Mode.LEGAL)
    chosen = date(2023, 1, 1)
    chart = build_chart(legal, timeline_for(P03.record, None, Mode.ADMINISTRATIVE), chosen,
                        [FactMark(date(2022, 9, 5), "offence", "o1")])
    assert chart.start == date(2021, 8, 16)
    assert [m.kind for m in chart.markers] == ["offence"]
    xs = sorted([chart.markers[0].x, chart.chosen_x])
    assert xs == [chart.markers[0].x, chart.chosen_x]  # the offence comes before the chosen day
    assert 48 <= chart.markers[0].x < chart.chosen_x <= chart.width - 16
