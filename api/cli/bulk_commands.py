"""`points-ledger import --bulk FILE`: the national backfill through the binary-COPY path.

The file is a backfill (docs/formats/backfill.md): JSON lines, or CSV when its name ends in `.csv` (or with
`--format csv`), one fact per line, a licence's lines together. It is streamed (one batch of licences in memory),
written by `ledger.bulk_import.BulkImporter` (one transaction per batch, COPY on PostgreSQL), with a progress bar
over the bytes read. Re-running it resumes: licences already in the ledger are skipped. A licence with a bad
line or a fact the ledger refuses is not written (the others are); the first ones are named on stderr, and the
exit status is then 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from api.cli.store_commands import BAD_INPUT, fail, open_ledger
from api.settings import get_settings
from ledger.backfill import BadLicence, csv_lines, json_lines, read_records
from ledger.bulk_import import BulkImporter, ImportReport, Rejected
from ledger.facts import LicenceRecord

SHOWN = 20  # rejected licences named on stderr


def _records(lines: Iterable[LicenceRecord | BadLicence], bad: list[BadLicence]) -> Iterator[LicenceRecord]:
    for item in lines:
        if isinstance(item, BadLicence):
            bad.append(item)
        else:
            yield item


def _source(path: Path, fmt: str, text: TextIO) -> Iterator[LicenceRecord | BadLicence]:
    try:
        return read_records(csv_lines(text) if fmt == "csv" else json_lines(text))
    except ValueError as error:
        fail(f"{path}: {error}", BAD_INPUT)


def bulk_import(path: Path, fmt: str | None, batch_size: int) -> None:
    """Stream the backfill at `path` into the configured store; see the module docstring."""
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    if fmt not in ("csv", "jsonl"):
        fail(f"--format: {fmt!r} is not one of csv, jsonl", BAD_INPUT)
    console = Console(stderr=True)
    bad: list[BadLicence] = []
    with open_ledger(get_settings()) as ledger, Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(), DownloadColumn(),
            TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task(f"Importing {path.name}", detail="")
        try:
            text = bar.open(path, "r", encoding="utf-8-sig", newline="", task_id=task)
        except OSError as error:
            fail(f"{path}: cannot read: {error.strerror or error}", BAD_INPUT)
        with text:
            importer = BulkImporter(ledger, batch_size=batch_size)
            report = importer.run(_records(_source(path, fmt, text), bad), on_batch=_show(bar, task))
    _summary(console, report, bad)


def _show(bar: Progress, task: TaskID) -> Callable[[ImportReport], None]:
    def update(report: ImportReport) -> None:
        bar.update(task, detail=f"{report.licences_written} written, {report.licences_present} present, "
                                f"{len(report.rejected)} rejected")

    return update


def _summary(console: Console, report: ImportReport, bad: list[BadLicence]) -> None:
    refused: list[Rejected | BadLicence] = [*bad, *report.rejected]
    for item in refused[:SHOWN]:
        where = f"line {item.line}: " if isinstance(item, BadLicence) and item.line else ""
        console.print(f"rejected {item.licence_number or '?'}: {where}{item.field}: {item.reason}", highlight=False,
                      markup=False)
    if len(refused) > SHOWN:
        console.print(f"… and {len(refused) - SHOWN} more rejected licence(s)")
    typer.echo(f"{report.licences_written} licence(s) and {report.events_written} event(s) written, "
               f"{report.licences_present} already present, {len(refused)} rejected (nothing of them written), "
               f"{report.batches} batch(es)")
    if refused:
        raise typer.Exit(BAD_INPUT)

