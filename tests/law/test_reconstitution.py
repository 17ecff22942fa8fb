"""L223-6: 2/3-year reconstitution (2011), single point (2007, 2011), ten-year rule."""

from ledger.law.reconstitution import full_reconstitution_years, single_point_return_on, ten_year_return_on
from ledger.values import OffenceClass
from tests.builders import d


def test_a_light_record_anchored_on_2010_12_31_takes_3_years_and_on_2011_01_01_takes_2() -> None:
    assert full_reconstitution_years(serious_record=False, anchor=d("2010-12-31"), anchor_in_probation=False) == 3
    assert full_reconstitution_years(serious_record=False, anchor=d("2011-01-01"), anchor_in_probation=False) == 2


def test_a_serious_record_or_a_probationary_anchor_takes_3_years() -> None:
    assert full_reconstitution_years(serious_record=True, anchor=d("2020-01-01"), anchor_in_probation=False) == 3
    assert full_reconstitution_years(serious_record=False, anchor=d("2020-01-01"), anchor_in_probation=True) == 3


def test_single_point_comes_back_after_6_months_for_a_dv_from_2011_01_01() -> None:
    assert single_point_return_on(d("2011-01-01"), d("2010-12-20")) == d("2011-07-01")


def test_single_point_comes_back_after_1_year_for_a_dv_on_2010_12_31() -> None:
    assert single_point_return_on(d("2010-12-31"), d("2010-12-01")) == d("2011-12-31")


def test_no_single_point_rule_for_an_offence_committed_on_2006_12_31() -> None:
    assert single_point_return_on(d("2007-02-01"), d("2006-12-31")) is None
    assert single_point_return_on(d("2007-02-01"), d("2007-01-01")) == d("2008-02-01")


def test_ten_year_rule_covers_classes_1_to_4_only() -> None:
    assert ten_year_return_on(OffenceClass.C4, d("2010-03-01")) == d("2020-03-01")
    assert ten_year_return_on(OffenceClass.C1, d("2010-03-01")) == d("2020-03-01")
    assert ten_year_return_on(OffenceClass.C5, d("2010-03-01")) is None
    assert ten_year_return_on(OffenceClass.DELIT, d("2010-03-01")) is None
