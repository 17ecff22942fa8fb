"""A generated préfecture extract of any size over a modest set of licences, and a streaming reconciliation of it.

Rows come in runs of consecutive rows of one licence with different dates (as an extract sorted by licence
with several dates would), drawn from a seeded generator, so the same size always gives the same file.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from api.report_output import ReportFormat, ReportWriter
from ledger.application import PointsLedger
from ledger.facts import LicenceRecord
from projections.reconciliation.extract import BadRow, open_extract
from projections.reconciliation.run import REPORT_COLUMNS, ReconciliationSummary, reconcile_with_ledger
from tests.reconciliation import timelines

SHAPES = (timelines.offence_then_stage, timelines.stage_before_void_48si, timelines.zero_without_48si,
          timelines.offence_committed_before_anniversary, timelines.invalidated_then_reissued,
          timelines.two_stages)
FIRST_DAY = date(2019, 1, 1)
DAYS = 7 * 365


def population(licences: int) -> list[LicenceRecord]:
    """`licences` licences cycling through the hand-known shapes, numbered L000000…"""
    return [SHAPES[i % len(SHAPES)](f"L{i:06d}") for i in range(licences)]


def extract_lines(rows: int, licences: int, *, seed: int = 5) -> Iterator[str]:
    """The header, then `rows` rows; about 1 in 200 is unreadable and 1 in 100 names an unknown licence."""
    draw = random.Random(seed)
    yield "licence_number,extract_date,balance,status\n"
    written = 0
    while written < rows:
        number = (f"L{draw.randrange(licences):06d}" if draw.random() > 0.01 else f"X{draw.randrange(10**6):06d}")
        for _ in range(min(draw.randint(1, 20), rows - written)):
            day = FIRST_DAY + timedelta(days=draw.randrange(DAYS))
            balance = str(draw.randint(0, 12)) if draw.random() > 0.005 else "13"
            status = "valid" if draw.random() > 0.1 else "invalidated"
            yield f"{number},{day.isoformat()},{balance},{status}\n"
            written += 1


def write_extract(path: Path, rows: int, licences: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.writelines(extract_lines(rows, licences))
    return path


def reconcile_file(ledger: PointsLedger, extract: Path, report: Path) -> ReconciliationSummary:
    """Extract file → report file, one row at a time (what `points-ledger reconcile` does, without the UI)."""
    reconciliation = reconcile_with_ledger(ledger)
    with extract.open(encoding="utf-8", newline="") as source, report.open("w", encoding="utf-8",
                                                                               newline="") as out:
        writer = ReportWriter(out, ReportFormat.CSV, REPORT_COLUMNS)
        for item in reconciliation.run(open_extract(source)):
            if isinstance(item, BadRow):
                writer.bad_row(item)
            else:
                writer.row(item)
        writer.finish()
    return reconciliation.summary
