"""A licence without any offence has one reading: its administrative fold is its legal fold, so the
reconciliation folds it once (`LicenceFile.timeline`), and every figure of the report stays the same."""

from __future__ import annotations

from benchmarks.population import population
from ledger.facts import LicenceRecord, OffenceEstablished, StageCompleted
from ledger.values import Mode
from projections.reconciliation.classify import LicenceFile
from projections.timeline import Timeline, build_timeline


def _same_reading(shared: Timeline, folded: Timeline) -> None:
    assert shared.mode is folded.mode
    assert shared.movements == folded.movements
    assert shared.state_days == folded.state_days
    assert shared.states == folded.states
    assert shared.anomalies == folded.anomalies
    assert shared.expected_letters == folded.expected_letters


def _without(record: LicenceRecord, fact_ids: frozenset[str]) -> LicenceRecord:
    return LicenceRecord(record.licence, tuple(f for f in record.facts if f.fact_id not in fact_ids))


def test_without_an_offence_the_administrative_fold_is_the_legal_one() -> None:
    records = [r for r in population(600, seed=3) if not any(isinstance(f, OffenceEstablished) for f in r.facts)]
    assert len(records) > 100
    for record in records:
        legal = build_timeline(record, Mode.LEGAL)
        administrative = build_timeline(record, Mode.ADMINISTRATIVE)
        assert administrative.movements == legal.movements
        assert administrative.states == legal.states
        assert administrative.anomalies == legal.anomalies
        assert administrative.expected_letters == legal.expected_letters


def test_the_licence_file_gives_each_reading_the_fold_of_that_mode_with_or_without_stages() -> None:
    records = list(population(300, seed=4))
    assert any(not any(isinstance(f, OffenceEstablished) for f in r.facts) for r in records)
    assert any(isinstance(f, StageCompleted) for r in records for f in r.facts)
    for record in records:
        file = LicenceFile(record)
        stages = frozenset(f.fact_id for f in record.facts if isinstance(f, StageCompleted))
        for mode in (Mode.ADMINISTRATIVE, Mode.LEGAL):
            _same_reading(file.timeline(mode), build_timeline(record, mode))
            if stages:
                _same_reading(file.timeline(mode, stages), build_timeline(_without(record, stages), mode))
