"""Reports as CSV or JSON text, written row by row (the CLI's files and the HTTP answers share this).

A report is a stream of rows (anything with `as_json()` and `as_csv()`), possibly interleaved with unreadable
extract lines (`BadRow`). CSV: a header then one line per row; unreadable lines go to their own CSV stream if
one is given. JSON: one document `{"rows": [...], "errors": [...], "summary": {...}}` whose rows are written as
they come; the unreadable lines are kept aside in a temporary file (in memory up to 1 MiB, on disk beyond) and
written after the rows, so memory stays bounded whatever the number of rows or errors.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Protocol

from projections.reconciliation.extract import BadRow

SPOOL_BYTES = 1 << 20
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral_cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP "CSV injection"): a cell starting with `=`, `+`,
    `-`, `@`, tab or carriage return gets a leading `'`, unless it is a plain number (a negative balance stays
    a number)."""
    if not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def neutral_row(row: Mapping[str, str]) -> dict[str, str]:
    return {name: neutral_cell(value) if isinstance(value, str) else value for name, value in row.items()}
ERROR_COLUMNS = ("line", "licence_number", "field", "reason")


class ReportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"

    @property
    def media_type(self) -> str:
        return "text/csv; charset=utf-8" if self is ReportFormat.CSV else "application/json"


class ReportItem(Protocol):
    def as_json(self) -> dict[str, Any]: ...

    def as_csv(self) -> dict[str, str]: ...


def format_of_path(path: Path | None, default: ReportFormat = ReportFormat.CSV) -> ReportFormat:
    """`report.json` → JSON, `report.csv` → CSV; anything else: `default`."""
    if path is not None and path.suffix.lower() == ".json":
        return ReportFormat.JSON
    if path is not None and path.suffix.lower() == ".csv":
        return ReportFormat.CSV
    return default


def bad_row_json(bad: BadRow) -> dict[str, Any]:
    return {"line": bad.line, "licence_number": bad.licence_number,
            "problems": [{"field": p.field, "reason": p.reason} for p in bad.problems]}


class RowRenderer:
    """One report row as the text `ReportWriter` writes for it: a CSV line (cells neutralised, missing columns
    empty) or a JSON object without its separator. Picklable (format and columns only), so the rows of a
    distributed reconciliation are rendered where they are computed and the report stays byte-identical."""

    def __init__(self, fmt: ReportFormat, columns: Sequence[str]) -> None:
        self.fmt = fmt
        self.columns = tuple(columns)
        self._buffer: io.StringIO | None = None
        self._writer: Any = None

    def __getstate__(self) -> tuple[ReportFormat, tuple[str, ...]]:
        return self.fmt, self.columns

    def __setstate__(self, state: tuple[ReportFormat, tuple[str, ...]]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    def __call__(self, item: ReportItem) -> str:
        if self.fmt is ReportFormat.JSON:
            return json.dumps(item.as_json(), ensure_ascii=False)
        if self._buffer is None:
            self._buffer = io.StringIO()
            self._writer = csv.writer(self._buffer, lineterminator="\n")
        values = item.as_csv()
        cells = [values.get(name, "") for name in self.columns]
        # neutral_cell only where a cell could be a formula: most cells are digits, dates and words.
        self._writer.writerow([neutral_cell(cell) if cell.startswith(FORMULA_STARTS) else cell for cell in cells])
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text

    def all(self, items: Iterable[ReportItem]) -> list[str]:
        return [self(item) for item in items]


class ReportWriter:
    """Writes one report to `out` in `fmt`; call `row`/`bad_row` as results come, then `finish` once."""

    def __init__(
        self, out: IO[str], fmt: ReportFormat, columns: Sequence[str], *, errors_out: IO[str] | None = None,
    ) -> None:
        self.out = out
        self.fmt = fmt
        self._rows = 0
        self._errors = 0
        self._render = RowRenderer(fmt, tuple(columns))
        self._csv = csv.writer(out, lineterminator="\n") if fmt is ReportFormat.CSV else None
        self._error_csv = None
        if errors_out is not None:
            self._error_csv = csv.writer(errors_out, lineterminator="\n")
            self._error_csv.writerow(ERROR_COLUMNS)
        self._spool: tempfile.SpooledTemporaryFile[str] | None = None
        if self._csv is not None:
            self._csv.writerow(columns)
        else:
            out.write('{"rows": [')
            # Lives across calls until finish() (garbage-collected if the report is abandoned).
            self._spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115
                max_size=SPOOL_BYTES, mode="w+", encoding="utf-8")

    def row(self, item: ReportItem) -> None:
        self.rendered(self._render(item))

    def rendered(self, text: str) -> None:
        """Write one row rendered by a `RowRenderer` of this report's format and columns (on a Dask worker, say)."""
        if self._csv is not None:
            self.out.write(text)
        else:
            self.out.write(("\n" if self._rows == 0 else ",\n") + text)
        self._rows += 1

    def bad_row(self, bad: BadRow) -> None:
        if self._error_csv is not None:
            for problem in bad.problems:
                self._error_csv.writerow((bad.line, neutral_cell(bad.licence_number or ""),
                                          neutral_cell(problem.field), neutral_cell(problem.reason)))
        if self._spool is not None:
            separator = "\n" if self._errors == 0 else ",\n"
            self._spool.write(separator + json.dumps(bad_row_json(bad), ensure_ascii=False))
        self._errors += 1

    def finish(self, summary: Mapping[str, int] | None = None) -> None:
        if self._spool is None:
            return
        self.out.write('\n], "errors": [')
        self._spool.seek(0)
        while chunk := self._spool.read(1 << 16):
            self.out.write(chunk)
        self._spool.close()
        self._spool = None
        self.out.write("\n]")
        if summary is not None:
            self.out.write(', "summary": ' + json.dumps(dict(summary)))
        self.out.write("}\n")


# -- HTTP ------------------------------------------------------------------------------------------------------


def negotiate(requested: ReportFormat | None, accept: str | None) -> ReportFormat:
    """The `format` query wins; otherwise CSV when the Accept header asks for text/csv, else JSON."""
    if requested is not None:
        return requested
    if accept and "text/csv" in accept.lower():
        return ReportFormat.CSV
    return ReportFormat.JSON


class SpooledReport:
    """A report written to a temporary file (memory up to 1 MiB, disk beyond), then sent in chunks."""

    def __init__(self, fmt: ReportFormat, columns: Sequence[str]) -> None:
        self.fmt = fmt
        self.file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed once sent, by chunks()
            max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline="")
        self.writer = ReportWriter(self.file, fmt, columns)
        self.rows = 0
        self.bad_rows = 0

    def write(self, items: Iterable[ReportItem | BadRow]) -> None:
        for item in items:
            if isinstance(item, BadRow):
                self.writer.bad_row(item)
                self.bad_rows += 1
            else:
                self.writer.row(item)
                self.rows += 1

    def finish(self, summary: Mapping[str, int] | None = None) -> None:
        self.writer.finish(summary)
        self.file.seek(0)

    def chunks(self) -> Iterator[bytes]:
        try:
            while chunk := self.file.read(1 << 16):
                yield chunk.encode("utf-8")
        finally:
            self.file.close()
