"""R413-14, R413-14-1, L223-2, R223-2: speeding barème, the 2024 rule, in mitius, simultaneous caps."""

import pytest

from ledger.facts import Speeding
from ledger.law.scale import assess, capped_points, group_cap, speeding_class, speeding_points_on
from ledger.values import OffenceClass
from tests.builders import an_offence, d


@pytest.mark.parametrize(("limit", "excess", "points", "klass"), [
    (110, 5, 1, OffenceClass.C3), (130, 19, 1, OffenceClass.C3), (50, 19, 1, OffenceClass.C4),
    (80, 20, 2, OffenceClass.C4), (80, 29, 2, OffenceClass.C4), (80, 30, 3, OffenceClass.C4),
    (80, 39, 3, OffenceClass.C4), (80, 40, 4, OffenceClass.C4), (80, 49, 4, OffenceClass.C4),
    (80, 50, 6, OffenceClass.C5), (30, 60, 6, OffenceClass.C5),
])
def test_speeding_bands_give_points_and_class(limit: int, excess: int, points: int, klass: OffenceClass) -> None:
    speeding = Speeding(limit, excess)
    assert speeding_points_on(speeding, d("2025-01-01")) == points
    assert speeding_class(speeding, d("2025-01-01")) is klass


def test_an_excess_under_5_kmh_costs_a_point_until_2023_12_31_and_none_from_2024_01_01() -> None:
    speeding = Speeding(80, 4)
    assert speeding_points_on(speeding, d("2023-12-31")) == 1
    assert speeding_points_on(speeding, d("2024-01-01")) == 0


def test_exactly_5_kmh_over_still_costs_a_point_in_2024() -> None:
    assert speeding_points_on(Speeding(80, 5), d("2024-06-01")) == 1


def test_the_lenient_2024_rule_applies_to_an_offence_established_after_it() -> None:
    offence = an_offence("2023-12-20", "2024-01-05", speeding=(90, 3))
    assert assess(offence).points == 0


def test_an_offence_established_before_2024_keeps_its_point() -> None:
    offence = an_offence("2023-12-10", "2023-12-31", speeding=(90, 3))
    assert assess(offence).points == 1


def test_simultaneous_cap_is_8_for_all_from_2003_07_12() -> None:
    assert group_cap([OffenceClass.C4], d("2003-07-11")) == 6
    assert group_cap([OffenceClass.C4], d("2003-07-12")) == 8
    assert group_cap([OffenceClass.C4, OffenceClass.DELIT], d("2003-07-11")) == 8


def test_simultaneous_cap_of_the_6_point_capital_before_1992_12_01() -> None:
    assert group_cap([OffenceClass.C4], d("1992-11-30")) == 3
    assert group_cap([OffenceClass.C4, OffenceClass.DELIT], d("1992-11-30")) == 4
    assert group_cap([OffenceClass.C4], d("1992-12-01")) == 6


def test_the_cap_is_shared_in_date_de_valeur_order() -> None:
    first = an_offence("2024-04-06", "2024-04-20", 3, interception="stop")
    second = an_offence("2024-04-06", "2024-05-15", 6, interception="stop")
    third = an_offence("2024-04-06", "2024-06-01", 3, interception="stop")
    group = [(o, assess(o)) for o in (third, second, first)]
    assert capped_points(group) == {first.fact_id: 3, second.fact_id: 5, third.fact_id: 0}
