"""The licences `points-ledger demo` records: five realistic files, one per kind of life a licence can have.

The data are fictitious but lawful: each file is something the ledger can receive in real life (dates in
order, letters after the withdrawals that cause them, a surrender after a 48SI, a new licence six months
later). Fact ids are derived from the licence number and the evidence reference, and evidence references are
fixed, so running the demo twice records nothing the second time (the ledger is idempotent by evidence).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import NAMESPACE_URL, uuid5

from ledger import facts as fact_types
from ledger.facts import LegalFact, Recording, Speeding
from ledger.values import EstablishedBy, LetterCode, OffenceClass, StageCase, Training

DEMO_NAMESPACE = uuid5(NAMESPACE_URL, "https://points-ledger.example/demo")
RECORDED_BY = "demo"


@dataclass(frozen=True, slots=True)
class DemoLicence:
    """A licence and its facts, in the order a clerk would record them."""

    title: str
    licence: fact_types.LicenceObtained
    facts: tuple[LegalFact, ...]


def demo_fact_id(licence_number: str, evidence_ref: str) -> str:
    """A stable id, so an annulment can name its offence and a second run finds the same facts."""
    return uuid5(DEMO_NAMESPACE, f"{licence_number}/{evidence_ref}").hex


def d(text: str) -> date:
    return date.fromisoformat(text)


class _Builder:
    """Builds one licence's facts with the common fields filled in."""

    def __init__(self, number: str, recorded_at: datetime) -> None:
        self.number = number
        self.recorded_at = recorded_at

    def _recording(self, evidence_ref: str) -> Recording:
        return Recording(fact_id=demo_fact_id(self.number, evidence_ref), recorded_at=self.recorded_at,
                         recorded_by=RECORDED_BY, evidence_ref=evidence_ref)

    def licence(self, evidence_ref: str, obtained_on: str, training: Training = Training.TRADITIONAL,
                complementary_training_on: str | None = None) -> fact_types.LicenceObtained:
        return fact_types.LicenceObtained(
            **self._recording(evidence_ref), licence_number=self.number, obtained_on=d(obtained_on),
            training=training,
            complementary_training_on=d(complementary_training_on) if complementary_training_on else None,
        )

    def offence(self, evidence_ref: str, committed_on: str, established_on: str, description: str, *,
                points: int | None = None, offence_class: OffenceClass | None = None,
                speeding: Speeding | None = None, natinf: str | None = None,
                established_by: EstablishedBy = EstablishedBy.FINE_PAID) -> fact_types.OffenceEstablished:
        return fact_types.OffenceEstablished(
            **self._recording(evidence_ref), committed_on=d(committed_on), established_on=d(established_on),
            points=points, offence_class=offence_class, speeding=speeding, description=description,
            natinf=natinf, established_by=established_by.value,
        )

    def stage(self, evidence_ref: str, first_day: str, case: StageCase, place: str) -> fact_types.StageCompleted:
        first = d(first_day)
        return fact_types.StageCompleted(
            **self._recording(evidence_ref), first_day=first, last_day=date.fromordinal(first.toordinal() + 1),
            case=case, agrement="R2307500010", place=place,
        )

    def letter(self, evidence_ref: str, code: LetterCode, notified_on: str) -> fact_types.LetterNotified:
        return fact_types.LetterNotified(**self._recording(evidence_ref), code=code, notified_on=d(notified_on))

    def surrender(self, evidence_ref: str, surrendered_on: str) -> fact_types.LicenceSurrendered:
        return fact_types.LicenceSurrendered(**self._recording(evidence_ref), surrendered_on=d(surrendered_on))

    def reissue(self, evidence_ref: str, obtained_on: str) -> fact_types.LicenceReissued:
        return fact_types.LicenceReissued(**self._recording(evidence_ref), obtained_on=d(obtained_on),
                               training=Training.TRADITIONAL)

    def annulment(self, evidence_ref: str, offence_evidence_ref: str, decided_on: str) -> fact_types.OffenceAnnulled:
        return fact_types.OffenceAnnulled(
            **self._recording(evidence_ref), offence_id=demo_fact_id(self.number, offence_evidence_ref),
            decided_on=d(decided_on),
        )


def demo_licences(recorded_at: datetime) -> tuple[DemoLicence, ...]:
    """The demo's licences; `recorded_at` is when the command runs (the ledger stamps its own time anyway)."""
    return tuple(build(recorded_at) for build in (_standard, _probation, _invalidated, _annulled, _aac))


def _standard(recorded_at: datetime) -> DemoLicence:
    standard = _Builder("100975312481", recorded_at)
    return DemoLicence(
        "Standard licence: two offences, then a voluntary stage",
        standard.licence("DOSSIER-2009-05-14-0481", "2009-05-14"),
        (
            standard.offence("PV-2024-0210-118734", "2024-02-10", "2024-03-05",
                             "excès de vitesse < 20 km/h hors agglomération (R413-14)",
                             speeding=Speeding(80, 12), natinf="11302"),
            standard.offence("PV-2024-0921-552310", "2024-09-21", "2024-10-15",
                             "usage d'un téléphone tenu en main (R412-6-1)",
                             points=3, offence_class=OffenceClass.C4, natinf="23193"),
            standard.letter("LETTRE-48-2024-771205", LetterCode.L48, "2024-10-28"),
            standard.stage("ATTESTATION-2025-031301", "2025-03-13", StageCase.VOLUNTARY, "Lyon 3e"),
        ),
    )


def _probation(recorded_at: datetime) -> DemoLicence:
    probation = _Builder("230775004512", recorded_at)
    return DemoLicence(
        "Probationary licence: a 3-point offence, letter 48N, mandatory stage",
        probation.licence("DOSSIER-2023-07-03-1207", "2023-07-03"),
        (
            probation.offence("PV-2024-0412-907761", "2024-04-12", "2024-05-02",
                              "franchissement d'une ligne continue (R412-19)",
                              points=3, offence_class=OffenceClass.C4, natinf="7155"),
            probation.letter("LETTRE-48N-2024-118802", LetterCode.L48N, "2024-05-21"),
            probation.stage("ATTESTATION-2024-070801", "2024-07-08", StageCase.MANDATORY, "Nantes"),
        ),
    )


def _invalidated(recorded_at: datetime) -> DemoLicence:
    invalidated = _Builder("150669104203", recorded_at)
    return DemoLicence(
        "Licence invalidated (balance nil, 48SI), surrendered, then a new licence six months later",
        invalidated.licence("DOSSIER-2015-03-02-6690", "2015-03-02"),
        (
            invalidated.offence("PV-2022-0115-330417", "2022-01-15", "2022-06-30",
                                "conduite sous l'empire d'un état alcoolique (L234-1)",
                                points=6, offence_class=OffenceClass.DELIT, natinf="10100",
                                established_by=EstablishedBy.CONVICTION),
            invalidated.offence("PV-2022-0903-618254", "2022-09-03", "2022-09-25",
                                "usage d'un téléphone tenu en main (R412-6-1)",
                                points=3, offence_class=OffenceClass.C4, natinf="23193"),
            invalidated.offence("PV-2022-1120-702981", "2022-11-20", "2022-12-12",
                                "feu rouge non respecté (R412-30)",
                                points=4, offence_class=OffenceClass.C4, natinf="20152"),
            invalidated.letter("LETTRE-48SI-2023-004417", LetterCode.L48SI, "2023-01-09"),
            invalidated.surrender("RECEPISSE-2023-0118-PREF69", "2023-01-18"),
            invalidated.reissue("DOSSIER-2023-07-25-0042", "2023-07-25"),
        ),
    )


def _annulled(recorded_at: datetime) -> DemoLicence:
    annulled = _Builder("121098298877", recorded_at)
    return DemoLicence(
        "Offence annulled after a successful réclamation",
        annulled.licence("DOSSIER-1998-10-12-2988", "1998-10-12"),
        (
            annulled.offence("PV-2024-0603-441872", "2024-06-03", "2024-07-01",
                             "excès de vitesse de 20 à 29 km/h en agglomération (R413-14)",
                             speeding=Speeding(50, 23), natinf="11303",
                             established_by=EstablishedBy.TITRE_EXECUTOIRE),
            annulled.annulment("DECISION-OMP-2024-11-18-3377", "PV-2024-0603-441872", "2024-11-18"),
        ),
    )


def _aac(recorded_at: datetime) -> DemoLicence:
    aac = _Builder("200622417730", recorded_at)
    return DemoLicence(
        "Early-training (AAC) licence with the formation complémentaire: probation shortened",
        aac.licence("DOSSIER-2022-06-20-4177", "2022-06-20", Training.AAC, "2022-12-05"),
        (),
    )
