"""The read model's rows: a licence's legal and administrative timelines as intervals of equal state.

`intervals_of_record(record)` is the pure part (the fold, `projections.timeline`); `copy_intervals` and
`interval_of_row` are the rows' binary COPY and their reading back. Used by the catch-up and by the rebuilds
(one process, several, or Dask workers: they all write exactly these rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg import Connection
from psycopg.sql import SQL, Composed, Identifier

from ledger.facts import LicenceRecord, OffenceEstablished
from ledger.values import Mode, Status
from projections.timeline import Timeline, build_timeline
from projections.wording import movement_text

BEFORE_LICENCE = date.min  # valid_from of the "not obtained yet" interval
COLUMNS = ("licence_number", "valid_from", "valid_to", "balance", "ceiling", "status", "adm_balance", "adm_status",
           "last_movement", "last_fact_id")
SELECT_COLUMNS = SQL(", ").join(Identifier(c) for c in COLUMNS)



@dataclass(frozen=True, slots=True)
class Interval:
    """The licence on every day of [valid_from, valid_to): its legal balance, ceiling and status, its
    administrative balance and status, and the last legal movement so far (worded, with its fact) — what a
    reconciliation row that matches needs, so that such a row is answered without folding."""

    licence_number: str
    valid_from: date
    valid_to: date | None  # exclusive; None: until further facts
    balance: int
    ceiling: int
    status: Status
    administrative_balance: int = 0
    administrative_status: Status = Status.NOT_OBTAINED
    last_movement: str | None = None  # `projections.wording.movement_text` of the last legal movement
    last_fact_id: str | None = None



def intervals_of(legal: Timeline, administrative: Timeline, record: LicenceRecord) -> list[Interval]:
    """The two timelines as intervals: a new interval on every day the legal state, the administrative state
    or the last legal movement changes (a movement of 0 points changes what a matching row quotes).

    One walk over the days with a cursor per timeline (day states and movements are in day order, so a cursor
    finds what `state_on` and `movements_until` would), and each movement worded once: a rebuild does this for
    every licence of the ledger.
    """
    number = legal.licence_number
    facts = {record.licence.fact_id: record.licence, **{f.fact_id: f for f in record.facts}}
    days = sorted({*legal.state_days, *administrative.state_days, *legal.movement_days})
    rows, other_rows, movements = legal.rows, administrative.rows, legal.movements
    intervals: list[Interval] = []
    start = BEFORE_LICENCE
    current: tuple[Any, ...] = (0, 0, Status.NOT_OBTAINED, 0, Status.NOT_OBTAINED, None, None)
    state: tuple[Any, ...] = (0, 0, Status.NOT_OBTAINED)  # (balance, ceiling, status) before any row
    other: tuple[Any, ...] = state
    quoted: tuple[str | None, str | None] = (None, None)  # the last movement's text and fact id
    i = j = k = 0
    for day in days:
        while i < len(rows) and rows[i][0] <= day:
            state, i = rows[i][1:4], i + 1
        while j < len(other_rows) and other_rows[j][0] <= day:
            other, j = other_rows[j][1:4], j + 1
        if k < len(movements) and movements[k].on <= day:
            while k < len(movements) and movements[k].on <= day:
                k += 1
            last = movements[k - 1]
            quoted = (movement_text(last, facts), last.fact_id)
        value = (*state, other[0], other[2], *quoted)
        if value == current:
            continue
        intervals.append(Interval(number, start, day, *current))
        start, current = day, value
    intervals.append(Interval(number, start, None, *current))
    return intervals


def intervals_of_record(record: LicenceRecord) -> list[Interval]:
    """The intervals of a licence's whole record (current knowledge). Without an offence the administrative
    reading is the legal one (tests/reconciliation/test_fold_sharing.py), so one fold serves both. The
    rectifications are applied first (the law reads the corrected facts)."""
    record = record.rectified()
    legal = build_timeline(record, Mode.LEGAL)
    offences = any(isinstance(f, OffenceEstablished) for f in record.facts)
    administrative = build_timeline(record, Mode.ADMINISTRATIVE) if offences else legal
    return intervals_of(legal, administrative, record)


def copy_intervals(conn: Connection[Any], table: Composed, intervals: Sequence[Interval]) -> None:
    if not intervals:
        return
    statement = SQL("COPY {0} ({1}) FROM STDIN (FORMAT BINARY)").format(table, SELECT_COLUMNS)
    with conn.cursor() as curs, curs.copy(statement) as copy:
        copy.set_types(["text", "date", "date", "int2", "int2", "text", "int2", "text", "text", "text"])
        for i in intervals:
            copy.write_row((i.licence_number, i.valid_from, i.valid_to, i.balance, i.ceiling, i.status.value,
                            i.administrative_balance, i.administrative_status.value, i.last_movement,
                            i.last_fact_id))


def interval_of_row(row: Any) -> Interval:
    """A row of the interval table (selected with `SELECT_COLUMNS`) as an `Interval`."""
    return Interval(row["licence_number"], row["valid_from"], row["valid_to"], int(row["balance"]),
                    int(row["ceiling"]), Status(row["status"]), int(row["adm_balance"]), Status(row["adm_status"]),
                    row["last_movement"], row["last_fact_id"])
