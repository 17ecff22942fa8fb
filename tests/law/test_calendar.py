"""A.14: calendar periods; a day that does not exist becomes the last day of the month."""

from ledger.law.calendar import add_months, add_years, next_day
from tests.builders import d


def test_six_months_after_august_31_is_the_end_of_february_in_a_leap_year() -> None:
    assert add_months(d("2023-08-31"), 6) == d("2024-02-29")


def test_six_months_after_august_31_is_february_28_in_a_common_year() -> None:
    assert add_months(d("2021-08-31"), 6) == d("2022-02-28")


def test_two_years_after_a_leap_day_is_february_28() -> None:
    assert add_years(d("2024-02-29"), 2) == d("2026-02-28")


def test_four_years_after_a_leap_day_is_the_leap_day() -> None:
    assert add_years(d("2020-02-29"), 4) == d("2024-02-29")


def test_eighteen_months_after_august_31_is_february_28() -> None:
    assert add_months(d("2019-08-31"), 18) == d("2021-02-28")


def test_months_cross_the_year() -> None:
    assert add_months(d("2023-11-30"), 3) == d("2024-02-29")
    assert add_months(d("2023-12-15"), 1) == d("2024-01-15")


def test_the_lendemain_of_february_28_in_a_leap_year_is_february_29() -> None:
    assert next_day(d("2024-02-28")) == d("2024-02-29")
