"""A folded licence: every movement and day state of one licence, in one mode, as known at one moment.

Built by the fold (`projections.timeline.build_timeline`); read by the balance, the history, the reconciliation
and the pages. It answers any day with two bisections: `state_on(day)` and `movements_until(day)`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import date

from ledger.values import Mode, Status
from projections.explanation import Anomaly, DayState, ExpectedLetter, Movement

Row = tuple[date, int, int, Status, "date | None", "date | None", "date | None", int, "date | None",
             "date | None", "date | None", "date | None"]


class Timeline:
    """Every movement and state of one licence, in one mode, as known at one moment (immutable once built)."""

    __slots__ = ("_expected", "_match", "_rows", "_states", "anomalies", "licence_number", "mode", "movement_days",
                 "movements", "obtained_on", "state_days")

    def __init__(self, licence_number: str, mode: Mode, movements: tuple[Movement, ...], rows: list[Row],
                 expected_letters: Callable[[], tuple[ExpectedLetter, ...]], anomalies: tuple[Anomaly, ...],
                 obtained_on: date) -> None:
        self.licence_number = licence_number
        self.mode = mode
        self.movements = movements
        self._match = expected_letters
        self._expected: tuple[ExpectedLetter, ...] | None = None
        self.anomalies = anomalies
        self.obtained_on = obtained_on
        self._rows = rows
        self._states: tuple[DayState, ...] | None = None
        self.state_days = [r[0] for r in rows]
        self.movement_days = [m.on for m in movements]

    @property
    def expected_letters(self) -> tuple[ExpectedLetter, ...]:
        """The letters the law expects after the movements (A.17), each with the letter that answered it; matched
        on first use (`projections.letter_matching`): a read-model rebuild never asks."""
        if self._expected is None:
            self._expected = self._match()
        return self._expected

    @property
    def states(self) -> tuple[DayState, ...]:
        """The state at the end of each day on which something happened, oldest first."""
        if self._states is None:
            self._states = tuple(DayState(*row) for row in self._rows)
        return self._states

    @property
    def rows(self) -> Sequence[Row]:
        """The raw day states, oldest first, one a day, in `DayState`'s field order (no object per day: the read
        model walks them once for every licence of a rebuild)."""
        return self._rows

    def state_on(self, day: date) -> DayState:
        """The licence at the end of `day` (A.14)."""
        i = bisect_right(self.state_days, day)
        if i == 0:
            return DayState(day, 0, 0, Status.NOT_OBTAINED, None, None, None, 0, None, None, None, None)
        return DayState(day, *self._rows[i - 1][1:])

    def movements_until(self, day: date) -> tuple[Movement, ...]:
        """The movements effective on or before `day`: their deltas sum to the balance of `day`."""
        return self.movements[: bisect_right(self.movement_days, day)]

    def movements_after(self, day: date) -> tuple[Movement, ...]:
        return self.movements[bisect_right(self.movement_days, day):]


