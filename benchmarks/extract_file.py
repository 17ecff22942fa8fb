"""Write a préfecture extract (docs/formats/prefecture-extract.md) of any size from a ledger's read model.

    POINTS_LEDGER_DATABASE_URL=postgresql://…?schema=… python benchmarks/extract_file.py --rows 1000000 --out x.csv

What the rows are, honestly: the ledger's licences, each on several extract dates (month ends going back from
2025-01-31), ordered by date then licence number — so a licence's rows are far apart and no row benefits from
the previous row's fold. 1 M rows are 100 k licences × 10 dates, or 10 k licences × 100 dates: the cost of a row
does not depend on how many other rows name its licence in this order. Each row gives the ledger's legal balance,
status and ceiling on its date (a matching row, answered from the read model), except one row in 20 whose balance
is off by 2 points (a `balance_mismatch` or a stage kind: that licence is folded). Licences not yet obtained on a
date are left out. The read model is caught up first.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.application import PointsLedger
from projections.read_model import BalanceReadModel

FIRST_DATE = date(2025, 1, 31)
DIFFERENT_EVERY = 20  # one row in 20 is off by 2 points


def month_ends(count: int, last: date = FIRST_DATE) -> list[date]:
    """`count` month ends, `last` first, going back one month at a time."""
    days = [last]
    while len(days) < count:
        days.append(days[-1].replace(day=1) - timedelta(days=1))
    return days


def write_extract(ledger: PointsLedger, path: Path, rows: int,
                  on_day: Callable[[date, int], None] | None = None) -> int:
    """An extract of up to `rows` rows (licences × month ends, as many dates as needed); returns the rows
    written (fewer only when the ledger has no licence). `on_day(day, written)` after each date."""
    model = BalanceReadModel(ledger)
    model.create_tables()
    model.catch_up()
    licences = sum(1 for _ in ledger.licence_numbers())
    if not licences:
        return 0
    written = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["licence_number", "extract_date", "balance", "status", "ceiling"])
        for day in month_ends(max(1, -(-rows // licences)) * 2):
            for interval in model.balances_on(day):
                if interval.status.value == "not_obtained":
                    continue
                balance = interval.balance
                if written % DIFFERENT_EVERY == 7:
                    balance = max(0, balance - 2) if balance else 4
                out.writerow([interval.licence_number, day.isoformat(), balance, interval.status.value,
                              interval.ceiling])
                written += 1
                if written == rows:
                    break
            if on_day is not None:
                on_day(day, written)
            if written == rows:
                break
    return written


def main(argv: list[str] | None = None) -> int:
    from rich.progress import Progress

    from api.settings import get_settings
    from ledger.storage import storage_env

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    ledger = PointsLedger(storage_env(get_settings().database_url))
    try:
        with Progress() as bar:
            task = bar.add_task(f"Writing {args.out.name}", total=args.rows)
            written = write_extract(ledger, args.out, args.rows, lambda _, n: bar.update(task, completed=n))
    finally:
        ledger.close()
    print(f"{args.out}: {written:,} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
