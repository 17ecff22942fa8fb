"""Facts built with sensible defaults, so a test states only what it is about (dates are literal).

Every builder gives a fresh `fact_id` and a fresh `evidence_ref` unless told otherwise, so two calls build two
distinct facts; pass `evidence_ref=` to test idempotency.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

from ledger import facts as fact_types
from ledger.facts import Speeding
from ledger.values import LetterCode, OffenceClass, StageCase, Training

NUMBER = "120675123456"
RECORDED_AT = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def d(text: str) -> date:
    """A literal date: d("2024-03-01")."""
    return date.fromisoformat(text)


def _common(prefix: str, overrides: dict[str, Any]) -> dict[str, Any]:
    unique = uuid4().hex
    common: dict[str, Any] = {"fact_id": f"{prefix}-{unique[:12]}", "recorded_at": RECORDED_AT,
                              "recorded_by": "clerk-17", "evidence_ref": f"{prefix.upper()}-{unique[12:24]}"}
    common.update(overrides)
    return common


def a_licence(number: str = NUMBER, obtained_on: str = "2010-06-01", **overrides: Any) -> fact_types.LicenceObtained:
    values: dict[str, Any] = {"licence_number": number, "obtained_on": d(obtained_on),
                              "training": Training.TRADITIONAL, "complementary_training_on": None}
    values.update(_common("licence", overrides))
    values.update(overrides)
    return fact_types.LicenceObtained(**values)


def an_offence(committed_on: str = "2023-03-10", established_on: str = "2023-03-20", points: int | None = 4,
               offence_class: OffenceClass | None = OffenceClass.C4, **overrides: Any) -> fact_types.OffenceEstablished:
    values: dict[str, Any] = {"committed_on": d(committed_on), "established_on": d(established_on),
                              "points": points, "offence_class": offence_class,
                              "description": "feu rouge (R412-30)", "natinf": "20152"}
    values.update(_common("pv", overrides))
    values.update(overrides)
    return fact_types.OffenceEstablished(**values)


def a_speeding(committed_on: str = "2023-05-02", established_on: str = "2023-05-30", limit_kmh: int = 80,
               excess_kmh: int = 12, **overrides: Any) -> fact_types.OffenceEstablished:
    return an_offence(committed_on, established_on, points=None, offence_class=None,
                      speeding=Speeding(limit_kmh, excess_kmh), description="excès de vitesse", **overrides)


def a_stage(first_day: str = "2023-06-01", last_day: str = "2023-06-02",
            case: StageCase = StageCase.VOLUNTARY, **overrides: Any) -> fact_types.StageCompleted:
    values: dict[str, Any] = {"first_day": d(first_day), "last_day": d(last_day), "case": case,
                              "agrement": "R2307500010", "place": "Paris 15e"}
    values.update(_common("attestation", overrides))
    values.update(overrides)
    return fact_types.StageCompleted(**values)


def a_letter(code: LetterCode = LetterCode.L48, notified_on: str = "2023-04-01",
             **overrides: Any) -> fact_types.LetterNotified:
    values: dict[str, Any] = {"code": code, "notified_on": d(notified_on)}
    values.update(_common("letter", overrides))
    values.update(overrides)
    return fact_types.LetterNotified(**values)


def an_annulment(offence_id: str, decided_on: str = "2023-09-01", **overrides: Any) -> fact_types.OffenceAnnulled:
    values: dict[str, Any] = {"offence_id": offence_id, "decided_on": d(decided_on)}
    values.update(_common("decision", overrides))
    values.update(overrides)
    return fact_types.OffenceAnnulled(**values)


def a_surrender(surrendered_on: str = "2023-10-10", **overrides: Any) -> fact_types.LicenceSurrendered:
    values: dict[str, Any] = {"surrendered_on": d(surrendered_on)}
    values.update(_common("surrender", overrides))
    values.update(overrides)
    return fact_types.LicenceSurrendered(**values)


def a_reissue(obtained_on: str = "2024-06-01", training: Training = Training.TRADITIONAL,
              **overrides: Any) -> fact_types.LicenceReissued:
    values: dict[str, Any] = {"obtained_on": d(obtained_on), "training": training}
    values.update(_common("reissue", overrides))
    values.update(overrides)
    return fact_types.LicenceReissued(**values)
