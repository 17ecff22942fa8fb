"""A.18–A.22 as the fold applies them, seen through the explanation: what each movement and anomaly says.

The balances themselves are pinned by the scenarios (tests/scenarios/own/L18*–L22*); these tests read the
movements and anomalies that explain them.
"""

from __future__ import annotations

from dataclasses import replace

from ledger.values import LetterCode, Mode, Status
from projections.balance import balance_as_of
from projections.timeline import build_timeline
from tests.builders import a_letter, a_licence, a_record, a_reissue, a_stage, a_surrender, an_offence, d


def test_the_licence_of_1980_with_stages_in_august_and_september_1992_has_a_balance() -> None:
    record = a_record(a_licence("1980-01-01"), a_stage("1992-08-01"), a_stage("1992-09-01"))
    balance = balance_as_of(record, d("1992-09-03"))
    assert (balance.points, balance.ceiling, balance.status) == (6, 6, Status.VALID)


def test_an_offence_established_in_1991_is_explained_as_before_the_points_system() -> None:
    record = a_record(a_licence("1980-01-01"), an_offence("1991-02-01", "1991-03-01", fact_id="old"))
    movement = next(m for m in build_timeline(record).movements if m.fact_id == "old")
    assert (movement.delta, movement.on) == (0, d("1991-03-01"))
    assert "1992-07-01" in movement.detail


def test_a_single_point_taken_at_zero_is_explained_as_nothing_to_give_back() -> None:
    record = a_record(a_licence("1998-06-01"),
                      an_offence("2020-01-10", "2020-02-01", 6, fact_id="d1"),
                      an_offence("2020-03-01", "2020-04-01", 6, fact_id="d2"),
                      an_offence("2020-04-20", "2020-05-15", 1, fact_id="one"))
    returns = [m for m in build_timeline(record).movements if m.fact_id == "one" and m.on == d("2020-11-15")]
    assert len(returns) == 1 and returns[0].delta == 0
    assert "took nothing" in returns[0].detail


def test_an_ignored_reissue_is_flagged_and_the_later_offence_weighs_on_the_licence_in_force() -> None:
    late = an_offence("2020-02-01", "2020-03-02", 6, fact_id="late")
    record = a_record(a_licence("2000-01-03"), an_offence("2020-01-05", "2020-01-20", 6),
                      replace(late, registered_on=d("2020-06-02")), a_letter(LetterCode.L48SI, "2020-04-01"),
                      a_surrender("2020-04-15"), a_reissue("2020-11-02"), a_stage("2020-11-30"),
                      an_offence("2021-02-01", "2021-03-01", 3, fact_id="after"))
    timeline = build_timeline(record, Mode.ADMINISTRATIVE)
    kinds = {a.kind for a in timeline.anomalies}
    assert {"void_48si", "surrender_without_invalidation", "reissue_without_invalidation"} <= kinds
    after = next(m for m in timeline.movements if m.fact_id == "after")
    assert (after.delta, after.balance, after.ceiling) == (-3, 1, 12)


def test_the_administrative_withdrawal_says_when_the_national_file_registered_it() -> None:
    offence = replace(an_offence("2014-06-14", "2015-04-15", 6, fact_id="o2"), registered_on=d("2016-02-09"))
    record = a_record(a_licence("1990-04-02"), offence)
    administrative = next(m for m in build_timeline(record, Mode.ADMINISTRATIVE).movements if m.fact_id == "o2")
    legal = next(m for m in build_timeline(record, Mode.LEGAL).movements if m.fact_id == "o2")
    assert administrative.on == d("2016-02-09") and legal.on == d("2015-04-15")
    assert "registered in the national file on 2016-02-09" in administrative.detail
    assert "registered" not in legal.detail
