"""A reconciliation split by licence hash over a real Dask LocalCluster of 2 workers gives, byte for byte, the
report of the single process — from the read model and from the fold — on an extract with every kind of row,
unreadable lines and licences recorded after the read model's position; the command refuses SQLite."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from api.report_output import ReportFormat, ReportWriter, RowRenderer
from ledger.application import PointsLedger
from ledger.facts import OffenceEstablished
from ledger.licence import licence_id
from ledger.storage import storage_env
from ledger.values import OffenceClass
from projections.distributed import dask_reconciler
from projections.read_model import BalanceReadModel
from projections.read_model_rebuild import split_streams
from projections.reconciliation.classify import Kind
from projections.reconciliation.extract import BadRow, open_extract
from projections.reconciliation.partitioned import PartitionedReconciliation, local_submit
from projections.reconciliation.run import REPORT_COLUMNS, ReconciliationRow, ReconciliationSummary
from projections.sources import reconciliation_of
from projections.worker_ledgers import close_worker_ledgers
from tests.reconciliation.large_extract import extract_lines, population
from tests.reconciliation.timelines import record_all
from tests.served import CLI, clean_env

LICENCES = 40  # the extract names L000000-L000029, so 10 licences are missing from it


@pytest.fixture
def pg_ledger(pg_url: str) -> Iterator[PointsLedger]:
    """40 licences of every shape, the read model caught up, then 2 licences changed after its position."""
    ledger = PointsLedger(storage_env(pg_url))
    records = population(LICENCES)
    record_all(ledger, records)
    model = BalanceReadModel(ledger)
    model.create_tables()
    model.catch_up()
    for n, record in enumerate(records[:2]):
        ledger.record(record.licence_number, OffenceEstablished(
            fact_id=f"late-{n}", recorded_at=datetime(2026, 1, 5, tzinfo=UTC), recorded_by="test",
            evidence_ref=f"PV-LATE-{n}", committed_on=date(2025, 3, 1), established_on=date(2025, 3, 20),
            points=3, offence_class=OffenceClass.C4))
    yield ledger
    ledger.close()
    close_worker_ledgers()


def _extract(ledger: PointsLedger) -> str:
    """Rows of every kind (runs of one licence, unreadable lines, unknown numbers), then matching rows with and
    without a ceiling read from the read model, then rows of the licences changed after its position."""
    lines = [line.rstrip("\n") + ",\n" for line in extract_lines(1500, 30)][1:]
    listed = [i for i in BalanceReadModel(ledger).balances_on(date(2024, 12, 31)) if int(i.licence_number[1:]) < 30]
    for n, interval in enumerate(listed):
        ceiling = str(interval.ceiling) if n % 2 else ""
        lines.append(f"{interval.licence_number},2024-12-31,{interval.balance},{interval.status.value},{ceiling}\n")
    lines += ["L000000,2025-12-31,9,valid,\n", "L000001,2025-12-31,12,valid,12\n", "X000001,2024-01-31,12,valid,\n"]
    return "licence_number,extract_date,balance,status,ceiling\n" + "".join(lines)


def _report(items: Iterator[ReconciliationRow | str | BadRow], fmt: ReportFormat,
            summary: ReconciliationSummary) -> str:
    out = io.StringIO()
    writer = ReportWriter(out, fmt, REPORT_COLUMNS)
    for item in items:
        if isinstance(item, BadRow):
            writer.bad_row(item)
        elif isinstance(item, str):
            writer.rendered(item)
        else:
            writer.row(item)
    writer.finish(summary.as_json())
    return out.getvalue()


def _single(ledger: PointsLedger, text: str, fmt: ReportFormat, *, include_missing: bool = False,
            fold: bool = False) -> tuple[str, ReconciliationSummary]:
    reconciliation, _ = reconciliation_of(ledger, include_missing=include_missing, fold=fold)
    report = _report(reconciliation.run(open_extract(io.StringIO(text, newline=""))), fmt, reconciliation.summary)
    return report, reconciliation.summary


@pytest.mark.parametrize("fmt", [ReportFormat.CSV, ReportFormat.JSON], ids=["csv", "json"])
@pytest.mark.parametrize("include_missing", [False, True], ids=["rows", "with-missing"])
def test_two_dask_workers_give_the_single_process_report_byte_for_byte(
    pg_ledger: PointsLedger, fmt: ReportFormat, include_missing: bool
) -> None:
    text = _extract(pg_ledger)
    single, summary = _single(pg_ledger, text, fmt, include_missing=include_missing)
    folded, _ = _single(pg_ledger, text, fmt, include_missing=include_missing, fold=True)

    with dask_reconciler(pg_ledger, RowRenderer(fmt, REPORT_COLUMNS), workers=2, partitions=3,
                         include_missing=include_missing) as (reconciliation, source):
        distributed = _report(reconciliation.run(open_extract(io.StringIO(text, newline=""))), fmt,
                              reconciliation.summary)

    assert distributed == single == folded
    assert reconciliation.summary == summary
    assert source.read_model == "balance_intervals" and source.stale == 2
    kinds = {kind for kind, n in summary.counts.items() if n}
    assert kinds == set(Kind) - {Kind.LEDGER_ERROR} - (set() if include_missing else {Kind.MISSING_FROM_EXTRACT})
    assert summary.bad_rows > 0 and summary.counts[Kind.MATCH] > LICENCES / 2


def test_each_row_goes_to_the_hash_range_the_rebuild_gives_its_licence_stream() -> None:
    reconciliation = PartitionedReconciliation(lambda rows: pytest.fail("nothing is submitted"), 5,
                                               render=str)
    ranges = split_streams(5)
    for n in range(300):
        number = f"L{n:06d}"
        low, high = ranges[reconciliation.partition_of(number)]
        stream = licence_id(number)
        assert (low is None or low <= stream) and (high is None or stream < high)


def test_the_parts_reconciled_in_this_process_give_the_same_report(pg_ledger: PointsLedger) -> None:
    text = _extract(pg_ledger)
    single, summary = _single(pg_ledger, text, ReportFormat.CSV)
    render = RowRenderer(ReportFormat.CSV, REPORT_COLUMNS)
    model = BalanceReadModel(pg_ledger)
    stale = model.streams_after(model.position(), 100) or set()
    reconciliation = PartitionedReconciliation(local_submit(dict(pg_ledger.env), model.name, stale, render), 7,
                                               render=render, in_flight=1)

    report = _report(reconciliation.run(open_extract(io.StringIO(text, newline=""))), ReportFormat.CSV,
                     reconciliation.summary)

    assert report == single and reconciliation.summary == summary


def test_the_command_on_two_dask_workers_writes_the_single_process_report(
    pg_ledger: PointsLedger, pg_url: str, tmp_path: Path
) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_text(_extract(pg_ledger), encoding="utf-8")
    env = clean_env(POINTS_LEDGER_DATABASE_URL=pg_url)
    reports = {}
    for name, options in {"single": [], "dask": ["--dask", "--workers", "2", "--partitions", "4"]}.items():
        reports[name] = tmp_path / f"{name}.csv"
        done = subprocess.run([CLI, "reconcile", str(extract), "--out", str(reports[name]), *options], env=env,
                              capture_output=True, text=True, timeout=180, check=False)
        assert done.returncode == 0, done.stderr
        assert "source: read model balance_intervals" in done.stderr

    assert reports["dask"].read_bytes() == reports["single"].read_bytes()


@pytest.mark.parametrize(("options", "reason"), [
    (["--dask"], "--dask: a distributed reconciliation needs PostgreSQL (this store is SQLite)"),
    (["--workers", "2"], "--workers: only with --dask"),
    (["--partitions", "2"], "--partitions: only with --dask or --scheduler"),
    (["--dask", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler: give either --dask"),
])
def test_the_command_refuses_dask_options_it_cannot_honour_with_exit_2_and_one_line(
    sqlite_url: str, tmp_path: Path, options: list[str], reason: str
) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_text("licence_number,extract_date,balance,status\nL1,2024-01-01,12,valid\n", encoding="utf-8")
    done = subprocess.run([CLI, "reconcile", str(extract), *options], capture_output=True, text=True, timeout=60,
                          env=clean_env(POINTS_LEDGER_DATABASE_URL=sqlite_url), check=False)

    assert done.returncode == 2
    assert reason in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_an_unreachable_scheduler_is_a_store_failure_exit_1_in_one_line(pg_url: str, tmp_path: Path) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_text("licence_number,extract_date,balance,status\nL1,2024-01-01,12,valid\n", encoding="utf-8")
    done = subprocess.run([CLI, "reconcile", str(extract), "--scheduler", "tcp://127.0.0.1:9"], capture_output=True,
                          text=True, timeout=120, env=clean_env(POINTS_LEDGER_DATABASE_URL=pg_url), check=False)

    assert done.returncode == 1
    assert "--scheduler: cannot reach the Dask cluster" in done.stderr
