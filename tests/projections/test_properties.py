"""Properties of the fold over generated timelines (hypothesis): bounds, order, no-ops, time axes, replay."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import PointsLedger
from ledger.facts import LegalFact, LicenceObtained, LicenceRecord, OffenceEstablished, Speeding
from ledger.law.stage_recovery import stage_effective_on
from ledger.storage import storage_env
from ledger.values import LetterCode, Mode, OffenceClass, StageCase, Status, Training
from projections.balance import forecast
from projections.timeline import Timeline, build_timeline
from tests.builders import a_letter, a_stage, an_annulment

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
CLASSES = [OffenceClass.C1, OffenceClass.C2, OffenceClass.C3, OffenceClass.C4, OffenceClass.C5]


def _day(base: date, offset: int) -> date:
    return base + timedelta(days=offset)


@st.composite
def records(draw: st.DrawFn) -> LicenceRecord:
    obtained = _day(date(1995, 1, 1), draw(st.integers(0, 27 * 365)))
    training = draw(st.sampled_from(list(Training)))
    fc = _day(obtained, draw(st.integers(150, 400))) if draw(st.booleans()) else None
    licence = LicenceObtained(fact_id="licence", recorded_at=EPOCH, recorded_by="t", evidence_ref="L",
                              licence_number="P1", obtained_on=obtained, training=training,
                              complementary_training_on=fc)
    facts: list[LegalFact] = []
    n = draw(st.integers(0, 12))
    for i in range(n):
        committed = _day(obtained, draw(st.integers(0, 12 * 365)))
        established = _day(committed, draw(st.integers(0, 120)))
        recorded = datetime.combine(_day(established, draw(st.integers(0, 60))), datetime.min.time(), UTC)
        interception = draw(st.sampled_from([None, None, None, "g1", "g2"]))
        kind = draw(st.integers(0, 3))
        common: dict[str, Any] = {"fact_id": f"o{i}", "recorded_at": recorded, "recorded_by": "t",
                                  "evidence_ref": f"PV{i}", "seq": i, "committed_on": committed,
                                  "established_on": established, "interception": interception}
        if kind == 0:
            speeding = Speeding(draw(st.sampled_from([30, 50, 80, 110, 130])), draw(st.integers(1, 60)))
            facts.append(OffenceEstablished(**common, speeding=speeding))
        elif kind == 1:
            facts.append(OffenceEstablished(**common, points=6, offence_class=OffenceClass.DELIT))
        else:
            facts.append(OffenceEstablished(**common, points=draw(st.integers(0, 6)),
                                            offence_class=draw(st.sampled_from(CLASSES))))
    for _ in range(draw(st.integers(0, 4))):
        first = _day(obtained, draw(st.integers(0, 14 * 365)))
        case = draw(st.sampled_from(list(StageCase)))
        facts.append(a_stage(first.isoformat(), case=case))
    for _ in range(draw(st.integers(0, 2))):
        facts.append(a_letter(LetterCode.L48SI, _day(obtained, draw(st.integers(30, 14 * 365))).isoformat()))
    offences = [f for f in facts if isinstance(f, OffenceEstablished)]
    if offences and draw(st.booleans()):
        target = draw(st.sampled_from(offences))
        decided = _day(target.established_on, 30)
        recorded = max(decided, _day(target.recorded_at.date(), 1))
        facts.append(an_annulment(target.fact_id, decided.isoformat(), recorded_on=recorded.isoformat()))
    return LicenceRecord(licence, tuple(facts))


def _probe_days(record: LicenceRecord) -> list[date]:
    days = {record.licence.obtained_on}
    for fact in record.facts:
        for value in vars(fact).values() if hasattr(fact, "__dict__") else ():
            if isinstance(value, date):
                days.add(value)
    timeline = build_timeline(record)
    days.update(m.on for m in timeline.movements)
    days.update(s.on - timedelta(days=1) for s in timeline.states)
    return sorted(days)


def _view(timeline: Timeline, days: list[date]) -> list[tuple[int, int, Status]]:
    return [(s.balance, s.ceiling, s.status) for s in map(timeline.state_on, days)]


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(records(), st.sampled_from(list(Mode)))
def test_balance_stays_between_zero_and_a_ceiling_of_at_most_twelve(record: LicenceRecord, mode: Mode) -> None:
    timeline = build_timeline(record, mode)
    for state in timeline.states:
        assert 0 <= state.balance <= state.ceiling <= 12


@FAST
@given(records(), st.sampled_from(list(Mode)))
def test_movements_sum_to_the_balance_and_each_cites_an_article(record: LicenceRecord, mode: Mode) -> None:
    timeline = build_timeline(record, mode)
    for state in timeline.states:
        movements = timeline.movements_until(state.on)
        assert sum(m.delta for m in movements) == state.balance
        assert all(m.rule and m.article for m in movements)


@FAST
@given(records(), st.randoms(use_true_random=False))
def test_the_order_of_facts_in_the_input_never_matters(record: LicenceRecord, rnd: Any) -> None:
    shuffled = list(record.facts)
    rnd.shuffle(shuffled)
    assert build_timeline(LicenceRecord(record.licence, tuple(shuffled))).movements == build_timeline(record).movements


@FAST
@given(records(), st.integers(0, 5000), st.sampled_from(list(Mode)))
def test_a_zero_point_offence_changes_nothing(record: LicenceRecord, offset: int, mode: Mode) -> None:
    committed = _day(record.licence.obtained_on, offset)
    zero = OffenceEstablished(fact_id="zero", recorded_at=EPOCH, recorded_by="t", evidence_ref="Z",
                              committed_on=committed, established_on=_day(committed, 10), points=0,
                              offence_class=OffenceClass.C4)
    with_zero = LicenceRecord(record.licence, (*record.facts, zero))
    days = _probe_days(with_zero)
    assert _view(build_timeline(with_zero, mode), days) == _view(build_timeline(record, mode), days)


@FAST
@given(records(), st.sampled_from(list(Mode)))
def test_known_at_after_the_last_recording_equals_no_known_at(record: LicenceRecord, mode: Mode) -> None:
    last = max((f.recorded_at for f in record.facts), default=EPOCH)
    days = _probe_days(record)
    assert (_view(build_timeline(record.known_at(last + timedelta(seconds=1)), mode), days)
            == _view(build_timeline(record, mode), days))


@FAST
@given(records())
def test_an_annulled_offence_in_legal_mode_equals_an_offence_never_recorded(record: LicenceRecord) -> None:
    offences = [f for f in record.facts if isinstance(f, OffenceEstablished)]
    if not offences:
        return
    target = offences[0]
    annulled = LicenceRecord(record.licence, (*record.facts, an_annulment(target.fact_id, "2040-01-01")))
    never = LicenceRecord(record.licence, tuple(f for f in record.facts if f is not target
                                                and getattr(f, "offence_id", None) != target.fact_id))
    annulled = LicenceRecord(annulled.licence, tuple(f for f in annulled.facts
                                                     if getattr(f, "offence_id", None) != target.fact_id
                                                     or f.fact_id == annulled.facts[-1].fact_id))
    days = _probe_days(record)
    assert _view(build_timeline(annulled), days) == _view(build_timeline(never), days)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(records())
def test_replaying_from_the_store_gives_the_same_answer_as_folding_in_memory(record: LicenceRecord) -> None:
    app = PointsLedger(storage_env("sqlite:///:memory:"))
    try:
        number = "P1"
        app.create_licence(record.licence)
        in_order = sorted(record.facts, key=lambda f: f.order_key)
        for fact in in_order:
            app.record(number, fact)
        stored = app.get_record(number)
        assert [replace(f, recorded_at=EPOCH, seq=0) for f in stored.facts] == [
            replace(f, recorded_at=EPOCH, seq=0) for f in in_order]
        days = _probe_days(record)
        for mode in Mode:
            ordered = LicenceRecord(record.licence, tuple(
                replace(f, recorded_at=EPOCH + timedelta(seconds=i), seq=0) for i, f in enumerate(in_order)))
            assert _view(build_timeline(stored, mode), days) == _view(build_timeline(ordered, mode), days)
    finally:
        app.close()


def test_a_stage_on_a_generated_licence_takes_effect_the_day_after() -> None:
    stage = a_stage("2020-02-28")
    assert stage_effective_on(stage) == date(2020, 3, 1)


@FAST
@given(records(), st.sampled_from(list(Mode)), st.integers(0, 8000))
def test_the_forecast_reusing_the_fold_equals_a_fresh_forecast(record: LicenceRecord, mode: Mode, offset: int) -> None:
    on = _day(record.licence.obtained_on, offset)
    timeline = build_timeline(record, mode)
    assert forecast(record, on, mode, timeline) == forecast(record, on, mode)
