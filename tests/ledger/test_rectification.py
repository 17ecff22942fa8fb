"""A rectification is stored as a new event (the original kept as written) and read back by the projections as
of when it is known: the corrected licence or stage from the start after it, the original before. On both
stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledger.application import PointsLedger
from ledger.errors import InvalidFact
from ledger.facts import FactRectified, LicenceRecord, StageCompleted
from projections.balance import balance_as_of
from tests.ledger.builders import NUMBER, a_licence, a_stage, an_offence, d
from tests.ledger.stores import application_sequence

RECTIFIED_AT = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)


def just_before_the_rectification(record: LicenceRecord) -> datetime:
    """The store stamps each event when it writes it: the moment before the last one (the rectification)."""
    return record.facts[-1].recorded_at - timedelta(microseconds=1)


def a_rectification(target_id: str, **corrected: Any) -> FactRectified:
    return FactRectified(fact_id=f"rect-{target_id}", recorded_at=RECTIFIED_AT, recorded_by="prefecture-75",
                         evidence_ref=f"RECT-{target_id}", rectified_id=target_id, rectified_on=d("2024-02-01"),
                         reason="erreur matérielle de saisie", **corrected)


def test_a_rectified_licence_date_changes_the_capital_only_as_known_after_it(ledger: PointsLedger) -> None:
    licence = a_licence(obtained_on="2010-06-01")
    ledger.create_licence(licence)

    ledger.record(NUMBER, a_rectification(licence.fact_id, obtained_on=d("2021-06-01")))
    record = ledger.get_record(NUMBER)

    assert record.licence.obtained_on == d("2010-06-01")  # the stored licence is as it was written
    assert record.known_at(None).licence.obtained_on == d("2021-06-01")
    assert balance_as_of(record, d("2021-07-01")).points == 6  # probationary capital (L223-1)
    assert balance_as_of(record, d("2021-07-01"), known_at=just_before_the_rectification(record)).points == 12


def test_a_rectified_stage_credits_its_corrected_days_and_the_original_stays_stored(ledger: PointsLedger) -> None:
    ledger.create_licence(a_licence())
    ledger.record(NUMBER, an_offence("2023-03-10", "2023-03-20", points=4))
    stage = a_stage("2023-06-01", "2023-06-02")
    ledger.record(NUMBER, stage)

    ledger.record(NUMBER, a_rectification(stage.fact_id, first_day=d("2023-06-10"), last_day=d("2023-06-11")))
    record = ledger.get_record(NUMBER)

    stored = [f for f in record.facts if isinstance(f, StageCompleted)]
    assert [s.first_day for s in stored] == [d("2023-06-01")]
    assert [type(f).__name__ for f in record.facts][-1] == "FactRectified"
    assert balance_as_of(record, d("2023-06-05")).points == 8
    assert balance_as_of(record, d("2023-06-12")).points == 12
    assert balance_as_of(record, d("2023-06-05"), known_at=just_before_the_rectification(record)).points == 12


@pytest.mark.parametrize(("target", "corrected", "field"), [
    ("nothing-here", {"first_day": d("2023-06-10"), "last_day": d("2023-06-11")}, "fact"),
    ("offence", {"first_day": d("2023-06-10"), "last_day": d("2023-06-11")}, "fact"),
    ("stage", {"first_day": d("2023-06-10")}, "last_day"),
    ("licence", {"first_day": d("2023-06-10"), "last_day": d("2023-06-11")}, "first_day"),
    ("licence", {"obtained_on": d("2300-01-01")}, "obtained_on"),
], ids=["unknown target", "offence", "stage not two days", "field the licence lacks", "date out of range"])
def test_a_bad_rectification_raises_naming_the_field_and_writes_nothing(
    ledger: PointsLedger, target: str, corrected: dict[str, Any], field: str
) -> None:
    licence = a_licence()
    ledger.create_licence(licence)
    offence, stage = an_offence(), a_stage()
    ledger.record(NUMBER, offence)
    ledger.record(NUMBER, stage)
    ids = {"offence": offence.fact_id, "stage": stage.fact_id, "licence": licence.fact_id}
    before = application_sequence(ledger)

    with pytest.raises(InvalidFact) as raised:
        ledger.record(NUMBER, a_rectification(ids.get(target, target), **corrected))

    assert raised.value.field == field
    assert application_sequence(ledger) == before


def test_known_at_none_applies_every_rectification_in_recording_order() -> None:
    licence = a_licence(obtained_on="2010-06-01")
    first = a_rectification(licence.fact_id, obtained_on=d("2011-06-01"))
    second = replace(first, fact_id="rect-2", recorded_at=RECTIFIED_AT + timedelta(hours=1),
                     obtained_on=d("2012-06-01"))

    record = LicenceRecord(licence, (second, first))

    assert record.known_at(None).licence.obtained_on == d("2012-06-01")
    assert record.known_at(RECTIFIED_AT).licence.obtained_on == d("2011-06-01")
