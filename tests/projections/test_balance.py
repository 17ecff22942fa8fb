"""The as-of projection: state, movements, next scheduled changes, stage eligibility, letters, anomalies."""

from __future__ import annotations

from ledger.values import LetterCode, Mode, Status, Training
from projections.balance import balance_as_of, missing_letters
from tests.builders import (
    a_letter,
    a_licence,
    a_record,
    a_reissue,
    a_stage,
    a_surrender,
    an_annulment,
    an_offence,
    at,
    d,
)


def test_the_balance_names_every_movement_with_its_rule_and_article() -> None:
    record = a_record(a_licence("1998-06-01"), an_offence("2022-03-10", "2022-03-20", 4, fact_id="o1"))
    balance = balance_as_of(record, d("2022-03-20"))
    assert (balance.points, balance.ceiling, balance.status) == (8, 12, Status.VALID)
    assert [(m.rule, m.delta, m.fact_id) for m in balance.movements] == [
        ("initial_capital", 12, None), ("withdrawal", -4, "o1")]
    assert "L223-1" in balance.movements[1].article


def test_the_next_full_reconstitution_is_scheduled_with_its_points() -> None:
    record = a_record(a_licence("1998-06-01"), an_offence("2022-03-10", "2022-03-20", 4))
    scheduled = balance_as_of(record, d("2023-01-01")).scheduled
    assert [(c.kind, c.on, c.points) for c in scheduled] == [("full_reconstitution", d("2025-03-20"), 4)]


def test_the_forecast_ignores_facts_that_take_effect_later() -> None:
    record = a_record(a_licence("1998-06-01"), an_offence("2022-03-10", "2022-03-20", 1, fact_id="o1"),
                      an_offence("2022-12-01", "2023-01-15", 3, fact_id="o2"))
    scheduled = balance_as_of(record, d("2022-04-01")).scheduled
    kinds = {c.kind: (c.on, c.points) for c in scheduled}
    assert kinds["single_point"] == (d("2022-09-20"), 1)


def test_probation_forecast_shows_the_next_majoration_and_the_end() -> None:
    record = a_record(a_licence("2021-06-15"))
    balance = balance_as_of(record, d("2021-07-01"))
    kinds = {c.kind: (c.on, c.points) for c in balance.scheduled}
    assert kinds["majoration"] == (d("2022-06-15"), 2)
    assert kinds["end_of_probation"] == (d("2024-06-15"), 2)
    assert balance.state.in_probation
    assert (balance.state.probation_start, balance.state.probation_end) == (d("2021-06-15"), d("2024-06-15"))


def test_stage_eligibility_says_when_and_how_many() -> None:
    record = a_record(a_licence("1998-06-01"), an_offence("2024-01-25", "2024-02-01", 6),
                      a_stage("2024-06-13"))
    right_after = balance_as_of(record, d("2024-06-20")).stage
    assert right_after.earliest_effective_on == d("2025-06-15")
    assert right_after.points_now == 2  # 12 - 6 + 4 = 10: two points below the ceiling
    at_twelve = balance_as_of(a_record(a_licence("1998-06-01")), d("2024-06-20")).stage
    assert at_twelve.points_now == 0


def test_letters_expected_after_a_withdrawal_and_which_are_missing() -> None:
    record = a_record(a_licence("2023-02-01"), an_offence("2023-06-10", "2023-06-20", 6, fact_id="o1"),
                      a_letter(LetterCode.L48N, "2023-07-01"))
    balance = balance_as_of(record, d("2023-07-10"))
    assert {letter.code for letter in balance.letters} == {LetterCode.L48, LetterCode.L48N, LetterCode.L48SI}
    assert {letter.code for letter in missing_letters(balance)} == {LetterCode.L48, LetterCode.L48SI}
    assert balance.state.zero_pending


def test_a_48si_notified_on_a_positive_balance_is_void_and_flagged() -> None:
    record = a_record(a_licence("2023-02-01"), an_offence("2023-06-10", "2023-06-20", 6),
                      a_stage("2023-07-03"), a_letter(LetterCode.L48SI, "2023-07-25", fact_id="si"))
    balance = balance_as_of(record, d("2023-08-01"))
    assert balance.status is Status.VALID and balance.points == 4
    assert [(a.kind, a.fact_id) for a in balance.anomalies] == [("void_48si", "si")]


def test_an_effective_48si_freezes_the_licence_and_the_surrender_opens_the_wait() -> None:
    record = a_record(a_licence("2023-02-01"), an_offence("2023-06-10", "2023-06-20", 6),
                      a_letter(LetterCode.L48SI, "2023-07-25"), a_surrender("2023-08-01"))
    before = balance_as_of(record, d("2023-07-31"))
    after = balance_as_of(record, d("2023-08-01"))
    assert before.status is Status.INVALIDATED and before.state.new_licence_not_before is None
    assert after.state.new_licence_not_before == d("2024-02-01")
    assert after.stage.earliest_effective_on is None


def test_known_at_hides_a_stage_recorded_late_in_both_modes() -> None:
    record = a_record(a_licence("1998-06-01"), an_offence("2024-01-05", "2024-01-20", 4),
                      a_stage("2024-03-04", recorded_on="2024-04-20"))
    for mode in Mode:
        assert balance_as_of(record, d("2024-04-01"), known_at=at("2024-04-01"), mode=mode).points == 8
        assert balance_as_of(record, d("2024-04-01"), known_at=at("2024-04-21"), mode=mode).points == 12
        assert balance_as_of(record, d("2024-04-01"), mode=mode).points == 12


def test_legal_and_administrative_modes_differ_on_a_late_established_offence() -> None:
    record = a_record(a_licence("2021-03-01"), an_offence("2022-02-20", "2022-03-10", 2))
    legal = balance_as_of(record, d("2022-03-01"))
    administrative = balance_as_of(record, d("2022-03-01"), mode=Mode.ADMINISTRATIVE)
    assert (legal.points, legal.ceiling) == (6, 6)
    assert (administrative.points, administrative.ceiling) == (8, 8)


def test_an_annulment_known_later_restores_the_points_from_the_start() -> None:
    record = a_record(a_licence("1998-06-01"), an_offence("2022-03-10", "2022-03-20", 4, fact_id="o1"),
                      an_annulment("o1", "2022-09-01"))
    assert balance_as_of(record, d("2022-04-01")).points == 12
    assert balance_as_of(record, d("2022-04-01"), known_at=at("2022-08-31")).points == 8


def test_before_the_licence_is_obtained_there_is_nothing() -> None:
    balance = balance_as_of(a_record(a_licence("2020-05-01", Training.AAC)), d("2020-04-30"))
    assert (balance.points, balance.ceiling, balance.status) == (0, 0, Status.NOT_OBTAINED)


def test_a_new_licence_without_a_recorded_surrender_still_starts_and_is_flagged() -> None:
    record = a_record(a_licence("2023-02-01"), an_offence("2023-06-10", "2023-06-20", 6),
                      a_letter(LetterCode.L48SI, "2023-07-25"), a_reissue("2024-03-01"))
    balance = balance_as_of(record, d("2024-03-01"))
    assert (balance.points, balance.ceiling, balance.status) == (6, 6, Status.VALID)
    assert [a.kind for a in balance.anomalies] == ["reissue_without_surrender"]
