"""The synthetic population: deterministic per seed, independent per licence, and always valid facts."""

from __future__ import annotations

from collections import Counter

from benchmarks.population import HORIZON, LEGAL_CUTOFF, licence_record, population
from ledger.facts import LicenceReissued, LicenceSurrendered, OffenceAnnulled, OffenceEstablished, StageCompleted
from ledger.validation import check_fact, check_licence

SAMPLE = 400


def test_the_same_seed_gives_the_same_population() -> None:
    assert list(population(50, seed=3)) == list(population(50, seed=3))


def test_another_seed_gives_another_population() -> None:
    assert list(population(50, seed=3)) != list(population(50, seed=4))


def test_a_licence_does_not_depend_on_the_size_or_the_start_of_the_generated_range() -> None:
    assert list(population(30, seed=2, start=20)) == [licence_record(2, i) for i in range(20, 30)]
    assert list(population(30, seed=2))[25] == licence_record(2, 25)


def test_every_fact_of_a_sample_passes_the_ledger_checks_in_recording_order() -> None:
    for record in population(SAMPLE, seed=1):
        check_licence(record.licence)
        earlier = []
        for fact in sorted(record.facts, key=lambda f: f.order_key):
            check_fact(fact, record.licence, earlier)
            earlier.append(fact)


def test_facts_are_recorded_after_the_licence_in_stream_order_and_by_the_horizon() -> None:
    for record in population(SAMPLE, seed=1):
        moments = [record.licence.recorded_at, *(f.recorded_at for f in record.facts)]
        assert moments == sorted(moments)
        assert [f.seq for f in record.facts] == list(range(1, len(record.facts) + 1))
        assert moments[-1].date() <= HORIZON


def test_offences_are_established_zero_to_ninety_days_after_they_were_committed() -> None:
    delays = [(f.established_on - f.committed_on).days for r in population(SAMPLE, seed=1) for f in r.facts
              if isinstance(f, OffenceEstablished)]
    assert delays
    assert min(delays) >= 0
    assert max(delays) <= 91  # a companion offence of the same interception is established the next day
    assert all(f.established_on <= LEGAL_CUTOFF for r in population(SAMPLE, seed=1) for f in r.facts
               if isinstance(f, OffenceEstablished))


def test_a_larger_sample_holds_every_kind_of_fact_the_ledger_knows() -> None:
    kinds = Counter(type(f).__name__ for r in population(3_000, seed=1) for f in r.facts)
    for kind in (OffenceEstablished, StageCompleted, OffenceAnnulled, LicenceSurrendered, LicenceReissued):
        assert kinds[kind.__name__] > 0, kind.__name__
    assert kinds["LetterNotified"] > 0
