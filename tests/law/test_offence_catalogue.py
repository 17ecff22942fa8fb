"""Offences recorded by kind: the barème of their article on the commission date, or a later lenient one."""

from ledger.law.offence_catalogue import scale_of
from ledger.values import OffenceClass
from tests.builders import d


def test_a_phone_held_in_hand_is_2_points_2nd_class_the_day_before_the_2012_decree() -> None:
    scale = scale_of("phone_in_hand", d("2012-01-05"), d("2012-02-01"))
    assert scale is not None and (scale.points, scale.offence_class) == (2, OffenceClass.C2)


def test_a_phone_held_in_hand_is_3_points_4th_class_from_2012_01_06() -> None:
    scale = scale_of("phone_in_hand", d("2012-01-06"), d("2012-02-01"))
    assert scale is not None and (scale.points, scale.offence_class) == (3, OffenceClass.C4)


def test_a_harsher_later_barème_never_applies_to_an_earlier_offence() -> None:
    scale = scale_of("pedestrian_priority", d("2018-09-18"), d("2018-10-20"))
    assert scale is not None and scale.points == 4


def test_not_yielding_to_a_pedestrian_is_6_points_from_2018_09_19() -> None:
    scale = scale_of("pedestrian_priority", d("2018-09-19"), d("2018-10-20"))
    assert scale is not None and scale.points == 6


def test_gloves_carried_no_points_before_2016_11_20() -> None:
    assert scale_of("gloves", d("2016-11-19"), d("2016-12-01")) is None
    scale = scale_of("gloves", d("2016-11-20"), d("2016-12-01"))
    assert scale is not None and (scale.points, scale.offence_class) == (1, OffenceClass.C3)


def test_the_clignotant_is_2nd_class_as_the_code_says() -> None:
    scale = scale_of("indicator", d("2020-01-01"), d("2020-02-01"))
    assert scale is not None and scale.offence_class is OffenceClass.C2
