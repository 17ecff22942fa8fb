"""Test data built, not fixtured: literal dates and facts with sensible defaults."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count

from ledger import facts as fact_types
from ledger.facts import LicenceRecord, Speeding
from ledger.values import LetterCode, OffenceClass, StageCase, Training

_ids = count(1)


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    return datetime.combine(d(text), datetime.min.time(), tzinfo=UTC)


def a_licence(obtained_on: str = "1998-06-01", training: Training = Training.TRADITIONAL,
              complementary_training_on: str | None = None, number: str = "120575300123") -> fact_types.LicenceObtained:
    fc = d(complementary_training_on) if complementary_training_on else None
    return fact_types.LicenceObtained(fact_id="licence", recorded_at=at(obtained_on), recorded_by="test",
                           evidence_ref=f"dossier-{number}", licence_number=number, obtained_on=d(obtained_on),
                           training=training, complementary_training_on=fc)


def an_offence(committed_on: str, established_on: str, points: int | None = 4,
               offence_class: OffenceClass | None = OffenceClass.C4, *, fact_id: str | None = None,
               speeding: tuple[int, int] | None = None, kind: str | None = None, interception: str | None = None,
               recorded_on: str | None = None) -> fact_types.OffenceEstablished:
    n = next(_ids)
    if speeding is not None or kind is not None:
        points, offence_class = None, None
    return fact_types.OffenceEstablished(
        fact_id=fact_id or f"o{n}", recorded_at=at(recorded_on or established_on), recorded_by="test",
        evidence_ref=f"PV-{n}", committed_on=d(committed_on), established_on=d(established_on), points=points,
        offence_class=offence_class, speeding=Speeding(*speeding) if speeding else None, offence_kind=kind,
        interception=interception,
    )


def a_stage(first_day: str, *, case: StageCase = StageCase.VOLUNTARY, fact_id: str | None = None,
            recorded_on: str | None = None) -> fact_types.StageCompleted:
    n = next(_ids)
    first = d(first_day)
    last = date.fromordinal(first.toordinal() + 1)
    return fact_types.StageCompleted(fact_id=fact_id or f"s{n}", recorded_at=at(recorded_on or last.isoformat()),
                          recorded_by="test", evidence_ref=f"ATT-{n}", first_day=first, last_day=last, case=case)


def a_letter(code: LetterCode, notified_on: str, *, fact_id: str | None = None) -> fact_types.LetterNotified:
    n = next(_ids)
    return fact_types.LetterNotified(fact_id=fact_id or f"l{n}", recorded_at=at(notified_on), recorded_by="test",
                          evidence_ref=f"LR-{n}", code=code, notified_on=d(notified_on))


def an_annulment(offence_id: str, decided_on: str, *, recorded_on: str | None = None) -> fact_types.OffenceAnnulled:
    n = next(_ids)
    return fact_types.OffenceAnnulled(fact_id=f"a{n}", recorded_at=at(recorded_on or decided_on), recorded_by="test",
                           evidence_ref=f"JUG-{n}", offence_id=offence_id, decided_on=d(decided_on))


def a_surrender(on: str) -> fact_types.LicenceSurrendered:
    n = next(_ids)
    return fact_types.LicenceSurrendered(fact_id=f"r{n}", recorded_at=at(on), recorded_by="test",
                                         evidence_ref=f"REM-{n}", surrendered_on=d(on))


def a_reissue(obtained_on: str, training: Training = Training.TRADITIONAL) -> fact_types.LicenceReissued:
    n = next(_ids)
    return fact_types.LicenceReissued(fact_id=f"n{n}", recorded_at=at(obtained_on), recorded_by="test",
                           evidence_ref=f"NEW-{n}", obtained_on=d(obtained_on), training=training)


def a_rectification(target_id: str, rectified_on: str, *, reason: str = "erreur de saisie",
                    **corrected: date | str) -> fact_types.FactRectified:
    """A rectification of `target_id` recorded on `rectified_on`, correcting the fields given
    (`first_day=d("2024-06-10")`, `agrement="R1"`)."""
    n = next(_ids)
    return fact_types.FactRectified(fact_id=f"c{n}", recorded_at=at(rectified_on), recorded_by="test",
                                    evidence_ref=f"RECT-{n}", rectified_id=target_id, rectified_on=d(rectified_on),
                                    reason=reason, **corrected)  # type: ignore[arg-type]


def a_record(licence: fact_types.LicenceObtained | None = None, *facts: object) -> LicenceRecord:
    return LicenceRecord(licence or a_licence(), tuple(facts))  # type: ignore[arg-type]
