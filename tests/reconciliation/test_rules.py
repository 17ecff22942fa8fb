"""The classification rules at their edges (docs/decisions/0005-reconciliation.md), pure: records in
memory, no store."""

from __future__ import annotations

import io
from datetime import date

import pytest

from ledger.facts import LicenceRecord
from ledger.law.stage_recovery import attestation_deadline
from ledger.values import OffenceClass, Status
from projections.reconciliation.classify import Kind, LicenceFile
from projections.reconciliation.extract import ExtractRow, open_extract
from projections.reconciliation.run import Reconciliation, ReconciliationRow, reconcile_row
from tests.builders import a_licence, a_stage, an_offence
from tests.reconciliation import timelines

HEADER = "licence_number,extract_date,balance,status,ceiling,last_stage_effective_on\n"


def classify(record: LicenceRecord, line: str) -> ReconciliationRow:
    rows = list(Reconciliation(lambda _: record).run(open_extract(io.StringIO(HEADER + line, newline=""))))
    assert len(rows) == 1 and isinstance(rows[0], ReconciliationRow), rows
    return rows[0]


@pytest.mark.parametrize(("last_day", "deadline"), [
    ("2024-05-14", "2024-06-29"),  # + 15 days = 05-29, + 1 month
    ("2024-01-16", "2024-02-29"),  # + 15 days = 01-31, + 1 month → last day of February (A.14)
    ("2023-01-16", "2023-02-28"),
    ("2024-12-20", "2025-02-04"),  # across the year
])
def test_the_attestation_deadline_is_the_last_day_plus_15_days_plus_one_calendar_month(
    last_day: str, deadline: str
) -> None:
    assert attestation_deadline(date.fromisoformat(last_day)) == date.fromisoformat(deadline)


def test_a_prefecture_that_shows_the_stage_as_recorded_cannot_be_waiting_for_it() -> None:
    record = timelines.offence_then_stage("A1")

    row = classify(record, "A1,2024-09-01,8,valid,,2024-05-15\n")

    assert row.kind is Kind.BALANCE_MISMATCH
    assert row.missing_stages == ()


def test_a_last_stage_before_the_ledgers_stage_names_the_stage_the_prefecture_lacks() -> None:
    record = timelines.offence_then_stage("A1")

    row = classify(record, "A1,2024-09-01,8,valid,,2020-01-01\n")

    assert row.kind is Kind.STAGE_OVERDUE
    assert "last recorded stage is effective 2020-01-01" in row.explanation


def test_a_last_stage_unknown_to_the_ledger_is_pointed_out() -> None:
    record = timelines.offence_then_stage("A1")

    row = classify(record, "A1,2024-03-01,8,valid,,2023-02-02\n")

    assert row.kind is Kind.MATCH
    assert "stage effective 2023-02-02, which the ledger does not know" in row.explanation


def test_the_prefecture_may_lack_several_stages_and_is_late_if_one_of_them_is_overdue() -> None:
    record = timelines.two_stages("T1")

    both = classify(record, "T1,2023-08-01,0,valid,,\n")
    latest = classify(record, "T1,2023-08-01,4,valid,,\n")

    assert both.kind is Kind.STAGE_OVERDUE
    assert [(s.fact_id, s.overdue) for s in both.missing_stages] == [("s-t1", True), ("s-t2", False)]
    assert latest.kind is Kind.STAGE_PENDING
    assert [s.fact_id for s in latest.missing_stages] == ["s-t2"]


def test_a_missing_stage_on_top_of_administrative_practice_is_still_a_stage_kind() -> None:
    # Probationary 2020-01-10; C4 3 points committed 2020-12-01, DV 2021-02-01; stage effective 2021-04-03.
    # Legal: 6/6 → 3/6 → stage +3 → 6/6. Administrative: 8/8 → 5/8 → stage +3 → 8/8.
    record = LicenceRecord(a_licence("2020-01-10", number="P2"), (
        an_offence("2020-12-01", "2021-02-01", 3, OffenceClass.C4, fact_id="o-q"),
        a_stage("2021-04-01", fact_id="s-q"),
    ))

    row = classify(record, "P2,2021-04-20,5,valid,8,\n")

    assert row.kind is Kind.STAGE_PENDING
    assert (row.ledger_balance, row.administrative_balance) == (6, 8)
    assert "administrative balance on 2021-04-20 is 5/8" in row.explanation
    assert "Administrative practice:" in row.explanation


def test_a_ceiling_the_administrative_reading_does_not_give_is_not_administrative_practice() -> None:
    record = timelines.offence_committed_before_anniversary("P1")

    agreeing = classify(record, "P1,2021-03-01,6,valid,8,\n")
    other_ceiling = classify(record, "P1,2021-03-01,6,valid,10,\n")

    assert agreeing.kind is Kind.ADMINISTRATIVE_PRACTICE
    assert other_ceiling.kind is Kind.BALANCE_MISMATCH
    assert "ceiling of 10, the ledger 6" in other_ceiling.explanation


def test_an_invalidation_the_ledger_also_made_before_a_reissue_is_not_contestable() -> None:
    record = timelines.invalidated_then_reissued("R1")

    row = classify(record, "R1,2021-07-01,0,invalidated,,\n")

    assert row.kind is Kind.BALANCE_MISMATCH
    assert (row.ledger_balance, row.ledger_status) == (6, Status.VALID)
    assert "until 2021-06-01" in row.explanation


def test_an_invalidation_the_ledger_made_too_is_a_match() -> None:
    record = timelines.invalidated_then_reissued("R1")

    row = classify(record, "R1,2020-06-01,0,invalidated,,\n")

    assert row.kind is Kind.MATCH


def test_a_licence_not_yet_obtained_on_the_extract_date_is_a_mismatch_that_says_so() -> None:
    record = timelines.offence_committed_before_anniversary("P1")

    row = classify(record, "P1,2019-12-31,6,valid,,\n")

    assert row.kind is Kind.BALANCE_MISMATCH
    assert "had not been obtained yet" in row.explanation and "2020-01-10" in row.explanation


def test_a_licence_is_loaded_once_per_run_of_consecutive_rows() -> None:
    records = {"A1": timelines.offence_then_stage("A1"), "N1": timelines.zero_without_48si("N1")}
    loads: list[str] = []

    def load(number: str) -> LicenceRecord | None:
        loads.append(number)
        return records.get(number)

    text = HEADER + ("A1,2024-03-01,8,valid,,\nA1,2024-06-30,8,valid,,\n"
                     "N1,2023-05-01,0,valid,,\nA1,2024-03-01,8,valid,,\n")
    rows = list(Reconciliation(load).run(open_extract(io.StringIO(text, newline=""))))

    assert loads == ["A1", "N1", "A1"]
    assert [r.kind for r in rows if isinstance(r, ReconciliationRow)] == [
        Kind.MATCH, Kind.STAGE_OVERDUE, Kind.MATCH, Kind.MATCH]


def test_reconcile_row_is_the_same_whether_the_licence_file_is_fresh_or_reused() -> None:
    record = timelines.two_stages("T1")
    reader = open_extract(io.StringIO(HEADER + "T1,2023-08-01,0,valid,,\nT1,2023-08-01,4,valid,,\n", newline=""))
    rows = [r for r in reader if isinstance(r, ExtractRow)]
    shared = LicenceFile(record)

    reused = [reconcile_row(r, shared) for r in rows]
    fresh = [reconcile_row(r, LicenceFile(record)) for r in rows]

    assert len(rows) == 2
    assert reused == fresh
