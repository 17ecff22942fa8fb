"""Each legal condition of the fold, as a pure function of `ledger.law` returning a decision, on its own."""

from __future__ import annotations

from dataclasses import replace

from ledger.law import invalidation, probation, reconstitution, stage_recovery
from ledger.law.interruption import first_in_window, reconstitution_blocker
from ledger.law.vocabulary import AnomalyKind, Rule
from ledger.law.weighing import WeighedOffence, weigh, withdrawal_decision
from ledger.values import LetterCode, Mode, Status
from tests.builders import a_letter, a_stage, an_offence, d


def _weighed(committed: str, established: str, points: int = 1, **extra: object) -> WeighedOffence:
    offence = replace(an_offence(committed, established, points), **extra)  # type: ignore[arg-type]
    return weigh([offence], Mode.LEGAL)[0]


def test_a_majoration_is_lost_to_an_offence_and_granted_without_one() -> None:
    blocking = _weighed("2021-02-01", "2021-03-01")
    assert probation.majoration(1, 2, blocking).rule is Rule.MAJORATION_LOST
    granted = probation.majoration(1, 2, None)
    assert (granted.rule, granted.points) == (Rule.PROBATION_MAJORATION, 2)


def test_the_end_of_probation_tops_up_only_without_offence() -> None:
    assert probation.end_of_probation("end", 7, None).points == 5
    kept = probation.end_of_probation("end", 7, _weighed("2021-02-01", "2021-03-01"))
    assert (kept.rule, kept.points) == (Rule.END_OF_PROBATION, 0)
    assert probation.reduced_end(None) is None


def test_a_single_point_that_was_never_taken_returns_nothing() -> None:
    offence = _weighed("2020-04-20", "2020-05-15")
    nothing = reconstitution.single_point_decision(offence, taken=0, blocking=None, balance=4, ceiling=12)
    back = reconstitution.single_point_decision(offence, taken=1, blocking=None, balance=4, ceiling=12)
    assert (nothing.rule, nothing.points, back.points) == (Rule.SINGLE_POINT_RETURN, 0, 1)
    blocked = reconstitution.single_point_decision(offence, taken=1, blocking=_weighed("2020-06-01", "2020-07-01"),
                                                   balance=4, ceiling=12)
    assert (blocked.rule, blocked.points) == (Rule.SINGLE_POINT_BLOCKED, 0)


def test_the_ten_year_rule_returns_what_was_taken_less_a_returned_single_point() -> None:
    offence = _weighed("2010-01-01", "2010-01-10", 4)
    assert reconstitution.ten_year_decision(offence, taken=2, single_point_returned=False, balance=3,
                                            ceiling=12).points == 2  # type: ignore[union-attr]
    assert reconstitution.ten_year_decision(offence, taken=1, single_point_returned=True, balance=3,
                                            ceiling=12) is None
    assert reconstitution.ten_year_decision(offence, taken=4, single_point_returned=False, balance=10,
                                            ceiling=12).points == 2  # type: ignore[union-attr]


def test_a_partner_blocks_the_single_point_only_in_administrative_mode() -> None:
    first = replace(an_offence("2021-02-10", "2021-03-01", 1), interception="stop")
    partner = replace(an_offence("2021-02-10", "2021-04-01", 1), interception="stop")
    for mode, expected in ((Mode.LEGAL, None), (Mode.ADMINISTRATIVE, partner.fact_id)):
        offences = weigh([first, partner], mode)
        found = first_in_window(offences, d("2021-03-01"), d("2021-09-01"), mode, licence_start=d("1999-01-01"),
                                exclude=first)
        assert (found.fact_id if found else None) == expected


def test_only_offences_of_the_licence_in_force_fall_in_a_window() -> None:
    old = weigh([an_offence("2020-01-10", "2020-06-01")], Mode.ADMINISTRATIVE)
    assert first_in_window(old, d("2020-05-01"), d("2020-07-01"), Mode.ADMINISTRATIVE,
                           licence_start=d("2020-03-01")) is None


def test_a_late_established_offence_blocks_the_reconstitution_only_in_legal_mode() -> None:
    offences = weigh([an_offence("2015-01-10", "2016-02-01")], Mode.LEGAL)
    for mode, blocked in ((Mode.LEGAL, True), (Mode.ADMINISTRATIVE, False)):
        found = reconstitution_blocker(offences, d("2013-01-01"), d("2016-01-01"), mode, licence_start=d("2000-01-01"))
        assert (found is not None) is blocked
    decision = reconstitution.full_reconstitution_decision(d("2013-01-01"), 3, None, balance=8, ceiling=12)
    assert (decision.rule, decision.points) == (Rule.FULL_RECONSTITUTION, 4)


def test_a_withdrawal_reads_the_points_system_the_licence_in_force_and_the_floor() -> None:
    early = _weighed("1991-02-01", "1991-03-01", 4)
    assert withdrawal_decision(early, in_force=True, balance=0).rule is Rule.OFFENCE_BEFORE_POINTS_SYSTEM
    offence = _weighed("2020-02-01", "2020-03-01", 4)
    assert withdrawal_decision(offence, in_force=False, balance=8).rule is Rule.WITHDRAWAL_WITHOUT_EFFECT
    taken = withdrawal_decision(offence, in_force=True, balance=3)
    assert (taken.rule, taken.points) == (Rule.WITHDRAWAL, -3)


def test_a_stage_decision_before_the_system_after_invalidation_too_soon_and_crediting() -> None:
    stage = a_stage("2021-06-01")
    day = d("2021-06-03")
    assert stage_recovery.stage_decision(a_stage("1992-06-20"), d("1992-06-22"), valid=True,
                                         last_crediting_effective_on=None, balance=0,
                                         ceiling=0).rule is Rule.STAGE_BEFORE_POINTS_SYSTEM
    void = stage_recovery.stage_decision(stage, day, valid=False, last_crediting_effective_on=None, balance=0,
                                         ceiling=12)
    assert (void.rule, void.anomaly) == (Rule.STAGE_WITHOUT_EFFECT, AnomalyKind.STAGE_AFTER_INVALIDATION)
    assert stage_recovery.stage_decision(stage, day, valid=True, last_crediting_effective_on=d("2020-12-01"),
                                         balance=5, ceiling=12).rule is Rule.STAGE_TOO_SOON
    assert stage_recovery.stage_decision(stage, day, valid=True, last_crediting_effective_on=None, balance=10,
                                         ceiling=12).points == 2


def test_a_48si_decision_and_a_reissue_without_invalidation() -> None:
    letter = a_letter(LetterCode.L48SI, "2020-04-01")
    assert invalidation.forty_eight_si_decision(letter, status=Status.VALID, balance=0).rule is Rule.INVALIDATION
    void = invalidation.forty_eight_si_decision(letter, status=Status.VALID, balance=6)
    assert (void.rule, void.anomaly) == (Rule.FORTY_EIGHT_SI_VOID, AnomalyKind.VOID_48SI)
    early = invalidation.forty_eight_si_decision(a_letter(LetterCode.L48SI, "1990-01-01"), status=Status.VALID,
                                                 balance=0)
    assert early.rule is Rule.FORTY_EIGHT_SI_VOID
    anomalies = invalidation.reissue_anomalies(d("2020-11-02"), status=Status.VALID, new_licence_not_before=None)
    assert [kind for kind, _ in anomalies] == [AnomalyKind.REISSUE_WITHOUT_INVALIDATION]
    assert invalidation.reissue_anomalies(d("2020-11-02"), status=Status.INVALIDATED,
                                          new_licence_not_before=d("2020-10-15")) == ()
