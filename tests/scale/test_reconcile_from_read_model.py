"""A reconciliation that answers matching rows from the read model reports exactly what the fold reports, on
extracts with every kind of row, whether the read model is current or lags behind the ledger."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from benchmarks.population import population as national_population
from ledger.application import PointsLedger
from ledger.bulk_import import BulkImporter
from ledger.facts import OffenceEstablished
from ledger.storage import storage_env
from ledger.values import OffenceClass
from projections.read_model import BalanceReadModel
from projections.reconciliation.classify import Kind
from projections.reconciliation.extract import BadRow, open_extract
from projections.reconciliation.run import ReconciliationRow
from projections.sources import reconciliation_of
from tests.reconciliation.large_extract import extract_lines, population
from tests.reconciliation.timelines import record_all


@pytest.fixture
def pg_ledger(pg_url: str) -> Iterator[PointsLedger]:
    application = PointsLedger(storage_env(pg_url))
    yield application
    application.close()


def _both(ledger: PointsLedger, text: str, *, include_missing: bool = False
          ) -> tuple[list[ReconciliationRow | BadRow], list[ReconciliationRow | BadRow], int]:
    folding, fold_source = reconciliation_of(ledger, include_missing=include_missing, fold=True)
    reading, source = reconciliation_of(ledger, include_missing=include_missing)
    assert fold_source.read_model is None and source.read_model == "balance_intervals"
    expected = list(folding.run(open_extract(io.StringIO(text, newline=""))))
    actual = list(reading.run(open_extract(io.StringIO(text, newline=""))))
    assert reading.summary.counts == folding.summary.counts
    return expected, actual, reading.summary.folded_rows


def _extract_of_read_model(model: BalanceReadModel, days: list[date]) -> str:
    """An extract of every licence on each day, 1 row in 7 altered, half the rows giving the ceiling."""
    lines = ["licence_number,extract_date,balance,status,ceiling\n"]
    for day in days:
        for n, i in enumerate(model.balances_on(day)):
            balance = (i.balance + 3) % 13 if n % 7 == 3 else i.balance
            ceiling = str(i.ceiling if n % 5 else 12) if n % 2 else ""
            lines.append(f"{i.licence_number},{day.isoformat()},{balance},{i.status.value},{ceiling}\n")
    return "".join(lines)


@pytest.mark.parametrize("include_missing", [False, True], ids=["rows", "with-missing"])
def test_the_read_model_path_reports_what_the_fold_reports_for_every_kind(
    pg_ledger: PointsLedger, include_missing: bool
) -> None:
    record_all(pg_ledger, population(40))  # the extract names L000000-L000029 and unknown numbers
    model = BalanceReadModel(pg_ledger)
    model.create_tables()
    model.catch_up()
    text = "".join(extract_lines(1500, 30)) + "X000001,2024-01-31,12,valid\nX000002,2023-05-02,6,invalidated\n"

    expected, actual, folded = _both(pg_ledger, text, include_missing=include_missing)

    assert actual == expected
    kinds = {r.kind for r in expected if isinstance(r, ReconciliationRow)}
    # every kind the law gives (a ledger_error row is a licence that cannot be folded: none here)
    assert kinds == set(Kind) - {Kind.LEDGER_ERROR} - ({Kind.MISSING_FROM_EXTRACT} if not include_missing else set())
    matches = sum(1 for r in expected if isinstance(r, ReconciliationRow) and r.kind is Kind.MATCH)
    assert folded < len(expected) - matches  # matching and unknown rows were not folded


def test_on_a_national_population_the_read_model_path_equals_the_fold(pg_ledger: PointsLedger) -> None:
    BulkImporter(pg_ledger, batch_size=200).run(national_population(400, seed=11))
    model = BalanceReadModel(pg_ledger)
    model.create_tables()
    model.catch_up()
    text = _extract_of_read_model(model, [date(2024, 12, 31), date(2019, 6, 30), date(2012, 3, 1)])

    expected, actual, folded = _both(pg_ledger, text)

    assert actual == expected
    assert len(expected) > 1000 and folded < len(expected) / 3


def test_licences_recorded_after_the_read_model_position_are_folded_and_named_in_the_source(
    pg_ledger: PointsLedger,
) -> None:
    records = population(12)
    record_all(pg_ledger, records)
    model = BalanceReadModel(pg_ledger)
    model.create_tables()
    model.catch_up()
    for n, record in enumerate(records[:3]):
        pg_ledger.record(record.licence_number, OffenceEstablished(
            fact_id=f"late-{n}", recorded_at=datetime(2026, 1, 5, tzinfo=UTC), recorded_by="test",
            evidence_ref=f"PV-LATE-{n}", committed_on=date(2025, 3, 1), established_on=date(2025, 3, 20),
            points=3, offence_class=OffenceClass.C4))
    text = "".join(line for line in extract_lines(400, 12) if "2025" in line or line.startswith("licence"))
    text += "".join(f"{r.licence_number},2025-12-31,9,valid\n" for r in records[:3])

    expected, actual, _ = _both(pg_ledger, text)
    _, source = reconciliation_of(pg_ledger)

    assert actual == expected
    assert source.stale == 3 and source.position == model.position() < source.head
    assert "3 licence(s) recorded since" in source.describe()
