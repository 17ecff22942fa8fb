"""Licence records that pass every check and hold every kind of fact with unusual values: accents and symbols,
control characters, quotes and backslashes, every optional field set, every optional field left out, each
training, stage case and letter code, recording times naive, in UTC with microseconds, and in another zone.

Shared by the tests of the state writers (tests/ledger/test_fact_writers.py) and of the bulk import on both
stores (tests/bulk/test_bulk_equivalence.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ledger.facts import FactRectified, LicenceRecord, Speeding
from ledger.values import LetterCode, OffenceClass, StageCase, Training
from tests.ledger.builders import (
    a_letter,
    a_licence,
    a_reissue,
    a_stage,
    a_surrender,
    an_annulment,
    an_offence,
    d,
)

ODD_TEXT = "Agnès «Lévêque» — l'Hérault\t\"quoted\" \\ back\u2028sep \x01 ☃ 𝄞"
AT = datetime(2024, 3, 5, 9, 30, 15, 123456, tzinfo=UTC)


def every_optional_set() -> LicenceRecord:
    """Each kind with every optional field it may carry set, and accented, quoted, controlled text."""
    licence = a_licence("12AB 34.CD-56_EF", obtained_on="2019-01-15", training=Training.AAC,
                        complementary_training_on=d("2019-09-01"), recorded_by=ODD_TEXT, evidence_ref="ANTS é/1",
                        recorded_at=AT)
    offence = an_offence("2023-03-10", "2023-03-20", points=2, offence_class=OffenceClass.C3, interception="oui",
                         description=ODD_TEXT, natinf="20152", established_by="fine_paid",
                         registered_on=d("2023-04-02"), recorded_at=AT + timedelta(days=1), recorded_by=ODD_TEXT,
                         evidence_ref="PV — 2023 n° 1")
    speeding = an_offence("2023-05-02", "2023-05-30", points=None, offence_class=None,
                          speeding=Speeding(200, 300), interception="non", description="", natinf=None,
                          recorded_at=AT + timedelta(days=2))
    by_kind = an_offence("2023-06-02", "2023-06-30", points=None, offence_class=None,
                         offence_kind="continuous_line_crossing", recorded_at=AT + timedelta(days=3))
    delit = an_offence("2023-07-02", "2023-07-30", points=6, offence_class=OffenceClass.DELIT,
                       recorded_at=AT + timedelta(days=4))
    stage = a_stage("2023-08-01", "2023-08-02", case=StageCase.MANDATORY, agrement="R2307500010",
                    place=ODD_TEXT, recorded_at=AT + timedelta(days=5))
    letters = [a_letter(code, f"2023-09-0{i + 1}", recorded_at=AT + timedelta(days=6 + i))
               for i, code in enumerate(LetterCode)]
    annulment = an_annulment(offence.fact_id, "2023-10-01", recorded_at=AT + timedelta(days=12))
    surrender = a_surrender("2023-10-10", recorded_at=AT + timedelta(days=13))
    reissue = a_reissue("2024-06-01", training=Training.AAC, recorded_at=AT + timedelta(days=14))
    moment = AT + timedelta(days=15)
    rectifications = [
        FactRectified(fact_id="r-stage", recorded_at=moment, recorded_by=ODD_TEXT, evidence_ref="RECT-1",
                      rectified_id=stage.fact_id, rectified_on=d("2024-07-01"), reason=ODD_TEXT,
                      first_day=d("2023-08-03"), last_day=d("2023-08-04"), agrement="R9"),
        FactRectified(fact_id="r-letter", recorded_at=moment + timedelta(seconds=1), evidence_ref="RECT-2",
                      rectified_id=letters[0].fact_id, rectified_on=d("2024-07-02"), reason="date",
                      notified_on=d("2023-09-11")),
        FactRectified(fact_id="r-licence", recorded_at=moment + timedelta(seconds=2), evidence_ref="RECT-3",
                      rectified_id=licence.fact_id, rectified_on=d("2024-07-03"), reason="date",
                      obtained_on=d("2019-01-16")),
    ]
    return LicenceRecord(licence, (offence, speeding, by_kind, delit, stage, *letters, annulment, surrender,
                                   reissue, *rectifications))


def every_optional_left_out() -> LicenceRecord:
    """Each kind with every optional field left to None (or its default), recorded at naive times."""
    naive = datetime(2022, 2, 2, 2, 2, 2)  # a naive recording time is stored as it is
    licence = a_licence("120675000001", recorded_at=naive, complementary_training_on=None)
    offence = an_offence(interception=None, natinf=None, established_by=None, registered_on=None, description="",
                         recorded_at=naive + timedelta(hours=1))
    stage = a_stage(agrement=None, place=None, recorded_at=naive + timedelta(hours=2))
    letter = a_letter(LetterCode.L48SI, "2023-09-01", recorded_at=naive + timedelta(hours=3))
    return LicenceRecord(licence, (offence, stage, letter))


def recorded_in_another_zone() -> LicenceRecord:
    """Recording times in UTC+02:00: written as the library writes them (the generic way)."""
    zone = timezone(timedelta(hours=2))
    at = datetime(2024, 5, 1, 10, 0, tzinfo=zone)
    licence = a_licence("120675000002", recorded_at=at)
    return LicenceRecord(licence, (an_offence(recorded_at=at + timedelta(hours=1)),
                                   a_stage(recorded_at=at + timedelta(hours=2))))


def unusual_records() -> list[LicenceRecord]:
    return [every_optional_set(), every_optional_left_out(), recorded_in_another_zone()]
