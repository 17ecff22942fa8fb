"""A subclass of `PointsLedger` (the service's `ObservedLedger`) reads and writes the same store."""

from __future__ import annotations

from api.observed_ledger import ObservedLedger
from ledger.application import PointsLedger
from ledger.storage import storage_env
from tests.ledger.builders import a_licence, an_offence


def test_a_subclass_of_the_ledger_reads_what_the_ledger_wrote_and_writes_to_the_same_stream(
    any_store_url: str
) -> None:
    ledger = PointsLedger(storage_env(any_store_url))
    licence = ledger.create_licence(a_licence())
    observed = ObservedLedger(storage_env(any_store_url))
    try:
        written = observed.record(licence.licence_number, an_offence(fact_id="o-1"))
        assert written.version == 2
        assert [f.fact_id for f in ledger.get_record(licence.licence_number).facts] == ["o-1"]
    finally:
        observed.close()
        ledger.close()
