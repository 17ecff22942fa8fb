"""L223-1, R223-1: capital, probation regimes and the dated changes of 1992, 2004, 2007 and 2019."""

from ledger.law.capital import ProbationRegime, initial_capital, probation_plan
from ledger.values import Training
from tests.builders import d


class TestCapitalOfTheFirst1992Licences:
    def test_no_points_before_the_system_starts_on_1992_07_01(self) -> None:
        assert initial_capital(d("1992-06-30")) == 0
        assert initial_capital(d("1992-07-01")) == 6

    def test_twelve_points_from_1992_12_01(self) -> None:
        assert initial_capital(d("1992-11-30")) == 6
        assert initial_capital(d("1992-12-01")) == 12


class TestWhoIsProbationary:
    def test_a_licence_obtained_on_2004_02_29_is_not_probationary(self) -> None:
        assert probation_plan(d("2004-02-29"), Training.TRADITIONAL, first_licence=True,
                              complementary_training_on=None) is None
        assert initial_capital(d("2004-02-29")) == 12

    def test_a_licence_obtained_on_2004_03_01_starts_probationary_at_6(self) -> None:
        plan = probation_plan(d("2004-03-01"), Training.TRADITIONAL, first_licence=True,
                              complementary_training_on=None)
        assert plan is not None and plan.regime is ProbationRegime.FLAT
        assert plan.end == d("2007-03-01")
        assert plan.majorations == ()
        assert initial_capital(d("2004-03-01")) == 6


class TestProgressiveMajorations:
    def test_a_licence_obtained_on_2007_12_30_stays_flat(self) -> None:
        plan = probation_plan(d("2007-12-30"), Training.TRADITIONAL, first_licence=True,
                              complementary_training_on=None)
        assert plan is not None and plan.regime is ProbationRegime.FLAT

    def test_a_licence_obtained_on_2007_12_31_earns_2_a_year(self) -> None:
        plan = probation_plan(d("2007-12-31"), Training.TRADITIONAL, first_licence=True,
                              complementary_training_on=None)
        assert plan is not None and plan.regime is ProbationRegime.PROGRESSIVE
        assert [(m.on, m.points) for m in plan.majorations] == [(d("2008-12-31"), 2), (d("2009-12-31"), 2)]
        assert plan.end == d("2010-12-31")

    def test_aac_earns_3_at_the_first_anniversary_and_ends_after_2_years(self) -> None:
        plan = probation_plan(d("2020-05-10"), Training.AAC, first_licence=True, complementary_training_on=None)
        assert plan is not None
        assert [(m.on, m.points) for m in plan.majorations] == [(d("2021-05-10"), 3)]
        assert plan.end == d("2022-05-10")


class TestFormationComplementaire:
    def test_a_training_taken_on_2018_12_31_does_not_shorten_probation(self) -> None:
        plan = probation_plan(d("2018-06-01"), Training.TRADITIONAL, first_licence=True,
                              complementary_training_on=d("2018-12-31"))
        assert plan is not None and plan.reduced_end is None

    def test_a_training_taken_on_2019_01_01_shortens_probation_to_2_years(self) -> None:
        plan = probation_plan(d("2018-06-01"), Training.TRADITIONAL, first_licence=True,
                              complementary_training_on=d("2019-01-01"))
        assert plan is not None and plan.reduced_end == d("2020-06-01")

    def test_aac_with_the_training_ends_after_18_months(self) -> None:
        plan = probation_plan(d("2019-08-31"), Training.AAC, first_licence=True,
                              complementary_training_on=d("2020-03-01"))
        assert plan is not None and plan.reduced_end == d("2021-02-28")

    def test_the_training_never_shortens_a_licence_obtained_again(self) -> None:
        plan = probation_plan(d("2021-01-10"), Training.TRADITIONAL, first_licence=False,
                              complementary_training_on=d("2021-08-01"))
        assert plan is not None and plan.reduced_end is None

    def test_a_training_taken_after_the_reduced_end_cannot_shorten_it(self) -> None:
        plan = probation_plan(d("2020-01-10"), Training.TRADITIONAL, first_licence=True,
                              complementary_training_on=d("2022-01-10"))
        assert plan is not None and plan.reduced_end is None
