"""Calendar arithmetic of legal periods (docs/law.md A.14, convention C1).

Periods are counted in calendar months and years, same day of the month; a day that does not exist in the
target month (29 February, the 31st) becomes the last day of that month: 2024-02-29 + 2 years = 2026-02-28,
2023-08-31 + 6 months = 2024-02-29.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """A.14 — `day` plus a number of calendar months, clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    if day.day <= 28:
        return date(year, month0 + 1, day.day)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    """A.14 — `day` plus calendar years (29 February becomes 28 February in a common year)."""
    return add_months(day, 12 * years)


def next_day(day: date) -> date:
    """R223-8 III — the lendemain: a stage takes effect the day after its last day."""
    return day + ONE_DAY
