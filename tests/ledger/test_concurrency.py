"""Writers appending to one licence at once: one wins each round, the others are retried by the application
(bounded, with jittered back-off) and, once the retries run out, get `ConcurrencyConflict`. Never a lost or a
duplicated event. Real threads on PostgreSQL; the forced-conflict tests use a second application (a real rival
writer on the same store) and run on both stores.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

import ledger.application as application_module
from ledger.application import MAX_ATTEMPTS, PointsLedger, Recorded
from ledger.errors import ConcurrencyConflict
from ledger.facts import LegalFact
from ledger.storage import storage_env
from tests.ledger.builders import NUMBER, a_letter, a_licence, an_offence
from tests.ledger.stores import application_sequence

THREADS = 8
FACTS_PER_THREAD = 10


def run_in_threads(count: int, work: Callable[[int], None]) -> None:
    """Start `count` threads together (a barrier) and re-raise the first error any of them met."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer thread hung"
    if errors:
        raise errors[0]


def test_concurrent_writers_on_one_licence_lose_and_duplicate_nothing(pg_url: str) -> None:
    ledger = PointsLedger(storage_env(pg_url, pool_size=THREADS))
    ledger.create_licence(a_licence())
    facts = [[a_letter(notified_on="2023-04-01") for _ in range(FACTS_PER_THREAD)] for _ in range(THREADS)]
    results: list[Recorded] = []
    conflicts: list[ConcurrencyConflict] = []
    lock = threading.Lock()

    def write(index: int) -> None:
        for fact in facts[index]:
            while True:  # a client told "try again" tries again: the fact must end up recorded once
                try:
                    result = ledger.record(NUMBER, fact)
                except ConcurrencyConflict as conflict:
                    with lock:
                        conflicts.append(conflict)
                    continue
                with lock:
                    results.append(result)
                break

    try:
        run_in_threads(THREADS, write)
        written = [f.fact_id for thread in facts for f in thread]
        recorded = [f.fact_id for f in ledger.get_record(NUMBER).facts]
        versions = [e.originator_version for e in ledger.licence_events(NUMBER)]
        stored_rows = application_sequence(ledger)
    finally:
        ledger.close()

    assert Counter(recorded) == Counter(written)  # every fact exactly once
    assert versions == list(range(1, THREADS * FACTS_PER_THREAD + 2))
    assert len(stored_rows) == THREADS * FACTS_PER_THREAD + 1
    assert all(r.created for r in results)
    assert sorted(r.version for r in results) == list(range(2, THREADS * FACTS_PER_THREAD + 2))


def test_the_same_fact_sent_by_concurrent_writers_is_recorded_once(pg_url: str) -> None:
    ledger = PointsLedger(storage_env(pg_url, pool_size=THREADS))
    ledger.create_licence(a_licence())
    offence = an_offence(evidence_ref="PV-SENT-TWICE")
    results: list[Recorded] = []

    def write(_index: int) -> None:
        results.append(ledger.record(NUMBER, offence))

    try:
        run_in_threads(THREADS, write)
        recorded = ledger.get_record(NUMBER).facts
    finally:
        ledger.close()

    assert [f.evidence_ref for f in recorded] == ["PV-SENT-TWICE"]
    assert {r.fact_id for r in results} == {offence.fact_id}
    assert sum(r.created for r in results) == 1


class RivalWriter:
    """Before each of the first `times` writes of `ledger` (`save_decision`: the library's save or the append path),
    another application appends to the same licence."""

    def __init__(self, ledger: PointsLedger, url: str, times: int, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rival = PointsLedger(storage_env(url))
        self.times = times
        self.saves = 0
        self.rival_facts: list[LegalFact] = []
        real_save = ledger.save_decision

        def save_after_rival(*args: Any, **kwargs: Any) -> Any:
            self.saves += 1
            if self.saves <= self.times:
                fact = a_letter(notified_on="2023-05-01")
                self.rival.record(NUMBER, fact)
                self.rival_facts.append(fact)
            return real_save(*args, **kwargs)

        monkeypatch.setattr(ledger, "save_decision", save_after_rival)
        monkeypatch.setattr(application_module, "retry_delay", lambda attempt: 0.0)


def test_a_writer_always_overtaken_gets_a_conflict_after_the_bounded_retries(
    ledger: PointsLedger, any_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger.create_licence(a_licence())
    rival = RivalWriter(ledger, any_store_url, times=MAX_ATTEMPTS, monkeypatch=monkeypatch)
    loser = an_offence(evidence_ref="PV-OVERTAKEN")

    with pytest.raises(ConcurrencyConflict) as raised:
        ledger.record(NUMBER, loser)
    rival.rival.close()

    assert raised.value.attempts == MAX_ATTEMPTS
    assert rival.saves == MAX_ATTEMPTS
    recorded = ledger.get_record(NUMBER).facts
    assert [f.fact_id for f in recorded] == [f.fact_id for f in rival.rival_facts]
    assert [e.originator_version for e in ledger.licence_events(NUMBER)] == list(range(1, MAX_ATTEMPTS + 2))


def test_a_writer_overtaken_a_few_times_is_retried_and_recorded_once(
    ledger: PointsLedger, any_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger.create_licence(a_licence())
    rival = RivalWriter(ledger, any_store_url, times=3, monkeypatch=monkeypatch)
    late = an_offence(evidence_ref="PV-LATE")

    result = ledger.record(NUMBER, late)
    rival.rival.close()

    assert result.created and result.version == 5
    assert rival.saves == 4
    recorded = [f.fact_id for f in ledger.get_record(NUMBER).facts]
    assert recorded == [*(f.fact_id for f in rival.rival_facts), late.fact_id]


def test_a_retry_finds_the_fact_the_rival_recorded_and_does_not_copy_it(
    ledger: PointsLedger, any_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger.create_licence(a_licence())
    offence = an_offence(evidence_ref="PV-BOTH")
    rival = PointsLedger(storage_env(any_store_url))
    real_save = ledger.save_decision

    def rival_records_the_same_fact_first(*args: Any, **kwargs: Any) -> Any:
        rival.record(NUMBER, offence)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(ledger, "save_decision", rival_records_the_same_fact_first)
    result = ledger.record(NUMBER, offence)
    rival.close()

    assert (result.fact_id, result.created) == (offence.fact_id, False)
    assert [f.evidence_ref for f in ledger.get_record(NUMBER).facts] == ["PV-BOTH"]
