"""The facts of a licence as plain, immutable values: what the law reads.

The event store keeps `ledger.events`; projections turn them into these facts, and the scenario format
(tests/scenarios/FORMAT.md) builds them directly. The law never sees storage types.

Every fact carries when it entered the ledger (`recorded_at`, the "known at" axis), who recorded it and the
evidence behind it, and its legal dates as explicit fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Annotated, Any, TypedDict

from ledger.declaration import Spec
from ledger.values import LICENCE_NUMBER_CHARSET, LetterCode, OffenceClass, StageCase, Training

# Texts that name a thing (an id, an agrément, a licence number): short, on one line.
FACT_ID_PATTERN = r"[A-Za-z0-9._:-]+"
# ASCII letters and digits, with spaces, dots, hyphens or underscores inside (ledger/values.py says why).
LICENCE_NUMBER_PATTERN = LICENCE_NUMBER_CHARSET


@dataclass(frozen=True, slots=True)
class Speeding:
    """A speeding offence as measured: the limit and the excess over it (vitesse retenue), in km/h."""

    limit_kmh: Annotated[int, Spec("vitesse maximale autorisée", ge=1, le=200, unit="km/h")]
    excess_kmh: Annotated[int, Spec("excès de vitesse retenu", ge=1, le=300, unit="km/h")]


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """What every fact carries besides its legal content."""

    fact_id: Annotated[str, Spec("identifiant du fait", json="id", min_length=1, max_length=64,
                                 pattern=FACT_ID_PATTERN)]
    recorded_at: datetime
    recorded_by: Annotated[str, Spec("enregistré par", min_length=1)] = "unknown"
    evidence_ref: Annotated[str, Spec("référence de la pièce justificative")] = ""
    seq: int = 0  # recording order within the licence's stream (ties of recorded_at)

    @property
    def order_key(self) -> tuple[datetime, int, str]:
        """Recording order, independent of the order in which facts are handed to the law: the recording time,
        then the place in the stream; the fact id only breaks ties that neither can (never a legal criterion)."""
        return (self.recorded_at, self.seq, self.fact_id)


class Recording(TypedDict):
    """The fields of `Fact` whoever writes a fact fills in, whatever its type: `LetterNotified(**recording, …)`."""

    fact_id: str
    recorded_at: datetime
    recorded_by: str
    evidence_ref: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenceObtained(Fact):
    """The first licence (R223-1): its date fixes the capital and the probation regime."""

    licence_number: Annotated[str, Spec("numéro du permis", json="number", min_length=1, max_length=64,
                                        pattern=LICENCE_NUMBER_PATTERN,
                                        description="The licence number (no slash, no surrounding spaces).")]
    obtained_on: Annotated[date, Spec("date d'obtention du permis")]
    training: Annotated[Training, Spec("formation (traditionnelle ou AAC)")] = Training.TRADITIONAL
    complementary_training_on: Annotated[date | None, Spec("date de la formation complémentaire")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OffenceEstablished(Fact):
    """An offence whose réalité is established (L223-1): points leave on `established_on` (date de valeur).

    Exactly one of: `points` and `offence_class`; `speeding` (the barème in force decides, R413-14); or
    `offence_kind`, a key of `ledger.law.offence_catalogue` (the barème of that article decides, by date).
    `registered_on` is the day the national file (FNPC) registered the withdrawal, on or after the DV; the
    administrative reading takes it where the legal one takes the DV (docs/law.md, A.22).
    """

    committed_on: Annotated[date, Spec("date de l'infraction")]
    established_on: Annotated[date, Spec("date de valeur", description=(
        "Date de valeur: fine paid, titre exécutoire, composition pénale executed, conviction final."))]
    points: Annotated[int | None, Spec("points retirés", ge=0, le=6, article="L223-2")] = None
    offence_class: Annotated[OffenceClass | None, Spec("classe de l'infraction", json="class")] = None
    speeding: Annotated[Speeding | None, Spec("excès de vitesse")] = None
    interception: Annotated[str | None, Spec("interception", min_length=1, max_length=100)] = None
    description: Annotated[str, Spec("description", max_length=500)] = ""
    natinf: Annotated[str | None, Spec("code NATINF", max_length=20)] = None
    established_by: Annotated[str | None, Spec("mode d'établissement de la réalité de l'infraction",
                                               max_length=50)] = None
    offence_kind: Annotated[str | None, Spec("nature de l'infraction (barème)", json="kind", min_length=1,
                                             max_length=64)] = None
    registered_on: Annotated[date | None, Spec("date d'enregistrement au fichier national", description=(
        "Day the national file (FNPC) registered the withdrawal (date of its letter 48), on or after "
        "established_on; default established_on. Read by the administrative mode only (docs/law.md, A.22)."
    ))] = None  # None: the date de valeur (A.22)


@dataclass(frozen=True, slots=True, kw_only=True)
class StageCompleted(Fact):
    """A two-day stage de sensibilisation (R223-5); it takes effect the day after its last day (R223-8 III)."""

    first_day: Annotated[date, Spec("premier jour du stage")]
    last_day: Annotated[date, Spec("dernier jour du stage")]
    case: Annotated[StageCase, Spec("cas du stage (volontaire ou obligatoire)")] = StageCase.VOLUNTARY
    agrement: Annotated[str | None, Spec("agrément de l'organisateur", min_length=1, max_length=64)] = None
    place: Annotated[str | None, Spec("lieu du stage")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LetterNotified(Fact):
    """A letter of the ministry received (or first presented) on `notified_on` (docs/law.md A.17)."""

    code: Annotated[LetterCode, Spec("lettre")]
    notified_on: Annotated[date, Spec("date de notification")]


@dataclass(frozen=True, slots=True, kw_only=True)
class OffenceAnnulled(Fact):
    """A withdrawal annulled (réclamation, acquittal, judge): void from the start (docs/law.md A.1)."""

    offence_id: Annotated[str, Spec("infraction annulée", json="offence", min_length=1, max_length=64)]
    decided_on: Annotated[date, Spec("date de la décision")]


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenceSurrendered(Fact):
    """The licence handed to the préfet after a 48SI (L223-5): starts the waiting period."""

    surrendered_on: Annotated[date, Spec("date de restitution du permis", json="on")]


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenceReissued(Fact):
    """A new licence obtained after an invalidation: probationary again (L223-1, L223-5)."""

    obtained_on: Annotated[date, Spec("date d'obtention du nouveau permis")]
    training: Annotated[Training, Spec("formation (traditionnelle ou AAC)")] = Training.TRADITIONAL


@dataclass(frozen=True, slots=True, kw_only=True)
class FactRectified(Fact):
    """A clerical error corrected by a new fact, never an edit (issue 13, decision 0061): the corrected fields
    replace the content of the letter, stage or licence `rectified_id` from the start, for whoever reads the
    ledger as known after the rectification; before it, the original stands. An offence is not rectified but
    annulled (and recorded again). Only the fields given (not None) are corrected."""

    rectified_id: Annotated[str, Spec("fait rectifié", json="fact", min_length=1, max_length=64,
                                      pattern=FACT_ID_PATTERN)]
    rectified_on: Annotated[date, Spec("date de la rectification")]
    reason: Annotated[str, Spec("motif de la rectification", min_length=1, max_length=500)]
    obtained_on: Annotated[date | None, Spec("date d'obtention du permis rectifiée")] = None
    first_day: Annotated[date | None, Spec("premier jour du stage rectifié")] = None
    last_day: Annotated[date | None, Spec("dernier jour du stage rectifié")] = None
    agrement: Annotated[str | None, Spec("agrément de l'organisateur rectifié", min_length=1,
                                         max_length=64)] = None
    notified_on: Annotated[date | None, Spec("date de notification rectifiée")] = None

    def corrections(self) -> dict[str, Any]:
        """The corrected fields, by the target's attribute names (the fields given)."""
        return {name: getattr(self, name) for name in CORRECTABLE if getattr(self, name) is not None}


# The fields a rectification may correct: the dates and the agrément of a licence, a stage or a letter.
CORRECTABLE = ("obtained_on", "first_day", "last_day", "agrement", "notified_on")

LegalFact = (
    OffenceEstablished | StageCompleted | LetterNotified | OffenceAnnulled | LicenceSurrendered | LicenceReissued
    | FactRectified
)
AnyFact = LicenceObtained | LegalFact  # every kind of fact, the licence included


@dataclass(frozen=True, slots=True)
class LicenceRecord:
    """One licence's whole file: the licence and every later fact, in any order."""

    licence: LicenceObtained
    facts: tuple[LegalFact, ...] = field(default=())

    @property
    def licence_number(self) -> str:
        return self.licence.licence_number

    def recorded_until(self, moment: datetime | None) -> LicenceRecord:
        """The facts as recorded at or before `moment` (None = everything), rectifications not applied."""
        if moment is None:
            return self
        return LicenceRecord(self.licence, tuple(f for f in self.facts if f.recorded_at <= moment))

    def known_at(self, moment: datetime | None) -> LicenceRecord:
        """The record as the ledger knew it at `moment` (facts recorded at or before it; None = everything),
        with the rectifications known then applied: what the law folds."""
        return self.recorded_until(moment).rectified()

    def rectified(self) -> LicenceRecord:
        """Every rectification applied to its target, in recording order (each sets absolute values, so applying
        them again changes nothing). The rectifications themselves stay in `facts`: the law ignores them and the
        history lists them. Targets were checked when the rectification was recorded (`ledger.validation`)."""
        rectifications = sorted((f for f in self.facts if isinstance(f, FactRectified)), key=lambda f: f.order_key)
        if not rectifications:
            return self
        licence, by_id = self.licence, {f.fact_id: f for f in self.facts}
        for rectification in rectifications:
            target_id, corrections = rectification.rectified_id, rectification.corrections()
            if target_id == licence.fact_id:
                licence = replace(licence, **corrections)
            elif target_id in by_id:
                by_id[target_id] = replace(by_id[target_id], **corrections)
        return LicenceRecord(licence, tuple(by_id[f.fact_id] for f in self.facts))
