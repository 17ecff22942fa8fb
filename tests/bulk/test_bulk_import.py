"""The bulk import writes what normal recording writes, once, and picks up where a crash left it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, replace
from datetime import timedelta
from typing import Any

import pytest

from benchmarks.population import population
from ledger.application import PointsLedger
from ledger.bulk_import import BulkImporter
from ledger.facts import LicenceRecord, StageCompleted
from ledger.storage import storage_env

SIZE = 60


@pytest.fixture(scope="module")
def records() -> list[LicenceRecord]:
    return list(population(SIZE, seed=11))


@pytest.fixture
def store(any_store_url: str) -> Iterator[PointsLedger]:
    ledger = PointsLedger(storage_env(any_store_url))
    yield ledger
    ledger.close()


def content(record: LicenceRecord) -> list[dict[str, Any]]:
    """Every fact's fields but the recording time (normal recording stamps the time it runs)."""
    return [{k: v for k, v in asdict(f).items() if k != "recorded_at"} for f in (record.licence, *record.facts)]


def test_a_bulk_import_reads_back_exactly_like_the_same_facts_recorded_one_by_one(
    any_store_url: str, new_store_url: Any, records: list[LicenceRecord]
) -> None:
    bulk = PointsLedger(storage_env(any_store_url))
    normal = PointsLedger(storage_env(new_store_url("sqlite")))
    try:
        report = BulkImporter(bulk, batch_size=7).run(records)
        for record in records:
            normal.create_licence(record.licence)
            for fact in record.facts:
                normal.record(record.licence.licence_number, fact)
        assert report.licences_written == SIZE
        assert report.events_written == sum(1 + len(r.facts) for r in records)
        for record in records:
            number = record.licence.licence_number
            assert content(bulk.get_record(number)) == content(normal.get_record(number))
            assert [type(e) for e in bulk.licence_events(number)] == [type(e) for e in normal.licence_events(number)]
            assert bulk.get_record(number) == record  # recording times kept as the national file had them
    finally:
        bulk.close()
        normal.close()


def test_importing_the_same_records_again_writes_nothing(store: PointsLedger, records: list[LicenceRecord]) -> None:
    BulkImporter(store, batch_size=16).run(records)
    before = [n.id for n in store.notifications()]
    again = BulkImporter(store, batch_size=9).run(records)
    assert (again.licences_written, again.events_written, again.licences_present) == (0, 0, SIZE)
    assert [n.id for n in store.notifications()] == before


class Crash(Exception):
    pass


def test_an_import_that_crashed_mid_way_resumes_and_ends_as_a_clean_import(
    store: PointsLedger, records: list[LicenceRecord]
) -> None:
    def crashing(after: int) -> Iterator[LicenceRecord]:
        for i, record in enumerate(records):
            if i == after:
                raise Crash
            yield record

    with pytest.raises(Crash):
        BulkImporter(store, batch_size=10).run(crashing(after=35))
    # three whole batches; the fourth was never committed
    assert len({n.originator_id for n in store.notifications()}) == 30
    resumed = BulkImporter(store, batch_size=10).run(records)
    assert (resumed.licences_present, resumed.licences_written) == (30, SIZE - 30)
    for record in records:
        assert store.get_record(record.licence.licence_number) == record


def test_a_batch_that_failed_while_writing_leaves_nothing_behind_and_is_written_on_the_next_run(
    store: PointsLedger, records: list[LicenceRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    importer = BulkImporter(store, batch_size=20)
    calls = {"n": 0}
    original = BulkImporter._write

    def failing_second_write(self: BulkImporter, prepared: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise Crash
        return original(self, prepared)

    monkeypatch.setattr(BulkImporter, "_write", failing_second_write)
    with pytest.raises(Crash):
        importer.run(records)
    monkeypatch.setattr(BulkImporter, "_write", original)
    assert len({n.originator_id for n in store.notifications()}) == 20
    report = BulkImporter(store, batch_size=20).run(records)
    assert (report.licences_present, report.licences_written) == (20, SIZE - 20)


def test_an_invalid_licence_is_rejected_whole_with_its_field_and_the_others_are_written(
    store: PointsLedger, records: list[LicenceRecord]
) -> None:
    broken = next(r for r in records if any(isinstance(f, StageCompleted) for f in r.facts))
    bad_facts = tuple(replace(f, last_day=f.first_day + timedelta(days=3)) if isinstance(f, StageCompleted) else f
                      for f in broken.facts)
    batch = [replace(broken, facts=bad_facts) if r is broken else r for r in records]
    report = BulkImporter(store, batch_size=25).run(batch)
    assert [(r.licence_number, r.field) for r in report.rejected] == [(broken.licence_number, "last_day")]
    assert report.licences_written == SIZE - 1
    assert not store.exists(broken.licence_number)


def test_one_evidence_reference_for_two_different_facts_rejects_the_licence(
    store: PointsLedger, records: list[LicenceRecord]
) -> None:
    licence = next(r for r in records if len(r.facts) >= 2)
    first, second = licence.facts[0], licence.facts[1]
    clash = replace(licence, facts=(first, replace(second, evidence_ref=first.evidence_ref), *licence.facts[2:]))
    report = BulkImporter(store).run([clash])
    assert [(r.licence_number, r.field) for r in report.rejected] == [(licence.licence_number, "evidence_ref")]
    assert not store.exists(licence.licence_number)


def test_a_licence_already_recorded_through_the_application_is_left_untouched(
    store: PointsLedger, records: list[LicenceRecord]
) -> None:
    first = records[0]
    store.create_licence(first.licence)
    report = BulkImporter(store).run(records)
    assert report.licences_present == 1
    assert store.version_of(first.licence_number) == 1
