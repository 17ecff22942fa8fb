"""L223-6 al. 4, R223-8: stage effect, credit within the ceiling, spacing (2011) and the 11-point limit (2003)."""

from ledger.law.stage_recovery import earliest_next_stage, spacing_respected, stage_credit, stage_effective_on
from tests.builders import a_stage, d


def test_a_stage_takes_effect_the_day_after_its_last_day() -> None:
    assert stage_effective_on(a_stage("2024-06-13")) == d("2024-06-15")


def test_the_credit_is_four_points_within_the_ceiling() -> None:
    assert stage_credit(5, 12, d("2024-06-15")) == 4
    assert stage_credit(10, 12, d("2024-06-15")) == 2
    assert stage_credit(12, 12, d("2024-06-15")) == 0
    assert stage_credit(0, 6, d("2024-06-15")) == 4


def test_before_2003_07_12_a_stage_could_not_bring_the_balance_above_11() -> None:
    assert stage_credit(9, 12, d("2003-07-11")) == 2
    assert stage_credit(9, 12, d("2003-07-12")) == 3


def test_one_year_spacing_is_counted_date_to_date_from_2011_03_16() -> None:
    assert not spacing_respected(d("2021-12-02"), d("2020-12-03"))
    assert spacing_respected(d("2021-12-03"), d("2020-12-03"))


def test_two_years_spacing_applies_to_a_stage_effective_on_2011_03_15() -> None:
    assert not spacing_respected(d("2011-03-15"), d("2010-03-15"))
    assert spacing_respected(d("2011-03-16"), d("2010-03-16"))


def test_the_next_possible_stage_after_a_pre_2011_one_is_2011_03_16_at_the_latest() -> None:
    assert earliest_next_stage(d("2010-03-01"), d("2010-06-01")) == d("2011-03-16")
    assert earliest_next_stage(d("2008-06-01"), d("2009-01-01")) == d("2010-06-01")
    assert earliest_next_stage(d("2023-02-15"), d("2023-05-01")) == d("2024-02-15")
    assert earliest_next_stage(None, d("2023-05-01")) == d("2023-05-01")
