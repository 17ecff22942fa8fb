"""The only place the wall clock is read: "today" in Europe/Paris when a caller omits a date."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def today_in_paris() -> date:
    """Legal dates of French law are Paris calendar days."""
    return datetime.now(PARIS).date()  # noqa: TID251 - the edge picks "today" for callers who omit a date


def now_utc() -> datetime:
    """Recording time of a fact written through the API or the CLI."""
    return datetime.now(PARIS).astimezone(ZoneInfo("UTC"))  # noqa: TID251 - recording time, at the edge only
