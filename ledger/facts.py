"""The facts of a licence as plain, immutable values: what the law reads.

The event store keeps `ledger.events`; projections turn them into these facts, and the scenario format
(tests/scenarios/FORMAT.md) builds them directly. The law never sees storage types.

Every fact carries when it entered the ledger (`recorded_at`, the "known at" axis), who recorded it and the
evidence behind it, and its legal dates as explicit fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypedDict

from ledger.values import LetterCode, OffenceClass, StageCase, Training


@dataclass(frozen=True, slots=True)
class Speeding:
    """A speeding offence as measured: the limit and the excess over it (vitesse retenue), in km/h."""

    limit_kmh: int
    excess_kmh: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """What every fact carries besides its legal content."""

    fact_id: str
    recorded_at: datetime
    recorded_by: str = "unknown"
    evidence_ref: str = ""
    seq: int = 0  # recording order within the licence's stream (ties of recorded_at)

    @property
    def order_key(self) -> tuple[datetime, str, int]:
        """Recording order, independent of the order in which facts are handed to the law."""
        return (self.recorded_at, self.fact_id, self.seq)


class Recording(TypedDict):
    """The fields of `Fact` whoever writes a fact fills in, whatever its type: `LetterNotified(**recording, …)`."""

    fact_id: str
    recorded_at: datetime
    recorded_by: str
    evidence_ref: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenceObtained(Fact):
    """The first licence (R223-1): its date fixes the capital and the probation regime."""

    licence_number: str
    obtained_on: date
    training: Training = Training.TRADITIONAL
    complementary_training_on: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OffenceEstablished(Fact):
    """An offence whose réalité is established (L223-1): points leave on `established_on` (date de valeur).

    Exactly one of: `points` and `offence_class`; `speeding` (the barème in force decides, R413-14); or
    `offence_kind`, a key of `ledger.law.offence_catalogue` (the barème of that article decides, by date).
    `registered_on` is the day the national file (FNPC) registered the withdrawal, on or after the DV; the
    administrative reading takes it where the legal one takes the DV (docs/law.md, A.22).
    """

    committed_on: date
    established_on: date
    points: int | None = None
    offence_class: OffenceClass | None = None
    speeding: Speeding | None = None
    interception: str | None = None
    description: str = ""
    natinf: str | None = None
    established_by: str | None = None
    offence_kind: str | None = None
    registered_on: date | None = None  # the national file's registration (letter 48); None: the DV (A.22)


@dataclass(frozen=True, slots=True, kw_only=True)
class StageCompleted(Fact):
    """A two-day stage de sensibilisation (R223-5); it takes effect the day after its last day (R223-8 III)."""

    first_day: date
    last_day: date
    case: StageCase = StageCase.VOLUNTARY
    agrement: str | None = None
    place: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LetterNotified(Fact):
    """A letter of the ministry received (or first presented) on `notified_on` (docs/law.md A.17)."""

    code: LetterCode
    notified_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class OffenceAnnulled(Fact):
    """A withdrawal annulled (réclamation, acquittal, judge): void from the start (docs/law.md A.1)."""

    offence_id: str
    decided_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenceSurrendered(Fact):
    """The licence handed to the préfet after a 48SI (L223-5): starts the waiting period."""

    surrendered_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenceReissued(Fact):
    """A new licence obtained after an invalidation: probationary again (L223-1, L223-5)."""

    obtained_on: date
    training: Training = Training.TRADITIONAL


LegalFact = (
    OffenceEstablished | StageCompleted | LetterNotified | OffenceAnnulled | LicenceSurrendered | LicenceReissued
)


@dataclass(frozen=True, slots=True)
class LicenceRecord:
    """One licence's whole file: the licence and every later fact, in any order."""

    licence: LicenceObtained
    facts: tuple[LegalFact, ...] = field(default=())

    @property
    def licence_number(self) -> str:
        return self.licence.licence_number

    def known_at(self, moment: datetime | None) -> LicenceRecord:
        """The record as the ledger knew it at `moment` (facts recorded at or before it); None = everything."""
        if moment is None:
            return self
        return LicenceRecord(self.licence, tuple(f for f in self.facts if f.recorded_at <= moment))
