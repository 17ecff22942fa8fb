"""Loading the licences of a window of extract rows in one query (`PointsLedger.get_records`) gives exactly the
report of loading them one by one, and the command's peak memory does not grow with the ledger's size."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from ledger.application import PointsLedger
from ledger.bulk_import import BulkImporter
from ledger.facts import LicenceRecord
from ledger.storage import storage_env
from projections.reconciliation import run as reconciliation_run
from projections.reconciliation.extract import BadRow, open_extract
from projections.reconciliation.run import Reconciliation, ReconciliationRow, ledger_loader
from tests.conftest import StoreFactory
from tests.reconciliation.large_extract import extract_lines, population, write_extract
from tests.reconciliation.test_large_extract import reconcile_measured
from tests.reconciliation.timelines import record_all

LEDGER_GROWTH_ALLOWED_KIB = 8 * 1024  # what 33 times more licences in the ledger may add to the command's peak


def test_get_records_reads_several_licences_as_get_record_does(ledger: PointsLedger) -> None:
    records = population(9)
    record_all(ledger, records)
    numbers = [r.licence_number for r in records]

    found = ledger.get_records([*numbers[::-1], "NOT-IN-LEDGER", numbers[0]])

    assert found == {number: ledger.get_record(number) for number in numbers}
    assert ledger.get_records([]) == {}
    assert ledger.get_records(["NOT-IN-LEDGER"]) == {}


def _run(reconciliation: Reconciliation, text: str) -> list[ReconciliationRow | BadRow]:
    return list(reconciliation.run(open_extract(io.StringIO(text, newline=""))))


@pytest.mark.parametrize("include_missing", [False, True], ids=["rows", "with-missing"])
def test_a_run_loading_windows_of_licences_reports_what_a_licence_by_licence_run_does(
    ledger: PointsLedger, monkeypatch: pytest.MonkeyPatch, include_missing: bool
) -> None:
    record_all(ledger, population(18))
    text = "".join(extract_lines(300, 12))  # runs of one licence cross the windows' edges; unknown numbers too
    monkeypatch.setattr(reconciliation_run, "PREFETCH_ROWS", 7)
    calls: list[int] = []

    def load_many(numbers: Sequence[str]) -> Mapping[str, LicenceRecord]:
        calls.append(len(numbers))
        return ledger.get_records(numbers)

    one_by_one = Reconciliation(ledger_loader(ledger), include_missing=include_missing,
                                licence_numbers=ledger.licence_numbers)
    batched = Reconciliation(ledger_loader(ledger), include_missing=include_missing,
                             licence_numbers=ledger.licence_numbers, load_many=load_many)

    expected, actual = _run(one_by_one, text), _run(batched, text)

    assert actual == expected
    assert batched.summary == one_by_one.summary
    assert len(expected) == 300 + (6 if include_missing else 0)
    assert max(calls) <= 7
    assert len(calls) == -(-300 // 7) + (1 if include_missing else 0)


def test_the_reconcile_command_peak_memory_does_not_grow_with_the_ledger(
    new_store_url: StoreFactory, tmp_path: Path
) -> None:
    """Same extract (rows over the first 300 licences), ledgers of 300 and 10,000 licences: the command keeps
    nothing per ledger licence, so its peak resident memory is the same within a few MiB."""
    peaks = []
    extract = write_extract(tmp_path / "extract.csv", 3_000, 300)
    licences = population(10_000)
    for size in (300, 10_000):
        url = new_store_url("sqlite")
        ledger = PointsLedger(storage_env(url))
        report = BulkImporter(ledger).run(licences[:size])
        ledger.close()
        assert report.licences_written == size
        measured = reconcile_measured(url, extract, tmp_path / f"report-{size}.csv")
        peaks.append(int(str(measured["peak_kib"])))

    assert (tmp_path / "report-300.csv").read_bytes() == (tmp_path / "report-10000.csv").read_bytes()
    assert abs(peaks[1] - peaks[0]) <= LEDGER_GROWTH_ALLOWED_KIB, peaks
