"""A.19: every fact the ledger accepts, of any date from 1900 to 2199, gets a balance on every day, in both modes
and as known at any moment — never an exception.

The facts are drawn over the whole range the ledger accepts, with a bias towards the days the law changed (the
start of the points system, the 2003, 2004, 2007, 2011, 2019 and 2024 reforms) and the range's two ends, then
kept only if the ledger's own checks (`ledger.validation.check_fact`, in recording order) accept them: what is
folded is exactly what a préfecture could have recorded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import facts as fact_types
from ledger.errors import InvalidFact
from ledger.facts import LegalFact, LicenceRecord, Speeding
from ledger.validation import check_fact, check_licence
from ledger.values import LetterCode, Mode, OffenceClass, StageCase, Status, Training
from projections.balance import balance_as_of
from projections.timeline import build_timeline

FIRST, LAST = date(1900, 1, 1), date(2199, 12, 31)
CHANGES = [date(1992, 7, 1), date(1992, 12, 1), date(2003, 7, 12), date(2004, 3, 1), date(2007, 1, 1),
           date(2007, 12, 31), date(2011, 1, 1), date(2011, 3, 16), date(2019, 1, 1), date(2024, 1, 1), FIRST, LAST]
CLASSES = list(OffenceClass)


@st.composite
def days(draw: st.DrawFn, after: date = FIRST, within: int | None = None) -> date:
    """A day on or after `after` (at most `within` days later), often next to a change of the law."""
    latest = LAST if within is None else min(LAST, after + timedelta(days=within))
    near = [c + timedelta(days=k) for c in CHANGES for k in (-1, 0, 1)]
    candidates = [c for c in near if after <= c <= latest]
    if candidates and draw(st.booleans()):
        return draw(st.sampled_from(candidates))
    return after + timedelta(days=draw(st.integers(0, (latest - after).days)))


def _at(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


@st.composite
def offences(draw: st.DrawFn, n: int, obtained: date, span: int | None) -> fact_types.OffenceEstablished:
    committed = draw(days(obtained, within=span))
    established = draw(days(committed, within=draw(st.sampled_from([0, 30, 400, 4000]))))
    registered = draw(st.one_of(st.none(), days(established, within=500)))
    common: dict[str, Any] = {
        "fact_id": f"o{n}", "recorded_at": _at(max(established, registered or established)), "recorded_by": "t",
        "evidence_ref": f"PV{n}", "seq": n, "committed_on": committed, "established_on": established,
        "registered_on": registered, "interception": draw(st.sampled_from([None, None, "i1", "i2"])),
    }
    weight = draw(st.integers(0, 3))
    if weight == 0:
        return fact_types.OffenceEstablished(**common, speeding=Speeding(draw(st.sampled_from([30, 50, 80, 130])),
                                                              draw(st.integers(1, 70))))
    if weight == 1:
        return fact_types.OffenceEstablished(**common, offence_kind=draw(st.sampled_from(
            ["red_light", "phone_in_hand", "gloves", "alcohol_delit", "continuous_line_straddling"])))
    klass = draw(st.sampled_from(CLASSES))
    points = 6 if klass is OffenceClass.DELIT else draw(st.integers(0, 6))
    return fact_types.OffenceEstablished(**common, points=points, offence_class=klass)


@st.composite
def other_fact(draw: st.DrawFn, n: int, obtained: date, span: int | None, offence_ids: list[str]) -> LegalFact:
    kind = draw(st.sampled_from(["stage", "stage", "48si", "48si", "surrender", "reissue", "annulment", "letter"]))
    day = draw(days(obtained, within=span))
    common: dict[str, Any] = {"fact_id": f"f{n}", "recorded_at": _at(day), "recorded_by": "t",
                              "evidence_ref": f"E{n}", "seq": n}
    if kind == "stage" and day < LAST:
        return fact_types.StageCompleted(**common, first_day=day, last_day=day + timedelta(days=1),
                              case=draw(st.sampled_from(list(StageCase))))
    if kind == "48si":
        return fact_types.LetterNotified(**common, code=LetterCode.L48SI, notified_on=day)
    if kind == "surrender":
        return fact_types.LicenceSurrendered(**common, surrendered_on=day)
    if kind == "reissue":
        return fact_types.LicenceReissued(**common, obtained_on=day, training=draw(st.sampled_from(list(Training))))
    if kind == "annulment" and offence_ids:
        return fact_types.OffenceAnnulled(**common, offence_id=draw(st.sampled_from(offence_ids)), decided_on=day)
    return fact_types.LetterNotified(**common, code=draw(st.sampled_from(list(LetterCode))), notified_on=day)


@st.composite
def accepted_records(draw: st.DrawFn) -> LicenceRecord:
    """A licence and the facts the ledger's checks accept, recorded in the drawn order."""
    obtained = draw(days())
    fc = draw(st.one_of(st.none(), days(obtained, within=800)))
    licence = fact_types.LicenceObtained(
        fact_id="licence", recorded_at=_at(obtained), recorded_by="t", evidence_ref="L", licence_number="W1",
        obtained_on=obtained, training=draw(st.sampled_from(list(Training))), complementary_training_on=fc)
    check_licence(licence)
    accepted: list[LegalFact] = []
    span = draw(st.sampled_from([None, 2000, 6000]))  # the whole range, or a few years where facts interact
    for n in range(draw(st.integers(0, 14))):
        ids = [f.fact_id for f in accepted if isinstance(f, fact_types.OffenceEstablished)]
        fact = (draw(offences(n, obtained, span)) if draw(st.booleans())
                else draw(other_fact(n, obtained, span, ids)))
        try:
            check_fact(fact, licence, accepted)
        except InvalidFact:
            continue
        accepted.append(fact)
    return LicenceRecord(licence, tuple(accepted))


WHOLE_RANGE = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@WHOLE_RANGE
@given(accepted_records(), st.sampled_from(list(Mode)), st.data())
def test_every_accepted_fact_of_any_date_gets_a_balance_on_every_day_in_both_modes(
    record: LicenceRecord, mode: Mode, data: st.DataObject
) -> None:
    known_at = data.draw(st.one_of(st.none(), days(record.licence.obtained_on)), label="known_at")
    known = None if known_at is None else _at(known_at)
    probes = data.draw(st.lists(days(), min_size=1, max_size=6), label="days")
    timeline = build_timeline(record.known_at(known), mode)
    for day in probes:
        state = timeline.state_on(day)
        assert 0 <= state.balance <= max(state.ceiling, 0) <= 12
        if day < record.licence.obtained_on:
            assert state.status is Status.NOT_OBTAINED
        balance = balance_as_of(record, day, known, mode)
        assert balance.points == state.balance
        assert sum(m.delta for m in balance.movements) == balance.points
