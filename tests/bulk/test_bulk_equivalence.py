"""The bulk import's direct path writes exactly what the aggregate and the mapper write, byte for byte; a ledger
filled in bulk and one filled fact by fact (the same recording times) fold to the same balances and export the
same lines, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import eventsourcing.domain
import pytest

from benchmarks.population import population
from ledger.application import PointsLedger
from ledger.bulk_import import BulkImporter, licence_events
from ledger.bulk_rows import licence_rows
from ledger.checkpoints import Head, heads_at, root_of
from ledger.errors import LedgerError
from ledger.fact_writers import state_writers
from ledger.facts import LicenceRecord
from ledger.licence import licence_id
from ledger.storage import storage_env
from ledger.transfer import export_events
from ledger.verify import verify
from projections.balance import balance_as_of
from tests.conftest import StoreFactory
from tests.ledger.builders import a_licence, a_speeding, a_stage, an_offence
from tests.ledger.unusual_records import unusual_records

DAYS = (date(2005, 1, 1), date(2015, 6, 30), date(2021, 3, 1), date(2024, 12, 31))


@pytest.fixture(scope="module")
def records() -> list[LicenceRecord]:
    generated = list(population(150, seed=5))
    offence = an_offence(evidence_ref="PV-TWICE")
    edge = LicenceRecord(a_licence("120675999999"), (offence, replace(offence, fact_id="copy"), a_speeding(),
                                                        a_stage(place=None, agrement=None)))
    return [*generated, edge]


@pytest.fixture
def ledger_of(new_store_url: StoreFactory) -> Iterator[Any]:
    opened: list[PointsLedger] = []

    def make(kind: str) -> PointsLedger:
        opened.append(PointsLedger(storage_env(new_store_url(kind))))
        return opened[-1]

    yield make
    for ledger in opened:
        ledger.close()


@pytest.mark.parametrize("written", ["by each kind's writer", "the generic way"])
def test_the_direct_rows_are_the_mappers_rows_byte_for_byte(records: list[LicenceRecord], written: str) -> None:
    ledger = PointsLedger({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    transcoder = ledger.mapper.transcoder
    writers = state_writers(transcoder) if written == "by each kind's writer" else None
    for record in [*records, *unusual_records()]:
        expected = [ledger.mapper.to_stored_event(e) for e in licence_events(record)]
        rows = licence_rows(record, transcoder.encode, writers)
        assert rows == [(e.originator_id, e.originator_version, e.topic, e.state) for e in expected]


def test_a_record_the_aggregate_refuses_is_refused_alike_by_the_direct_path(records: list[LicenceRecord]) -> None:
    offence = an_offence(evidence_ref="PV-CLASH")
    clash = LicenceRecord(a_licence(), (offence, replace(offence, fact_id="other", points=1)))
    late = LicenceRecord(a_licence(), (an_offence(committed_on="2024-02-01", established_on="2024-01-01"),))
    for record in (clash, late):
        with pytest.raises(LedgerError) as by_aggregate:
            licence_events(record)
        with pytest.raises(LedgerError) as direct:
            licence_rows(record, lambda state: b"")
        assert str(direct.value) == str(by_aggregate.value)
        assert type(direct.value) is type(by_aggregate.value)


def _one_by_one(ledger: PointsLedger, records: list[LicenceRecord], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each fact through `create_licence`/`record`, the library's clock pinned to the fact's recording time."""
    clock: list[datetime] = []
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: clock[-1])
    for record in records:
        clock.append(record.licence.recorded_at)
        ledger.create_licence(record.licence)
        for fact in sorted(record.facts, key=lambda f: f.order_key):
            clock.append(fact.recorded_at)
            ledger.record(record.licence.licence_number, fact)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_bulk_import_folds_and_exports_exactly_like_the_facts_recorded_one_by_one(
    kind: str, workers: int, ledger_of: Any, records: list[LicenceRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk, normal = ledger_of(kind), ledger_of(kind)
    report = BulkImporter(bulk, batch_size=40, workers=workers).run(records)
    assert report.licences_written == len(records) and not report.rejected
    _one_by_one(normal, records, monkeypatch)

    for record in records:
        number = record.licence.licence_number.strip()
        for day in DAYS:
            assert balance_as_of(bulk.get_record(number), day) == balance_as_of(normal.get_record(number), day)
    exported = [io.StringIO(), io.StringIO()]
    export_events(bulk, exported[0])
    export_events(normal, exported[1])
    assert exported[0].getvalue() == exported[1].getvalue()
    assert exported[0].getvalue().count("\n") == sum(1 + len(r.facts) for r in records) - 1  # one twice-sent
    # The chain rows the import packs itself (PostgreSQL) are those the recorder computes: every chain verifies,
    # and both ledgers have the same heads, hence the same Merkle root.
    assert verify(bulk.recorder).ok and verify(normal.recorder).ok
    assert _heads(bulk) == _heads(normal)
    assert root_of(_heads(bulk)) == root_of(_heads(normal))


def _heads(ledger: PointsLedger) -> list[Head]:
    with ledger.recorder.datastore.transaction(commit=False) as curs:
        return heads_at(curs, ledger.recorder, 2**62)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_unusual_values_are_stored_with_the_same_bytes_in_bulk_as_one_by_one(
    kind: str, ledger_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = unusual_records()
    bulk, normal = ledger_of(kind), ledger_of(kind)
    report = BulkImporter(bulk, batch_size=2).run(records)
    assert report.licences_written == len(records) and not report.rejected
    _one_by_one(normal, records, monkeypatch)

    for record in records:
        stream = licence_id(record.licence.licence_number)
        stored = [[(e.originator_version, e.topic, e.state) for e in ledger.recorder.select_events(stream)]
                  for ledger in (bulk, normal)]
        assert len(stored[0]) == 1 + len(record.facts)
        assert stored[0] == stored[1]
    assert verify(bulk.recorder).ok
    assert _heads(bulk) == _heads(normal)
