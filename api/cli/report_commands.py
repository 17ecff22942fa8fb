"""`points-ledger reconcile EXTRACT.csv` and `points-ledger report …`: the préfecture reconciliation and the
audit reports, on the store named by POINTS_LEDGER_DATABASE_URL.

These commands parse, call `projections.reconciliation.run` / `projections.audit_reports`, and format (rich progress
bar and tables on the terminal, CSV or JSON files). The extract is streamed: a row is read, reconciled and
written before the next one is read, so a 1,000,000-line extract runs in bounded memory.

Exit codes: 0 done (unreadable extract lines are reported, not fatal unless `--fail-on unreadable`), 1 the
store failed, 2 bad input (the extract cannot be opened, its header lacks a required column, no line of it
could be read, a bad option value). The extract's format: docs/formats/prefecture-extract.md.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.store_commands import BAD_INPUT, fail, open_ledger
from api.logs import job
from api.report_output import ReportFormat, ReportItem, ReportWriter, RowRenderer, format_of_path
from api.settings import get_settings
from ledger.application import PointsLedger
from ledger.events_table import is_postgres
from ledger.fact_index import current_index
from ledger.values import Mode
from projections import audit_reports
from projections.national_reports import (
    MAX_PAGE,
    contestable_page,
    contestable_report,
    zero_balance_page,
    zero_balance_report,
)
from projections.reconciliation.classify import Kind
from projections.reconciliation.extract import BadRow, ExtractReader, InvalidExtract, open_extract
from projections.reconciliation.partitioned import PartitionedReconciliation
from projections.reconciliation.run import REPORT_COLUMNS, Reconciliation, ReconciliationRow
from projections.sources import Source, reconciliation_of

BAD_ROWS_SHOWN = 20  # unreadable lines echoed on the terminal; all of them are in the JSON report / --errors
PROGRESS_EVERY = 500  # rows between two updates of the row counter
_Item = TypeVar("_Item")



class FailOn(StrEnum):
    """What else makes `reconcile` fail (exit 2) besides an extract that cannot be read at all."""

    UNREADABLE = "unreadable"  # any unreadable line


report_app = typer.Typer(name="report", help="Audit reports across licences.", no_args_is_help=True)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date YYYY-MM-DD", BAD_INPUT)


def _days(first_day: str | None, last_day: str | None) -> tuple[date | None, date | None]:
    """`--from` and `--to` as days; `--from` after `--to` is an empty period, refused rather than reported empty."""
    first, last = _day(first_day, "--from"), _day(last_day, "--to")
    if first is not None and last is not None and first > last:
        fail(f"--from: {first.isoformat()} is after --to {last.isoformat()}", BAD_INPUT)
    return first, last


def _required_day(value: str, option: str) -> date:
    day = _day(value, option)
    assert day is not None
    return day


class _BadRowEcho:
    """Shows the first unreadable lines on stderr, then only counts them."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.count = 0

    def __call__(self, bad: BadRow) -> None:
        self.count += 1
        if self.count <= BAD_ROWS_SHOWN:
            self.console.print(f"[yellow]unreadable[/] {bad.message}", markup=True, highlight=False)

    def close(self, more_in: str) -> None:
        if self.count > BAD_ROWS_SHOWN:
            self.console.print(f"… and {self.count - BAD_ROWS_SHOWN} more unreadable line(s) ({more_in})")


def _open_out(stack: ExitStack, out: Path | None) -> TextIO:
    if out is None:
        return sys.stdout
    try:
        return stack.enter_context(out.open("w", encoding="utf-8", newline=""))
    except OSError as error:
        fail(f"--out: cannot write {out}: {error.strerror or error}", BAD_INPUT)


def _open_extract(stack: ExitStack, path: Path, progress: tuple[Progress, TaskID] | None = None) -> ExtractReader:
    """Open the extract as UTF-8 text (an invalid byte becomes U+FFFD, reported on its line), header checked;
    with `progress`, the bytes read advance that task."""
    try:
        if progress is not None:
            bar, task = progress
            text = stack.enter_context(bar.open(path, "r", encoding="utf-8-sig", errors="replace", newline="",
                                                task_id=task))
        else:
            text = stack.enter_context(path.open(encoding="utf-8-sig", errors="replace", newline=""))
    except OSError as error:
        fail(f"{path}: cannot read: {error.strerror or error}", BAD_INPUT)
    try:
        return open_extract(text)
    except InvalidExtract as error:
        fail(f"{path}: {error}", BAD_INPUT)


def _summary_table(title: str, summary: dict[str, int]) -> Table:
    table = Table(title=title)
    table.add_column("kind")
    table.add_column("rows", justify="right")
    for kind in Kind:
        table.add_row(kind.value, str(summary[kind.value]))
    table.add_row("[dim]unreadable lines[/]", str(summary["unreadable_rows"]))
    table.add_row("[bold]total[/]", str(sum(summary.values())))
    return table


def _counted(items: Iterable[_Item], progress: Progress, task: TaskID) -> Iterator[_Item]:
    """Pass the results through, refreshing the row counter of the progress bar now and then."""
    count = 0
    for item in items:
        count += 1
        if count % PROGRESS_EVERY == 0:
            progress.update(task, rows=count)
        yield item
    progress.update(task, rows=count)


def _distributed(dask: bool, workers: int | None, scheduler: str | None, partitions: int | None) -> bool:
    """Whether the options ask for Dask; exit 2 when they contradict each other."""
    if dask and scheduler is not None:
        fail("--scheduler: give either --dask (a new LocalCluster) or --scheduler (an existing cluster)", BAD_INPUT)
    if workers is not None and not dask:
        fail("--workers: only with --dask (the LocalCluster's worker processes)", BAD_INPUT)
    if partitions is not None and not dask and scheduler is None:
        fail("--partitions: only with --dask or --scheduler", BAD_INPUT)
    return dask or scheduler is not None


@contextmanager
def _dask_reconciler(ledger: PointsLedger, render: RowRenderer, **options: Any
                     ) -> Iterator[tuple[PartitionedReconciliation, Source]]:
    """`projections.distributed.dask_reconciler`, or exit 1 when the cluster cannot be reached or started."""
    from projections.distributed import dask_reconciler

    with ExitStack() as stack:
        try:
            reconciler = stack.enter_context(dask_reconciler(ledger, render, **options))
        except (OSError, TimeoutError) as error:
            fail(f"--scheduler: cannot reach the Dask cluster: {error}", 1)
        yield reconciler


def reconcile(
    extract: Annotated[Path, typer.Argument(help="The préfecture's extract: CSV, format in "
                                                 "docs/formats/prefecture-extract.md.",
                                            exists=True, dir_okay=False, readable=True)],
    out: Annotated[Path | None, typer.Option("--out", help="Write the report here: report.csv or report.json "
                                                          "(default: CSV on standard output).")] = None,
    include_missing: Annotated[bool, typer.Option("--include-missing",
                                                  help="Also list the ledger's licences the extract lacks.")] = False,
    report_format: Annotated[ReportFormat | None, typer.Option("--format", help="csv or json (default: from "
                                                                              "--out's suffix, else csv).")] = None,
    errors: Annotated[Path | None, typer.Option("--errors", help="Write every unreadable line here (CSV: line, "
                                                                "licence_number, field, reason).")] = None,
    fold: Annotated[bool, typer.Option("--fold", help="Fold every licence from its events even when the read "
                                                      "model could answer the matching rows.")] = False,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on", help="unreadable: exit 2 when any line of the "
                                                                    "extract cannot be read.")] = None,
    dask: Annotated[bool, typer.Option("--dask", help="Reconcile on Dask workers (a LocalCluster of --workers "
                                                      "processes); PostgreSQL only.")] = False,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="With --dask: the LocalCluster's "
                                                                         "worker processes (default 2).")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Reconcile on an existing Dask cluster, "
                                                                      "e.g. tcp://10.0.0.5:8786.")] = None,
    partitions: Annotated[int | None, typer.Option("--partitions", min=1, help="With --dask or --scheduler: hash "
                                                                               "ranges of licences (default 2 "
                                                                               "per worker).")] = None,
) -> None:
    """Reconcile a préfecture extract with the ledger, each row as of its extract date.

    One classified, explained report row per extract row; a progress bar, then a summary table (rows per kind).
    With --dask or --scheduler the rows are split by licence hash over Dask workers that read the licences from
    PostgreSQL; the report is the same, byte for byte. The extract's format is docs/formats/prefecture-extract.md.
    """
    distributed = _distributed(dask, workers, scheduler, partitions)
    fmt = report_format or format_of_path(out)
    stderr = Console(stderr=True)
    summary_console = Console() if out is not None else stderr
    with ExitStack() as check:
        _open_extract(check, extract)  # a refused file stops here, before any progress bar is drawn
    with ExitStack() as stack, job("reconcile", every=PROGRESS_EVERY * 20, file=extract.name) as log:
        ledger = stack.enter_context(open_ledger(get_settings()))
        if distributed and not is_postgres(ledger.recorder):
            fail("--dask: a distributed reconciliation needs PostgreSQL (this store is SQLite)", BAD_INPUT)
        progress = stack.enter_context(Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[rows]} rows"), TimeElapsedColumn(), console=stderr, transient=False))
        task = progress.add_task(f"Reconciling {extract.name}", rows=0)
        reader = _open_extract(stack, extract, (progress, task))
        writer = ReportWriter(_open_out(stack, out), fmt, REPORT_COLUMNS,
                              errors_out=_open_out(stack, errors) if errors is not None else None)
        echo = _BadRowEcho(stderr)
        reconciliation: Reconciliation | PartitionedReconciliation
        if distributed:
            reconciliation, source = stack.enter_context(_dask_reconciler(
                ledger, RowRenderer(fmt, REPORT_COLUMNS), workers=workers or (None if scheduler else 2),
                scheduler=scheduler, partitions=partitions, include_missing=include_missing, fold=fold))
        else:
            reconciliation, source = reconciliation_of(ledger, include_missing=include_missing, fold=fold)
        try:
            results: Iterator[ReconciliationRow | str | BadRow] = reconciliation.run(reader)
            for count, item in enumerate(_counted(results, progress, task), start=1):
                if isinstance(item, BadRow):
                    echo(item)
                    writer.bad_row(item)
                elif isinstance(item, str):
                    writer.rendered(item)
                else:
                    writer.row(item)
                log.advance(count)
        except InvalidExtract as error:  # an unterminated quote: the rest of the file cannot be read
            fail(f"{extract}: {error}", BAD_INPUT)
        summary = reconciliation.summary.as_json()
        writer.finish(summary)
        stderr.print(f"{source.describe()}; {reconciliation.summary.folded_rows} row(s) folded",
                     highlight=False)
    echo.close(f"all of them are in {errors}" if errors else "all of them are in the JSON report"
               if fmt is ReportFormat.JSON else "--errors FILE lists them all")
    summary_console.print(_summary_table(f"Reconciliation of {extract.name}", summary))
    _check_readable(extract, summary, fail_on)


def _check_readable(extract: Path, summary: dict[str, int], fail_on: FailOn | None) -> None:
    """Exit 2 when no line of the extract could be read, or (`--fail-on unreadable`) when any could not."""
    unreadable = summary["unreadable_rows"]
    if not unreadable:
        return
    read = sum(summary.values()) - unreadable - summary[Kind.MISSING_FROM_EXTRACT.value]
    if read == 0:
        fail(f"{extract}: none of its {unreadable} line(s) could be read; nothing was reconciled", BAD_INPUT)
    if fail_on is FailOn.UNREADABLE:
        fail(f"{extract}: {unreadable} line(s) could not be read (--fail-on unreadable)", BAD_INPUT)


# -- audit reports -------------------------------------------------------------------------------------------

FormatOption = Annotated[str | None, typer.Option("--format", help="table (default without --out), csv or json.")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write to this file (.csv or .json).")]
LimitOption = Annotated[int | None, typer.Option(
    "--limit", min=1, max=MAX_PAGE, help=f"One page of at most this many licences (1–{MAX_PAGE}); the next page's "
    "--after is printed on stderr.")]
AfterOption = Annotated[str, typer.Option("--after", help="With --limit: continue after this licence number.")]


def _emit(items: Iterable[ReportItem | BadRow], columns: tuple[str, ...], title: str, fmt_text: str | None,
          out: Path | None, *, table_columns: tuple[str, ...]) -> int:
    """Write an audit report; returns the number of rows. Unreadable extract lines are echoed on stderr.

    A terminal table shows `table_columns` only (the files have every column).
    """
    stderr = Console(stderr=True)
    echo = _BadRowEcho(stderr)
    if fmt_text is not None and fmt_text not in ("table", "csv", "json"):
        fail(f"--format: {fmt_text!r} is not one of table, csv, json", BAD_INPUT)
    table_wanted = fmt_text == "table" or (fmt_text is None and out is None)
    count = 0
    if table_wanted:
        table = Table(title=title)
        for column in table_columns:
            table.add_column(column.replace("_", " "), overflow="fold")
        for item in items:
            if isinstance(item, BadRow):
                echo(item)
                continue
            cells = item.as_csv()
            table.add_row(*(cells[column] for column in table_columns))
            count += 1
        Console().print(table if count else f"{title}: nothing to report.")
    else:
        fmt = ReportFormat(fmt_text) if fmt_text else format_of_path(out)
        with ExitStack() as stack:
            writer = ReportWriter(_open_out(stack, out), fmt, columns)
            for item in items:
                if isinstance(item, BadRow):
                    echo(item)
                    writer.bad_row(item)
                    continue
                writer.row(item)
                count += 1
            writer.finish()
        if out is not None:
            stderr.print(f"{title}: {count} row(s) written to {out}")
    echo.close("see the JSON report")
    return count


@report_app.command("recorded-by")
def recorded_by(
    recorder: Annotated[str, typer.Argument(help="The recorder's name (recorded_by), e.g. a token's subject.")],
    first_day: Annotated[str | None, typer.Option("--from", help="First recording day YYYY-MM-DD (Paris).")] = None,
    last_day: Annotated[str | None, typer.Option("--to", help="Last recording day YYYY-MM-DD (Paris).")] = None,
    fmt: FormatOption = None,
    out: OutOption = None,
) -> None:
    """Every fact RECORDER entered in the ledger between --from and --to (recording days, Europe/Paris)."""
    since, until = audit_reports.recording_period(*_days(first_day, last_day))
    with open_ledger(get_settings()) as ledger:
        index = current_index(ledger)
        Console(stderr=True).print(f"source: fact index at notification {index.position()}" if index else
                                   "source: scan of the event log", highlight=False)
        _emit(audit_reports.facts_recorded_by(ledger, recorder, since=since, until=until),
              audit_reports.RECORDED_FACT_COLUMNS, f"Facts recorded by {recorder}", fmt, out,
              table_columns=("position", "recorded_at", "licence_number", "type", "fact_id", "evidence_ref",
                             "summary"))


@report_app.command("zero-balance")
def zero_balance(
    on: Annotated[str, typer.Option("--on", help="The legal date YYYY-MM-DD.")],
    mode: Annotated[Mode, typer.Option(help="legal (default) or administrative.")] = Mode.LEGAL,
    limit: LimitOption = None,
    after: AfterOption = "",
    fmt: FormatOption = None,
    out: OutOption = None,
) -> None:
    """Licences whose balance was 0 at the end of --on (valid awaiting a lettre 48SI, or invalidated), in
    licence-number order; with --limit, one page of them."""
    day = _required_day(on, "--on")
    _check_page(limit, after)
    with open_ledger(get_settings()) as ledger:
        if limit is None:
            rows, source = zero_balance_report(ledger, day, mode)
        else:
            page = zero_balance_page(ledger, day, mode, after=after, limit=limit)
            rows, source = iter(page.rows), page.source
        Console(stderr=True).print(source.describe(), highlight=False)
        _emit(rows, audit_reports.ZERO_BALANCE_COLUMNS,
              f"Licences at 0 points on {day.isoformat()} ({mode.value})", fmt, out,
              table_columns=("licence_number", "status", "zero_since", "forty_eight_si_on", "explanation"))
        if limit is not None:
            _next_page(page.next_after)


@report_app.command("contestable-invalidations")
def contestable_invalidations(
    first_day: Annotated[str | None, typer.Option("--from", help="First notification day YYYY-MM-DD.")] = None,
    last_day: Annotated[str | None, typer.Option("--to", help="Last notification day YYYY-MM-DD.")] = None,
    limit: LimitOption = None,
    after: AfterOption = "",
    fmt: FormatOption = None,
    out: OutOption = None,
) -> None:
    """Lettres 48SI notified while the legal balance was positive (void: CE 29 sept. 2023 n° 461479), in
    licence-number order; with --limit, one page of them."""
    since, until = _days(first_day, last_day)
    _check_page(limit, after)
    with open_ledger(get_settings()) as ledger:
        if limit is None:
            rows, source = contestable_report(ledger, since=since, until=until)
        else:
            page = contestable_page(ledger, since=since, until=until, after=after, limit=limit)
            rows, source = iter(page.rows), page.source
        Console(stderr=True).print(source.describe(), highlight=False)
        _emit(rows,
              audit_reports.CONTESTABLE_COLUMNS, "Contestable invalidations (void lettres 48SI)", fmt, out,
              table_columns=("licence_number", "notified_on", "fact_id", "legal_balance", "explanation"))
        if limit is not None:
            _next_page(page.next_after)


def _check_page(limit: int | None, after: str) -> None:
    """--after means something only with --limit; both are checked before the store is opened."""
    if limit is None and after:
        fail("--after: give --limit too (--after continues a page of --limit licences)", BAD_INPUT)
    if len(after) > 64:
        fail("--after: a licence number has at most 64 characters", BAD_INPUT)


def _next_page(next_after: str | None) -> None:
    Console(stderr=True).print("last page" if next_after is None else f"next page: --after {next_after}",
                               highlight=False)


@report_app.command("overdue-stages")
def overdue_stages(
    extract: Annotated[Path, typer.Option("--extract", help="The préfecture's extract (CSV).", exists=True,
                                          dir_okay=False, readable=True)],
    fmt: FormatOption = None,
    out: OutOption = None,
) -> None:
    """Stages whose credit the extract still lacks past the deadline (last day + 15 days + 1 month, R223-8)."""
    with ExitStack() as stack:
        ledger = stack.enter_context(open_ledger(get_settings()))
        reader = _open_extract(stack, extract)
        reconciliation, source = reconciliation_of(ledger)
        Console(stderr=True).print(source.describe(), highlight=False)
        results = reconciliation.run(reader)
        _emit(audit_reports.overdue_stages(results), audit_reports.OVERDUE_STAGE_COLUMNS,
              f"Stages overdue in {extract.name}", fmt, out,
              table_columns=("line", "licence_number", "extract_date", "fact_id", "evidence_ref", "last_day",
                             "deadline", "days_late"))


def register(app: typer.Typer) -> None:
    """Add `reconcile` and the `report` group to the main app."""
    app.command("reconcile")(reconcile)
    app.add_typer(report_app)
