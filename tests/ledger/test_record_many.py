"""`record_many`: facts for many licences in one transaction, each decided exactly as `record` decides it.

The equivalence test runs the same mixed batch (new facts, a retried fact, a conflicting evidence reference, an
invalid fact, a missing licence, two facts for one licence, a fact that depends on the one before it) through
`record_many` on one store and through `record`, one by one, on another: the answers and the streams must be
identical, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest

import ledger.application as application_module
from ledger.application import MAX_ATTEMPTS, PointsLedger, Recorded
from ledger.batch_write import MAX_BATCH, Refused
from ledger.errors import ConcurrencyConflict, InvalidFact, LedgerError
from ledger.facts import LegalFact
from ledger.storage import storage_env
from ledger.values import LetterCode
from tests.conftest import StoreFactory
from tests.ledger.builders import a_letter, a_licence, a_reissue, a_stage, a_surrender, an_offence
from tests.ledger.stores import all_streams

NUMBERS = ("120675000001", "120675000002", "120675000003")


def _with_licences(url: str) -> PointsLedger:
    ledger = PointsLedger(storage_env(url))
    for number in NUMBERS:
        ledger.create_licence(a_licence(number, fact_id=f"licence-{number}", evidence_ref=f"ANTS-{number}"))
    ledger.record(NUMBERS[0], an_offence(fact_id="first", evidence_ref="PV-FIRST"))
    return ledger


def _mixed_batch() -> list[tuple[str, LegalFact]]:
    offence = an_offence(fact_id="o-2", evidence_ref="PV-2")
    return [
        (NUMBERS[0], an_offence(fact_id="first", evidence_ref="PV-FIRST")),  # already present
        (NUMBERS[0], an_offence(fact_id="other", evidence_ref="PV-FIRST", points=2)),  # evidence conflict
        (NUMBERS[1], offence),
        (NUMBERS[1], offence),  # the same fact twice in one batch: the second is "already present"
        (NUMBERS[1], an_offence(fact_id="bad", evidence_ref="PV-BAD", committed_on="2023-04-01",
                                established_on="2023-03-01")),  # established before committed
        (NUMBERS[2], a_letter(LetterCode.L48SI, "2023-09-01", fact_id="48si", evidence_ref="48SI-1")),
        (NUMBERS[2], a_surrender(fact_id="surrender", evidence_ref="REMISE-1")),
        (NUMBERS[2], a_reissue(fact_id="reissue", evidence_ref="ANTS-NEW-1")),  # needs the surrender before it
        ("999999999999", a_letter(fact_id="nowhere", evidence_ref="LETTER-X")),  # no such licence
        ("  ", a_letter(fact_id="blank", evidence_ref="LETTER-Y")),
        (NUMBERS[0], a_stage(fact_id="stage", evidence_ref="ATT-1")),
    ]


def _answer(outcome: Recorded | Refused) -> tuple[Any, ...]:
    if isinstance(outcome, Refused):
        return ("refused", outcome.licence_number, outcome.field, outcome.reason)
    return ("recorded", outcome.licence_number, outcome.fact_id, outcome.version, outcome.created)


def _one_by_one(ledger: PointsLedger, items: list[tuple[str, LegalFact]]) -> list[tuple[Any, ...]]:
    from ledger.batch_write import refusal

    answers = []
    for number, fact in items:
        try:
            answers.append(_answer(ledger.record(number, fact)))
        except LedgerError as error:
            answers.append(_answer(refusal(number, error)))
    return answers


def _without_clock(streams: dict[str, list[tuple[str, int, dict[str, Any]]]]) -> dict[str, Any]:
    """Streams minus each event's recording time (the clock differs between the two runs)."""
    return {number: [(topic, version, {k: v for k, v in state.items() if k != "timestamp"})
                     for topic, version, state in events] for number, events in streams.items()}


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_batch_answers_and_writes_exactly_what_the_facts_recorded_one_by_one_would(
    kind: str, new_store_url: StoreFactory
) -> None:
    batched, single = _with_licences(new_store_url(kind)), _with_licences(new_store_url(kind))
    try:
        batch_answers = [_answer(o) for o in batched.record_many(_mixed_batch())]
        single_answers = _one_by_one(single, _mixed_batch())
        batch_streams, single_streams = all_streams(batched), all_streams(single)
    finally:
        batched.close()
        single.close()

    assert batch_answers == single_answers
    assert _without_clock(batch_streams) == _without_clock(single_streams)
    assert [a[0] for a in batch_answers].count("refused") == 4
    assert batch_answers[7] == ("recorded", NUMBERS[2], "reissue", 4, True)


def test_a_refused_fact_writes_nothing_and_the_others_are_written(ledger: PointsLedger) -> None:
    for number in NUMBERS[:2]:
        ledger.create_licence(a_licence(number))
    outcomes = ledger.record_many([
        (NUMBERS[0], an_offence(fact_id="ok-1")),
        (NUMBERS[1], an_offence(fact_id="late", committed_on="2023-04-01", established_on="2023-03-01")),
        (NUMBERS[1], a_letter(fact_id="ok-2")),
    ])

    refused = outcomes[1]
    assert isinstance(refused, Refused) and refused.field == "established_on"
    assert [f.fact_id for f in ledger.get_record(NUMBERS[0]).facts] == ["ok-1"]
    assert [f.fact_id for f in ledger.get_record(NUMBERS[1]).facts] == ["ok-2"]


def test_a_batch_larger_than_the_limit_is_refused_whole(ledger: PointsLedger) -> None:
    ledger.create_licence(a_licence(NUMBERS[0]))
    with pytest.raises(InvalidFact) as raised:
        ledger.record_many([(NUMBERS[0], a_letter()) for _ in range(MAX_BATCH + 1)])
    assert raised.value.field == "facts"
    assert ledger.get_record(NUMBERS[0]).facts == ()


def test_a_batch_overtaken_by_a_rival_writer_is_decided_again_and_records_each_fact_once(
    ledger: PointsLedger, any_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in NUMBERS:
        ledger.create_licence(a_licence(number))
    shared = an_offence(evidence_ref="PV-BOTH")
    rival = PointsLedger(storage_env(any_store_url))
    real_save = ledger.save_decision
    saves = []

    def rival_first(*args: Any, **kwargs: Any) -> Any:
        saves.append(len(args[0].changed))
        if len(saves) == 1:
            rival.record(NUMBERS[1], shared)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(ledger, "save_decision", rival_first)
    monkeypatch.setattr(application_module, "retry_delay", lambda attempt: 0.0)
    outcomes = ledger.record_many([(n, shared) for n in NUMBERS])
    rival.close()

    assert saves == [3, 2]
    assert [(o.version, o.created) for o in outcomes if isinstance(o, Recorded)] == [(2, True), (2, False), (2, True)]
    for number in NUMBERS:
        assert [f.evidence_ref for f in ledger.get_record(number).facts] == ["PV-BOTH"]


def test_a_batch_always_overtaken_gets_a_conflict_and_writes_nothing(
    ledger: PointsLedger, any_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in NUMBERS[:2]:
        ledger.create_licence(a_licence(number))
    rival = PointsLedger(storage_env(any_store_url))
    real_save = ledger.save_decision

    def rival_every_time(*args: Any, **kwargs: Any) -> Any:
        rival.record(NUMBERS[0], a_letter())
        return real_save(*args, **kwargs)

    monkeypatch.setattr(ledger, "save_decision", rival_every_time)
    monkeypatch.setattr(application_module, "retry_delay", lambda attempt: 0.0)
    with pytest.raises(ConcurrencyConflict) as raised:
        ledger.record_many([(NUMBERS[0], an_offence()), (NUMBERS[1], an_offence())])
    rival.close()

    assert raised.value.attempts == MAX_ATTEMPTS
    assert ledger.get_record(NUMBERS[1]).facts == ()
    assert len(ledger.get_record(NUMBERS[0]).facts) == MAX_ATTEMPTS


def test_a_licence_cached_by_a_write_and_changed_by_another_process_is_written_after_the_change(
    ledger: PointsLedger, any_store_url: str
) -> None:
    ledger.create_licence(a_licence(NUMBERS[0]))
    ledger.record(NUMBERS[0], an_offence(fact_id="mine-1"))  # the licence is now cached by `ledger`
    other = PointsLedger(storage_env(any_store_url))
    other.record(NUMBERS[0], a_letter(LetterCode.L48SI, "2023-09-01", fact_id="theirs-1"))
    other.record(NUMBERS[0], a_surrender(fact_id="theirs-2"))
    other.close()

    reissued = ledger.record(NUMBERS[0], a_reissue(fact_id="mine-2"))  # refused on the cached licence alone

    assert (reissued.version, reissued.created) == (5, True)
    assert [f.fact_id for f in ledger.get_record(NUMBERS[0]).facts] == ["mine-1", "theirs-1", "theirs-2", "mine-2"]
