"""Recording a fact twice with the same evidence reference: the first fact's id, nothing written; the same
reference with other content: `EvidenceConflict`, nothing written. On both stores.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from ledger.application import PointsLedger
from ledger.errors import EvidenceConflict
from ledger.storage import storage_env
from ledger.values import LetterCode
from tests.ledger.builders import NUMBER, a_letter, a_licence, a_stage, an_offence
from tests.ledger.stores import application_sequence


def test_the_same_fact_twice_returns_the_first_id_and_writes_nothing(ledger: PointsLedger) -> None:
    ledger.create_licence(a_licence())
    offence = an_offence(evidence_ref="PV-2023-0001")
    first = ledger.record(NUMBER, offence)
    before = application_sequence(ledger)

    again = ledger.record(NUMBER, replace(offence, fact_id="another-id", recorded_by="clerk-99"))

    assert first.created and not again.created
    assert again.fact_id == first.fact_id == offence.fact_id
    assert again.version == first.version
    assert application_sequence(ledger) == before


def test_the_same_evidence_with_other_content_is_a_conflict_and_writes_nothing(ledger: PointsLedger) -> None:
    ledger.create_licence(a_licence())
    offence = an_offence(evidence_ref="PV-2023-0001", points=4)
    ledger.record(NUMBER, offence)
    before = application_sequence(ledger)

    with pytest.raises(EvidenceConflict) as raised:
        ledger.record(NUMBER, replace(offence, fact_id="another-id", points=3))

    assert raised.value.evidence_ref == "PV-2023-0001"
    assert raised.value.existing_fact_id == offence.fact_id
    assert application_sequence(ledger) == before


def test_the_same_evidence_on_a_fact_of_another_type_is_a_conflict(ledger: PointsLedger) -> None:
    ledger.create_licence(a_licence())
    ledger.record(NUMBER, a_stage(evidence_ref="ATT-1"))
    before = application_sequence(ledger)

    with pytest.raises(EvidenceConflict):
        ledger.record(NUMBER, a_letter(LetterCode.L48, evidence_ref="ATT-1"))

    assert application_sequence(ledger) == before


def test_a_repeated_fact_is_recognised_by_a_new_process_on_the_same_store(any_store_url: str) -> None:
    offence = an_offence(evidence_ref="PV-2023-0001")
    first_process = PointsLedger(storage_env(any_store_url))
    first_process.create_licence(a_licence())
    first = first_process.record(NUMBER, offence)
    first_process.close()

    second_process = PointsLedger(storage_env(any_store_url))
    before = application_sequence(second_process)
    again = second_process.record(NUMBER, replace(offence, fact_id="retried-id"))
    after = application_sequence(second_process)
    second_process.close()

    assert (again.fact_id, again.created) == (first.fact_id, False)
    assert after == before


def test_creating_the_same_licence_twice_returns_the_first_recording(ledger: PointsLedger) -> None:
    licence = a_licence(evidence_ref="DOSSIER-1")
    first = ledger.create_licence(licence)
    before = application_sequence(ledger)

    again = ledger.create_licence(replace(licence, fact_id="another-id"))

    assert first.created and not again.created
    assert again.fact_id == licence.fact_id
    assert application_sequence(ledger) == before


def test_a_retried_write_answers_the_version_of_its_fact_not_of_the_stream(ledger: PointsLedger) -> None:
    obtained = a_licence()
    licence = ledger.create_licence(obtained)
    offence = an_offence(evidence_ref="PV-2023-0001")
    first = ledger.record(NUMBER, offence)
    later = ledger.record(NUMBER, an_offence("2023-05-01", "2023-05-20", fact_id="later",
                                             evidence_ref="PV-2023-0002"))

    again = ledger.record(NUMBER, offence)
    licence_again = ledger.create_licence(obtained)

    assert (first.version, later.version) == (2, 3)
    assert not again.created and again.version == first.version == 2
    assert not licence_again.created and licence_again.version == licence.version == 1
