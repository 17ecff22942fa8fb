"""Dated, cited values of the law: `InForce[T]` answers "which value applied on this day?".

Modelled on OpenFisca's dated parameters: each entry has the day it starts, its value and the text that
made it (with a link). A change of the law is one entry, tested on the day before and the day it starts.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

T = TypeVar("T")


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
        if not ordered:
            raise ValueError("an InForce table needs at least one entry")
        self.entries: tuple[Entry[T], ...] = tuple(ordered)
        self._starts = [e.since for e in ordered]
        self.last_checked_on = last_checked_on

    def entry_on(self, day: date) -> Entry[T] | None:
        """The entry in force on `day`, or None before the first one."""
        i = bisect_right(self._starts, day)
        return self.entries[i - 1] if i else None

    def value_on(self, day: date, default: T | None = None) -> T:
        """The value in force on `day`; before the first entry, `default` (an error if none)."""
        entry = self.entry_on(day)
        if entry is not None:
            return entry.value
        if default is None:
            raise LookupError(f"no rule in force on {day.isoformat()} (first entry {self._starts[0]})")
        return default
