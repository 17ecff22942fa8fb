"""Reading a préfecture extract: typed rows, and every unreadable line reported with its number and field while
the rest of the file is still read (docs/formats/prefecture-extract.md)."""

from __future__ import annotations

import io
from datetime import date

import pytest

from ledger.values import Status
from projections.reconciliation.classify import Kind
from projections.reconciliation.extract import BadRow, ExtractRow, InvalidExtract, open_extract
from projections.reconciliation.run import Reconciliation, ReconciliationRow
from tests.reconciliation import timelines


def read(text: str) -> list[ExtractRow | BadRow]:
    return list(open_extract(io.StringIO(text, newline="")))


def problems(item: ExtractRow | BadRow) -> dict[str, str]:
    assert isinstance(item, BadRow), item
    return {p.field: p.reason for p in item.problems}


def test_rows_are_typed_whatever_the_column_order_and_unknown_columns_are_ignored() -> None:
    rows = read("status,comment,balance,licence_number,extract_date,ceiling,last_stage_effective_on\n"
                "valid,hello,8,120575300123,2025-01-31,12,2024-05-15\n"
                "invalidated,,0, 120575300124 ,2025-01-31,,\n")

    assert rows == [
        ExtractRow(2, "120575300123", date(2025, 1, 31), 8, Status.VALID, 12, date(2024, 5, 15)),
        ExtractRow(3, "120575300124", date(2025, 1, 31), 0, Status.INVALIDATED, None, None),
    ]


def test_empty_lines_are_skipped_and_line_numbers_stay_those_of_the_file() -> None:
    rows = read("\ufefflicence_number,extract_date,balance,status\n\n"
                "A,2025-01-31,8,valid\n"
                ",,,\n"
                '"B\nsecond line of a quoted field",2025-01-31,x,valid\n'
                "C,2025-01-31,7,valid\n")

    assert [r.line for r in rows] == [3, 5, 7]
    assert isinstance(rows[0], ExtractRow) and isinstance(rows[2], ExtractRow)
    assert problems(rows[1]) == {"balance": "'x' is out of range: expected an integer 0–12"}


@pytest.mark.parametrize(("line", "field", "reason"), [
    ("A,2025-01-31,8", "status", "missing: the line has fewer fields than the header"),
    ("A,2025-01-31,,valid", "balance", "missing: empty value"),
    ("A,31/01/2025,8,valid", "extract_date", "'31/01/2025' is not a date YYYY-MM-DD"),
    ("A,2025-02-30,8,valid", "extract_date", "'2025-02-30' is not a date: day is out of range for month"),
    ("A,2025-01-31,13,valid", "balance", "'13' is out of range: expected an integer 0–12"),
    ("A,2025-01-31,-1,valid", "balance", "'-1' is out of range: expected an integer 0–12"),
    ("A,2025-01-31,1_2,valid", "balance", "'1_2' is out of range: expected an integer 0–12"),
    ("A,2025-01-31,8,suspended", "status", "'suspended' is not a status: expected valid or invalidated"),
    ("A,2025-01-31,8,valid,7", "ceiling", "'7' is out of range: expected an integer one of 6/8/9/10/12"),
    ("A,2025-01-31,8,valid,6", "balance", "8 is above the ceiling 6 given on the same line"),
    ("A,2025-01-31,8,valid,,2025-02-01", "last_stage_effective_on",
     "2025-02-01 is after the extract date 2025-01-31"),
    ("A,2250-01-31,8,valid", "extract_date", "2250-01-31 is outside 1900-01-01…2199-12-31"),
    ("A,2025-01-31,8,valid,,,surplus", "row", "1 value(s) beyond the last column of the header"),
])
def test_an_unreadable_line_names_its_line_and_field(line: str, field: str, reason: str) -> None:
    rows = read("licence_number,extract_date,balance,status,ceiling,last_stage_effective_on\n"
                f"{line}\nB,2025-01-31,8,valid\n")

    assert rows[0].line == 2
    assert problems(rows[0]) == {field: reason}
    assert rows[1] == ExtractRow(3, "B", date(2025, 1, 31), 8, Status.VALID)


def test_a_line_with_several_faults_reports_each_field() -> None:
    rows = read("licence_number,extract_date,balance,status\nA,2025-13-01,14,bad\n")

    assert set(problems(rows[0])) == {"extract_date", "balance", "status"}
    assert isinstance(rows[0], BadRow) and rows[0].licence_number == "A"
    assert rows[0].message.startswith("line 2: extract_date:")


def test_a_byte_that_is_not_utf8_is_reported_on_its_line() -> None:
    raw = b"licence_number,extract_date,balance,status\nA\xff,2025-01-31,8,valid\nB,2025-01-31,8,valid\n"
    text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", errors="replace", newline="")

    rows = list(open_extract(text))

    assert problems(rows[0]) == {"licence_number": "not valid UTF-8"}
    assert isinstance(rows[1], ExtractRow)


@pytest.mark.parametrize(("text", "field"), [
    ("", "header"),
    ("\n\n", "header"),
    ("licence_number,extract_date,status\nA,2025-01-31,valid\n", "balance"),
    ("licence_number,extract_date,balance,status,balance\n", "balance"),
])
def test_a_file_whose_header_cannot_be_used_is_refused_as_a_whole(text: str, field: str) -> None:
    with pytest.raises(InvalidExtract) as caught:
        open_extract(io.StringIO(text, newline=""))

    assert caught.value.field == field


def test_unreadable_lines_are_reported_and_the_other_rows_are_still_reconciled() -> None:
    record = timelines.offence_then_stage("A1")
    text = ("licence_number,extract_date,balance,status\n"
            "A1,2024-03-01,8,valid\n"
            "A1,2024-03-01\n"                 # missing columns
            "A1,2024-13-01,8,valid\n"         # bad date
            "A1,2024-03-01,13,valid\n"        # balance out of range
            "A1,2024-03-01,8,revoked\n"       # unknown status
            "A1,2024-06-30,8,valid\n")
    reconciliation = Reconciliation(lambda number: record if number == "A1" else None)

    results = list(reconciliation.run(open_extract(io.StringIO(text, newline=""))))

    bad = [(r.line, [p.field for p in r.problems]) for r in results if isinstance(r, BadRow)]
    assert bad == [(3, ["balance", "status"]), (4, ["extract_date"]), (5, ["balance"]), (6, ["status"])]
    kinds = [(r.line, r.kind) for r in results if isinstance(r, ReconciliationRow)]
    assert kinds == [(2, Kind.MATCH), (7, Kind.STAGE_OVERDUE)]
    assert reconciliation.summary.bad_rows == 4
    assert reconciliation.summary.as_json()["stage_overdue"] == 1


def test_a_french_excel_extract_with_semicolons_and_a_bom_is_read_like_a_comma_one() -> None:
    comma = read("licence_number,extract_date,balance,status,ceiling\n"
                 "A,2025-01-31,8,valid,12\n"
                 '"B,1",2025-01-31,x,valid,\n')
    semicolon = read("\ufeff\r\nlicence_number;extract_date;balance;status;ceiling\r\n"
                     "A;2025-01-31;8;valid;12\r\n"
                     "B,1;2025-01-31;x;valid;\r\n")

    assert [r.licence_number for r in semicolon] == ["A", "B,1"]
    assert semicolon[0] == ExtractRow(3, "A", date(2025, 1, 31), 8, Status.VALID, 12, None)
    assert comma[0] == ExtractRow(2, "A", date(2025, 1, 31), 8, Status.VALID, 12, None)
    assert problems(semicolon[1]) == problems(comma[1])


@pytest.mark.parametrize(("header", "delimiter"), [
    ("licence_number,extract_date,balance,status", ","),
    ("licence_number;extract_date;balance;status", ";"),
    ("\ufefflicence_number;extract_date;balance;status", ";"),
])
def test_the_header_line_decides_the_separator(header: str, delimiter: str) -> None:
    assert open_extract(io.StringIO(header + "\n", newline="")).delimiter == delimiter


def test_a_semicolon_file_whose_header_lacks_a_column_names_it() -> None:
    with pytest.raises(InvalidExtract) as error:
        open_extract(io.StringIO("licence_number;extract_date;balance\nA;2025-01-31;8\n", newline=""))
    assert (error.value.line, error.value.field) == (1, "status")
