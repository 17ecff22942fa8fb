"""The audit reports across licences, on a real store (SQLite and PostgreSQL), with hand-known timelines."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime

from ledger.application import PointsLedger
from ledger.values import Mode, Status
from projections import audit_reports
from projections.reconciliation.extract import BadRow, open_extract
from projections.reconciliation.run import reconcile_with_ledger
from tests.builders import a_stage
from tests.reconciliation import timelines
from tests.reconciliation.timelines import record_all

EVERYTHING = audit_reports.recording_period(date(2000, 1, 1), date(2199, 12, 31))


def test_the_facts_of_one_recorder_are_listed_with_their_licence_evidence_and_content(
    ledger: PointsLedger,
) -> None:
    record_all(ledger, [timelines.offence_then_stage("A1"), timelines.zero_without_48si("N1")])
    ledger.record("N1", replace(a_stage("2023-06-01", fact_id="s-n"), recorded_by="stages-sud"))

    found = list(audit_reports.facts_recorded_by(ledger, "stages-sud", since=EVERYTHING[0], until=EVERYTHING[1]))

    assert [(f.licence_number, f.type, f.fact_id) for f in found] == [("N1", "stage", "s-n")]
    assert found[0].recorded_by == "stages-sud"
    assert found[0].evidence_ref.startswith("ATT-")
    assert found[0].summary == "voluntary stage 2023-06-01–2023-06-02"
    everyone = list(audit_reports.facts_recorded_by(ledger, "test"))
    assert {f.licence_number for f in everyone} == {"A1", "N1"}
    assert len(everyone) == 2 + 2 + 2  # two licences, and their two facts each


def test_a_recording_period_outside_the_recordings_finds_nothing(ledger: PointsLedger) -> None:
    record_all(ledger, [timelines.offence_then_stage("A1")])
    since, until = audit_reports.recording_period(date(2001, 1, 1), date(2001, 12, 31))

    assert list(audit_reports.facts_recorded_by(ledger, "test", since=since, until=until)) == []


def test_recording_days_are_paris_days() -> None:
    since, until = audit_reports.recording_period(date(2025, 1, 15), date(2025, 7, 15))

    assert since is not None and since.astimezone(UTC) == datetime(2025, 1, 14, 23, 0, tzinfo=UTC)
    assert until is not None and until.astimezone(UTC) == datetime(2025, 7, 15, 21, 59, 59, 999999, tzinfo=UTC)


def test_recorded_by_pages_continue_where_the_last_one_stopped(ledger: PointsLedger) -> None:
    record_all(ledger, [timelines.offence_then_stage("A1"), timelines.zero_without_48si("N1")])

    first, following = audit_reports.recorded_by_page(ledger, "test", limit=4)
    assert following is not None
    rest, end = audit_reports.recorded_by_page(ledger, "test", after=following, limit=4)

    assert [f.fact_id for f in first + rest] == ["licence", "o-a", "s-a", "licence", "o-n1", "o-n2"]
    assert end is None


def test_licences_at_zero_on_a_date_say_since_when_and_whether_a_48si_invalidated_them(
    ledger: PointsLedger,
) -> None:
    record_all(ledger, [timelines.offence_then_stage("A1"), timelines.zero_without_48si("N1"),
                        timelines.stage_before_void_48si("C1"), timelines.invalidated_then_reissued("R1")])

    in_2023 = {z.licence_number: z for z in audit_reports.zero_balance_on(ledger, date(2023, 4, 15))}
    in_2020 = {z.licence_number: z for z in audit_reports.zero_balance_on(ledger, date(2020, 6, 1))}

    assert set(in_2023) == {"N1", "C1"}  # C1's stage takes effect on 2023-04-22; R1 was reissued in 2021
    assert in_2023["N1"].status is Status.VALID and in_2023["N1"].zero_since == date(2023, 4, 1)
    assert in_2023["N1"].forty_eight_si_on is None and "no lettre 48SI notified yet" in in_2023["N1"].explanation
    assert set(in_2020) == {"R1"}
    invalidated = in_2020["R1"]
    assert (invalidated.status, invalidated.invalidated_on) == (Status.INVALIDATED, date(2020, 5, 1))
    assert "l-r" in invalidated.fact_ids and "invalidated by the lettre 48SI" in invalidated.explanation


def test_zero_balance_can_be_read_in_administrative_mode(ledger: PointsLedger) -> None:
    record_all(ledger, [timelines.zero_without_48si("N1")])

    found = list(audit_reports.zero_balance_on(ledger, date(2023, 4, 15), Mode.ADMINISTRATIVE))

    assert [(z.licence_number, z.mode) for z in found] == [("N1", Mode.ADMINISTRATIVE)]


def test_contestable_invalidations_are_the_48si_notified_on_a_positive_legal_balance(ledger: PointsLedger) -> None:
    record_all(ledger, [timelines.stage_before_void_48si("C1"), timelines.invalidated_then_reissued("R1"),
                        timelines.zero_without_48si("N1")])

    found = list(audit_reports.contestable_invalidations(ledger))

    assert [(c.licence_number, c.notified_on, c.fact_id, c.legal_balance) for c in found] == [
        ("C1", date(2023, 5, 10), "l-c", 4)]
    assert found[0].fact_ids == ("l-c", "s-c")
    assert "void" in found[0].explanation and "Stage de sensibilisation : points crédités +4" in found[0].explanation
    assert list(audit_reports.contestable_invalidations(ledger, until=date(2023, 5, 9))) == []
    assert len(list(audit_reports.contestable_invalidations(ledger, since=date(2023, 5, 10)))) == 1


def test_overdue_stages_are_those_an_extract_lacks_past_their_deadline(ledger: PointsLedger) -> None:
    record_all(ledger, [timelines.offence_then_stage("A1"), timelines.two_stages("T1")])
    text = ("licence_number,extract_date,balance,status\n"
            "A1,2024-06-29,8,valid\n"     # pending: the deadline itself
            "A1,2024-07-10,8,valid\n"     # 11 days late
            "T1,2023-08-01,0,valid\n"     # lacks s-t1 (overdue) and s-t2 (pending)
            "T1,2023-08-01,x,valid\n")    # unreadable: passed through

    found = list(audit_reports.overdue_stages(reconcile_with_ledger(ledger).run(
        open_extract(io.StringIO(text, newline="")))))

    stages = [(s.line, s.licence_number, s.stage.fact_id, s.stage.deadline, s.days_late)
              for s in found if not isinstance(s, BadRow)]
    assert stages == [(3, "A1", "s-a", date(2024, 6, 29), 11), (4, "T1", "s-t1", date(2022, 4, 17), 471)]
    assert [b.line for b in found if isinstance(b, BadRow)] == [5]
