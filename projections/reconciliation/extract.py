"""Read a préfecture extract (docs/formats/prefecture-extract.md) into typed rows, one at a time.

The extract is what the préfecture's file (the FNPC) believes on a date; it can be millions of lines, so it
is read as a stream: `open_extract(lines)` checks the header at once (a file whose header lacks a required
column cannot be reconciled at all: `InvalidExtract`), then iterating it yields one `ExtractRow` per readable
line and one `BadRow` per line that cannot be read — naming its line number and every faulty field — so the
rest of the file is still reconciled (docs/decisions/0005-reconciliation.md).

The extract may be separated by commas or, as French Excel saves a CSV, by semicolons, and may start with a
UTF-8 byte order mark: the header line decides the separator (`sniff_delimiter`), so the API, the command line
and the web interface read both.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain

from ledger.values import Status

REQUIRED_COLUMNS = ("licence_number", "extract_date", "balance", "status")
OPTIONAL_COLUMNS = ("ceiling", "last_stage_effective_on")
EXTRACT_STATUSES = {"valid": Status.VALID, "invalidated": Status.INVALIDATED}
# R223-1: 12, or during probation 6 + the majorations obtained (6/8/10 traditional, 6/9 AAC).
CEILINGS = (6, 8, 9, 10, 12)
MAX_BALANCE = 12
MAX_LICENCE_NUMBER = 64
# The span in which every delay of the law can be computed (the API's legal dates are bounded alike).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SMALL_INT = re.compile(r"\d{1,2}")
_UNDECODABLE = "\ufffd"  # what a byte that is not UTF-8 becomes when the caller decodes with errors="replace"


@dataclass(frozen=True, slots=True)
class ExtractRow:
    """One licence as the préfecture's file shows it on `extract_date` (`line`: where it is in the file)."""

    line: int
    licence_number: str
    extract_date: date
    balance: int
    status: Status
    ceiling: int | None = None
    last_stage_effective_on: date | None = None


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """Why one field of a line cannot be read."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass(frozen=True, slots=True)
class BadRow:
    """A line that cannot be read: its number, its licence number when readable, and every faulty field."""

    line: int
    licence_number: str | None
    problems: tuple[FieldProblem, ...]

    @property
    def message(self) -> str:
        return f"line {self.line}: " + "; ".join(str(p) for p in self.problems)


class InvalidExtract(ValueError):
    """The file as a whole cannot be read (empty, or its header lacks a required column)."""

    def __init__(self, line: int, field: str, reason: str) -> None:
        super().__init__(f"line {line}: {field}: {reason}")
        self.line = line
        self.field = field
        self.reason = reason


def sniff_delimiter(header_line: str) -> str:
    """`;` when the header line has more semicolons than commas (a French Excel CSV), else `,`."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _peek_header(lines: Iterable[str]) -> tuple[str, Iterator[str]]:
    """The separator, and the lines again from the first one (blank lines before the header included)."""
    iterator = iter(lines)
    seen: list[str] = []
    for line in iterator:
        seen.append(line)
        if line.strip().lstrip("\ufeff").strip():
            return sniff_delimiter(line), chain(seen, iterator)
    return ",", iter(seen)


class ExtractReader:
    """The rows of one extract, read lazily. Construct with `open_extract` (which checks the header)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.delimiter, rows = _peek_header(lines)
        # strict: a quote that never closes is an error at the end of the file, not the rest of the file read
        # silently as one field.
        self._reader = csv.reader(rows, delimiter=self.delimiter, strict=True)
        try:
            self.header = self._read_header()
        except csv.Error as error:  # a header longer than csv.field_size_limit() (128 KiB), a stray quote
            raise InvalidExtract(self._reader.line_num or 1, "header", f"not readable as CSV: {error}") from None
        self.columns = {name: i for i, name in enumerate(self.header) if name}

    def _read_header(self) -> tuple[str, ...]:
        for raw in self._reader:
            if any(cell.strip().lstrip("\ufeff").strip() for cell in raw):
                header = tuple(cell.strip().lstrip("\ufeff").strip().lower() for cell in raw)
                break
        else:
            raise InvalidExtract(1, "header", "the file is empty: expected a header line naming the columns "
                                              + ", ".join(REQUIRED_COLUMNS))
        line = self._reader.line_num
        for name in REQUIRED_COLUMNS:
            if name not in header:
                raise InvalidExtract(line, name, "required column missing from the header")
        known = [name for name in header if name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
        for name in known:
            if known.count(name) > 1:
                raise InvalidExtract(line, name, "column given twice in the header")
        return header

    def __iter__(self) -> Iterator[ExtractRow | BadRow]:
        reader = self._reader
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:  # e.g. a field longer than csv.field_size_limit()
                if "unexpected end of data" in str(error):
                    raise InvalidExtract(start, "row", "a quoted field opened on this line is never closed: the "
                                                       "rest of the file cannot be read") from None
                yield BadRow(start, None, (FieldProblem("row", f"not readable as CSV: {error}"),))
                continue
            if not any(cell.strip() for cell in cells):
                continue  # empty lines are skipped (the format says so)
            yield parse_row(start, self.columns, cells, width=len(self.header))


def open_extract(lines: Iterable[str]) -> ExtractReader:
    """Start reading an extract from text lines (a file opened with newline=""); raises `InvalidExtract`."""
    return ExtractReader(lines)


def parse_row(line: int, columns: dict[str, int], cells: list[str], *, width: int) -> ExtractRow | BadRow:
    """One line's cells → a typed row, or a `BadRow` naming every field that cannot be read.

    `columns` maps a column name to its position; `width` is the number of columns of the header (a value past
    it belongs to no column: the line is ambiguous).
    """
    problems: list[FieldProblem] = []

    def cell(name: str) -> str | None:
        index = columns.get(name)
        if index is None or index >= len(cells):
            return None
        return cells[index].strip()

    def required(name: str) -> str | None:
        value = cell(name)
        if value is None:
            problems.append(FieldProblem(name, "missing: the line has fewer fields than the header"))
        elif not value:
            problems.append(FieldProblem(name, "missing: empty value"))
        elif _UNDECODABLE in value:
            problems.append(FieldProblem(name, "not valid UTF-8"))
        else:
            return value
        return None

    number = required("licence_number")
    if number is not None and len(number) > MAX_LICENCE_NUMBER:
        problems.append(FieldProblem("licence_number", f"longer than {MAX_LICENCE_NUMBER} characters"))
        number = None
    extract_date = _day(required("extract_date"), "extract_date", problems)
    balance = _integer(required("balance"), "balance", problems, allowed=range(MAX_BALANCE + 1),
                       allowed_text="0–12")
    status_text = required("status")
    status = None
    if status_text is not None:
        status = EXTRACT_STATUSES.get(status_text.lower())
        if status is None:
            problems.append(FieldProblem("status", f"{status_text!r} is not a status: expected valid or invalidated"))
    ceiling_text = cell("ceiling")
    ceiling = _integer(ceiling_text or None, "ceiling", problems, allowed=CEILINGS,
                       allowed_text="one of " + "/".join(str(c) for c in CEILINGS))
    last_stage_text = cell("last_stage_effective_on")
    last_stage = _day(last_stage_text or None, "last_stage_effective_on", problems)
    if balance is not None and ceiling is not None and balance > ceiling:
        problems.append(FieldProblem("balance", f"{balance} is above the ceiling {ceiling} given on the same line"))
    if (last_stage is not None and extract_date is not None and last_stage > extract_date):
        problems.append(FieldProblem("last_stage_effective_on",
                                     f"{last_stage.isoformat()} is after the extract date {extract_date.isoformat()}"))
    extra = [c for c in cells[width:] if c.strip()]
    if extra:
        problems.append(FieldProblem("row", f"{len(extra)} value(s) beyond the last column of the header"))
    if problems or number is None or extract_date is None or balance is None or status is None:
        return BadRow(line, number, tuple(problems))
    return ExtractRow(line, number, extract_date, balance, status, ceiling, last_stage)


def _day(text: str | None, field: str, problems: list[FieldProblem]) -> date | None:
    if text is None:
        return None
    if not _ISO_DAY.fullmatch(text):
        problems.append(FieldProblem(field, f"{text!r} is not a date YYYY-MM-DD"))
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError as error:
        problems.append(FieldProblem(field, f"{text!r} is not a date: {error}"))
        return None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        problems.append(FieldProblem(field, f"{text} is outside {EARLIEST_DAY.isoformat()}…{LATEST_DAY.isoformat()}"))
        return None
    return day


def _integer(
    text: str | None, field: str, problems: list[FieldProblem], *, allowed: Iterable[int], allowed_text: str
) -> int | None:
    if text is None:
        return None
    value = int(text) if _SMALL_INT.fullmatch(text) else None
    if value is None or value not in allowed:
        problems.append(FieldProblem(field, f"{text!r} is out of range: expected an integer {allowed_text}"))
        return None
    return value
