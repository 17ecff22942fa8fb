"""L223-5, A.6, A.15, A.17: effective 48SI, the waiting period, letters the law expects."""

from ledger.law.invalidation import forty_eight_si_is_effective, new_licence_not_before
from ledger.law.letters import letter_after_stage, letters_after_withdrawal
from ledger.values import LetterCode
from tests.builders import d


def test_a_48si_is_effective_only_on_a_zero_balance() -> None:
    assert forty_eight_si_is_effective(0)
    assert not forty_eight_si_is_effective(1)


def test_the_wait_is_6_months_from_the_surrender() -> None:
    assert new_licence_not_before(d("2023-08-31"), d("2023-07-25"), None) == d("2024-02-29")


def test_the_wait_is_1_year_after_a_second_total_loss_within_5_years() -> None:
    assert new_licence_not_before(d("2027-01-10"), d("2027-01-02"), d("2022-01-03")) == d("2028-01-10")


def test_the_wait_is_6_months_when_the_previous_loss_was_exactly_5_years_before() -> None:
    assert new_licence_not_before(d("2027-01-10"), d("2027-01-02"), d("2022-01-02")) == d("2027-07-10")


def test_letters_after_a_withdrawal() -> None:
    assert letters_after_withdrawal(points=4, balance_before=12, balance_after=8,
                                    committed_in_probation=False) == (LetterCode.L48,)
    assert letters_after_withdrawal(points=3, balance_before=8, balance_after=5,
                                    committed_in_probation=False) == (LetterCode.L48, LetterCode.L48M)
    assert letters_after_withdrawal(points=3, balance_before=6, balance_after=3,
                                    committed_in_probation=True) == (LetterCode.L48, LetterCode.L48N)
    assert letters_after_withdrawal(points=6, balance_before=6, balance_after=0,
                                    committed_in_probation=True) == (LetterCode.L48, LetterCode.L48N,
                                                                     LetterCode.L48SI)


def test_a_47_follows_only_a_crediting_stage() -> None:
    assert letter_after_stage(4) == (LetterCode.L47,)
    assert letter_after_stage(0) == ()
