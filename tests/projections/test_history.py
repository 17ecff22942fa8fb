"""The relevé-style statement (projections.history): every fact with its dates, recorder and evidence, the
law's decisions on it, and every movement with the balance after it."""

from __future__ import annotations

from datetime import UTC, datetime

from ledger.facts import LicenceRecord
from ledger.values import Mode
from projections.history import statement
from tests.builders import a_licence, a_stage, an_annulment, an_offence, d


def _record() -> LicenceRecord:
    return LicenceRecord(a_licence("1998-06-01"), (
        a_stage("2022-06-01", fact_id="s1"),
        an_offence("2022-03-10", "2022-03-20", 4, fact_id="o1"),
        an_offence("2022-05-01", "2022-05-10", 3, fact_id="o2", recorded_on="2022-07-01"),
    ))


def test_facts_are_listed_in_legal_order_with_their_dates_apart_from_their_content() -> None:
    relevé = statement(_record(), d("2022-12-31"))

    assert [f.fact_id for f in relevé.facts] == ["licence", "o1", "o2", "s1"]
    o1 = relevé.facts[1]
    assert (o1.kind, dict(o1.legal_dates)) == ("offence", {"committed_on": d("2022-03-10"),
                                                           "established_on": d("2022-03-20")})
    assert o1.details["points"] == 4
    assert o1.recorded_by == "test"
    assert o1.evidence_ref.startswith("PV-")
    assert o1.recorded_at == datetime(2022, 3, 20, tzinfo=UTC)


def test_each_fact_carries_the_movements_the_law_made_for_it() -> None:
    relevé = statement(_record(), d("2022-12-31"))
    by_id = {f.fact_id: f for f in relevé.facts}

    assert [(m.rule, m.delta, m.balance) for m in by_id["o1"].movements] == [("withdrawal", -4, 8)]
    assert [(m.rule, m.delta, m.balance) for m in by_id["s1"].movements] == [("stage_credit", 4, 9)]


def test_the_balance_after_each_movement_is_the_running_sum_and_ends_at_the_days_balance() -> None:
    relevé = statement(_record(), d("2022-12-31"))

    running = 0
    for movement in relevé.movements:
        running += movement.delta
        assert movement.balance == running
    assert running == relevé.state.balance == 9


def test_on_cuts_the_movements_not_the_facts() -> None:
    relevé = statement(_record(), d("2022-05-31"))

    assert "s1" in [f.fact_id for f in relevé.facts]
    assert [f.movements for f in relevé.facts if f.fact_id == "s1"] == [()]
    assert relevé.state.balance == 5


def test_known_at_leaves_out_the_facts_recorded_later() -> None:
    relevé = statement(_record(), d("2022-12-31"), known_at=datetime(2022, 6, 30, tzinfo=UTC))

    assert [f.fact_id for f in relevé.facts] == ["licence", "o1", "s1"]
    assert relevé.state.balance == 12


def test_an_annulled_offence_is_listed_with_no_withdrawal() -> None:
    record = LicenceRecord(a_licence("1998-06-01"), (
        an_offence("2022-03-10", "2022-03-20", 4, fact_id="o1"), an_annulment("o1", "2022-09-01")))

    relevé = statement(record, d("2022-12-31"), mode=Mode.ADMINISTRATIVE)

    assert [f.kind for f in relevé.facts] == ["licence", "offence", "annulment"]
    assert relevé.facts[1].movements == ()
    assert relevé.state.balance == 12
