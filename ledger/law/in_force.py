"""Dated, cited values of the law: `InForce[T]` answers "which value applied on this day?".

Modelled on OpenFisca's dated parameters: each entry has the day it starts, its value and the text that
made it (with a link). A change of the law is one entry, tested on the day before and the day it starts
(tests/law/test_dated_tables.py).

Every table starts on 1992-07-01, the day the permis à points started (décret n° 92-559; docs/law.md, A.19):
before it there are no points, and the rules say so themselves (`before_points_system`) instead of asking a
table about a day it does not cover. Asking anyway is a programming error (`BeforePointsSystem`).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

T = TypeVar("T")

POINTS_SYSTEM_START = date(1992, 7, 1)


class BeforePointsSystem(LookupError):
    """A dated table was asked about a day before 1992-07-01: the rule should have said "no points yet"."""


def before_points_system(day: date) -> bool:
    """Décret n° 92-559 du 25 juin 1992 — no points before 1992-07-01 (A.19)."""
    return day < POINTS_SYSTEM_START


@dataclass(frozen=True, slots=True)
class Citation:
    """The legal source of a rule or of a dated value."""

    text: str
    article: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    since: date
    value: T
    source: Citation


class InForce(Generic[T]):
    """An ordered table of (since, value, source); `value_on(day)` is the value in force that day."""

    def __init__(self, *entries: Entry[T], last_checked_on: date) -> None:
        ordered = sorted(entries, key=lambda e: e.since)
        if not ordered or ordered[0].since != POINTS_SYSTEM_START:
            raise ValueError(f"a dated table starts on {POINTS_SYSTEM_START.isoformat()} (A.19)")
        self.entries: tuple[Entry[T], ...] = tuple(ordered)
        self._starts = [e.since for e in ordered]
        self.last_checked_on = last_checked_on

    def entry_on(self, day: date) -> Entry[T]:
        """The entry in force on `day` (`BeforePointsSystem` before 1992-07-01)."""
        i = bisect_right(self._starts, day)
        if not i:
            raise BeforePointsSystem(f"no points before {POINTS_SYSTEM_START.isoformat()}: asked about "
                                     f"{day.isoformat()}")
        return self.entries[i - 1]

    def value_on(self, day: date) -> T:
        """The value in force on `day` (`BeforePointsSystem` before 1992-07-01)."""
        return self.entry_on(day).value

    def changes(self) -> tuple[tuple[date, T, T], ...]:
        """Each change after the first entry: (day it starts, value the day before, value from that day)."""
        return tuple(
            (new.since, old.value, new.value) for old, new in zip(self.entries, self.entries[1:], strict=False)
        )
