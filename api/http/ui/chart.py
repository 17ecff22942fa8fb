"""The balance-over-time chart of the licence page, drawn on the server as SVG geometry (no script, no library).

Input: the licence's timelines in the two readings (legal, administrative) as the projections built them, the
facts to mark, and the chosen date. Output: the coordinates the template draws — a step line per reading, one
point per day on which the legal balance moved (with its date and balance as data attributes, so the points can
be checked against the history), markers for offences, stages and letters, bands where the readings differ,
and the chosen date. Nothing here decides a balance: every value is read with `Timeline.state_on`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from projections.timeline import Timeline

WIDTH, HEIGHT = 920, 320
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 20, 44
MAX_POINTS = 12
FUTURE = timedelta(days=3 * 365)


@dataclass(frozen=True, slots=True)
class ChartPoint:
    x: float
    y: float
    on: date
    balance: int
    administrative: int  # the administrative reading's balance that day (for the table alternative)
    label: str


@dataclass(frozen=True, slots=True)
class Marker:
    x: float
    on: date
    kind: str  # offence | stage | letter
    label: str


@dataclass(frozen=True, slots=True)
class Band:
    x: float
    width: float
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything the template draws, in SVG user units."""

    width: int
    height: int
    legal_path: str
    administrative_path: str
    points: tuple[ChartPoint, ...]
    markers: tuple[Marker, ...]
    differences: tuple[Band, ...]
    chosen_x: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    start: date
    end: date
    plot_top: float
    plot_bottom: float


@dataclass(frozen=True, slots=True)
class FactMark:
    """A fact to mark on the time axis."""

    on: date
    kind: str
    label: str


class _Scale:
    def __init__(self, start: date, end: date) -> None:
        self.start = start
        self.span = max((end - start).days, 1)

    def x(self, day: date) -> float:
        return round(LEFT + (day - self.start).days / self.span * (WIDTH - LEFT - RIGHT), 2)

    @staticmethod
    def y(balance: int) -> float:
        return round(HEIGHT - BOTTOM - balance / MAX_POINTS * (HEIGHT - TOP - BOTTOM), 2)


def _range(legal: Timeline, administrative: Timeline, chosen: date) -> tuple[date, date]:
    """From the licence (or the chosen date, if earlier) to the last change, at most `FUTURE` past the chosen
    date: the far future the law already schedules (a ten-year return) would squeeze the history."""
    horizon = max(chosen, legal.obtained_on) + FUTURE
    days = [*legal.state_days, *administrative.state_days, chosen, legal.obtained_on]
    start, last = min(days), min(max(days), horizon)
    margin = timedelta(days=max(30, (last - start).days // 25))
    return start, last + margin


def _step_path(timeline: Timeline, scale: _Scale, start: date, end: date) -> str:
    """A step line: flat until each change day, then straight to the new balance."""
    balance = timeline.state_on(start).balance
    commands = [f"M{scale.x(start)},{scale.y(balance)}"]
    for day in timeline.state_days:
        if start < day <= end:
            new = timeline.state_on(day).balance
            if new != balance:
                commands.append(f"H{scale.x(day)}V{scale.y(new)}")
                balance = new
    commands.append(f"H{scale.x(end)}")
    return "".join(commands)


def _differences(legal: Timeline, administrative: Timeline, scale: _Scale, end: date) -> tuple[Band, ...]:
    """Where the two readings give another balance or status, in periods (adjacent change days joined)."""
    days = sorted({*legal.state_days, *administrative.state_days})
    periods: list[tuple[date, date]] = []  # [start, until): `until` is the first day they agree again
    for i, day in enumerate(days):
        a, b = legal.state_on(day), administrative.state_on(day)
        if (a.balance, a.status) == (b.balance, b.status):
            continue
        until = days[i + 1] if i + 1 < len(days) else end
        if periods and periods[-1][1] == day:
            periods[-1] = (periods[-1][0], until)
        else:
            periods.append((day, until))
    return tuple(Band(scale.x(start), max(scale.x(until) - scale.x(start), 1.5), start, until - timedelta(days=1))
                 for start, until in periods)


def _year_ticks(scale: _Scale, start: date, end: date) -> tuple[Tick, ...]:
    years = end.year - start.year + 1
    step = next(s for s in (1, 2, 5, 10, 20, 50) if years / s <= 12)
    first = start.year + (-start.year % step)
    return tuple(Tick(scale.x(date(year, 1, 1)), str(year)) for year in range(first, end.year + 1, step)
                 if start <= date(year, 1, 1) <= end)


def _point(scale: _Scale, legal: Timeline, administrative: Timeline, day: date) -> ChartPoint:
    balance = legal.state_on(day).balance
    return ChartPoint(scale.x(day), scale.y(balance), day, balance, administrative.state_on(day).balance,
                      f"{day.isoformat()} : {balance} points")


def build_chart(legal: Timeline, administrative: Timeline, chosen: date, facts: list[FactMark]) -> Chart:
    """The chart of one licence (see the module docstring)."""
    start, end = _range(legal, administrative, chosen)
    scale = _Scale(start, end)
    last_of_day = {m.on for m in legal.movements}
    points = tuple(_point(scale, legal, administrative, day) for day in sorted(last_of_day) if day <= end)
    markers = tuple(Marker(scale.x(f.on), f.on, f.kind, f.label) for f in facts if start <= f.on <= end)
    return Chart(
        width=WIDTH, height=HEIGHT,
        legal_path=_step_path(legal, scale, start, end),
        administrative_path=_step_path(administrative, scale, start, end),
        points=points, markers=markers, differences=_differences(legal, administrative, scale, end),
        chosen_x=scale.x(chosen), x_ticks=_year_ticks(scale, start, end),
        y_ticks=tuple(Tick(scale.y(b), str(b)) for b in range(0, MAX_POINTS + 1, 2)),
        start=start, end=end, plot_top=TOP, plot_bottom=HEIGHT - BOTTOM,
    )
