"""Every event of a licence's stream: immutable, named in the past tense, with stable topics.

An event is a fact the ledger learnt. It carries its legal dates as explicit fields, who recorded it
(`recorded_by`) and on which evidence (`evidence_ref`: PV number, attestation, letter number); the library's
`timestamp` is the recording time, the "known at" axis, never a legal date. Enumerations are stored as their
plain string values so that any reader can decode the stream without this package's enums. Topics are fixed
strings, so modules can move without breaking stored streams; a new field comes with `class_version` and an
`upcast_vN_vN+1` method, never by editing history.

`as_fact()` gives the plain value (`ledger.facts`) the law reads.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from ledger.facts import (
    LegalFact,
    LetterNotified,
    LicenceObtained,
    LicenceReissued,
    LicenceSurrendered,
    OffenceAnnulled,
    OffenceEstablished,
    Speeding,
    StageCompleted,
)
from ledger.values import LetterCode, OffenceClass, StageCase, Training


class LicenceWasObtained(Aggregate.Created):
    """The stream's first event: the licence, its number and the date it was obtained (R223-1)."""

    TOPIC = "points-ledger:LicenceObtained"

    fact_id: str
    licence_number: str
    obtained_on: date
    training: str
    complementary_training_on: date | None
    recorded_by: str
    evidence_ref: str

    def apply(self, aggregate: Any) -> None:
        """Keep the event itself, so the licence fact (with its recording time) can be rebuilt."""
        aggregate._obtained = self

    def as_fact(self, seq: int = 0) -> LicenceObtained:
        return LicenceObtained(
            fact_id=self.fact_id, recorded_at=self.timestamp, recorded_by=self.recorded_by,
            evidence_ref=self.evidence_ref, seq=seq, licence_number=self.licence_number,
            obtained_on=self.obtained_on, training=Training(self.training),
            complementary_training_on=self.complementary_training_on,
        )


class LicenceFactRecorded(Aggregate.Event):
    """Base of the facts recorded after the licence: applying one only stores it (no law, no check)."""

    TOPIC = "points-ledger:LicenceFactRecorded"

    fact_id: str
    recorded_by: str
    evidence_ref: str

    def apply(self, aggregate: Any) -> None:
        aggregate.recorded.append(self)

    def as_fact(self, seq: int = 0) -> LegalFact:
        raise NotImplementedError

    def _common(self, seq: int) -> dict[str, Any]:
        return {"fact_id": self.fact_id, "recorded_at": self.timestamp, "recorded_by": self.recorded_by,
                "evidence_ref": self.evidence_ref, "seq": seq}


class OffenceWasEstablished(LicenceFactRecorded):
    """An offence whose réalité is established (L223-1): `established_on` is the date de valeur."""

    TOPIC = "points-ledger:OffenceEstablished"
    class_version = 2

    committed_on: date
    established_on: date
    points: int | None
    offence_class: str | None
    speeding_limit_kmh: int | None
    speeding_excess_kmh: int | None
    interception: str | None
    description: str
    natinf: str | None
    established_by: str | None
    offence_kind: str | None
    registered_on: date | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Offences recorded before the national file's registration date existed: registered on their DV."""
        state.setdefault("registered_on", None)

    def as_fact(self, seq: int = 0) -> OffenceEstablished:
        speeding = None
        if self.speeding_limit_kmh is not None and self.speeding_excess_kmh is not None:
            speeding = Speeding(self.speeding_limit_kmh, self.speeding_excess_kmh)
        return OffenceEstablished(
            **self._common(seq), committed_on=self.committed_on, established_on=self.established_on,
            points=self.points, offence_class=OffenceClass(self.offence_class) if self.offence_class else None,
            speeding=speeding, interception=self.interception, description=self.description, natinf=self.natinf,
            established_by=self.established_by, offence_kind=self.offence_kind, registered_on=self.registered_on,
        )


class StageWasCompleted(LicenceFactRecorded):
    """A stage de sensibilisation attended in full (R223-5, R223-8 I); evidence_ref is the attestation."""

    TOPIC = "points-ledger:StageCompleted"

    first_day: date
    last_day: date
    case: str
    agrement: str | None
    place: str | None

    def as_fact(self, seq: int = 0) -> StageCompleted:
        return StageCompleted(**self._common(seq), first_day=self.first_day, last_day=self.last_day,
                              case=StageCase(self.case), agrement=self.agrement, place=self.place)


class LetterWasNotified(LicenceFactRecorded):
    """A letter 47/48/48M/48N/48SI received or first presented on `notified_on` (docs/law.md A.17)."""

    TOPIC = "points-ledger:LetterNotified"

    code: str
    notified_on: date

    def as_fact(self, seq: int = 0) -> LetterNotified:
        return LetterNotified(**self._common(seq), code=LetterCode(self.code), notified_on=self.notified_on)


class OffenceWasAnnulled(LicenceFactRecorded):
    """A withdrawal annulled from the start (réclamation admitted, acquittal, judge's annulment)."""

    TOPIC = "points-ledger:OffenceAnnulled"

    offence_id: str
    decided_on: date

    def as_fact(self, seq: int = 0) -> OffenceAnnulled:
        return OffenceAnnulled(**self._common(seq), offence_id=self.offence_id, decided_on=self.decided_on)


class LicenceWasSurrendered(LicenceFactRecorded):
    """The licence handed to the préfet after a 48SI (L223-5 I)."""

    TOPIC = "points-ledger:LicenceSurrendered"

    surrendered_on: date

    def as_fact(self, seq: int = 0) -> LicenceSurrendered:
        return LicenceSurrendered(**self._common(seq), surrendered_on=self.surrendered_on)


class LicenceWasReissued(LicenceFactRecorded):
    """A new licence obtained after an invalidation (L223-5 II): probationary again."""

    TOPIC = "points-ledger:LicenceReissued"

    obtained_on: date
    training: str

    def as_fact(self, seq: int = 0) -> LicenceReissued:
        return LicenceReissued(**self._common(seq), obtained_on=self.obtained_on, training=Training(self.training))


FACT_EVENTS: dict[str, type[LicenceFactRecorded]] = {
    cls.TOPIC: cls
    for cls in (OffenceWasEstablished, StageWasCompleted, LetterWasNotified, OffenceWasAnnulled,
                LicenceWasSurrendered, LicenceWasReissued)
}
EVENT_TYPES: dict[str, str] = {
    LicenceWasObtained.TOPIC: "licence",
    OffenceWasEstablished.TOPIC: "offence",
    StageWasCompleted.TOPIC: "stage",
    LetterWasNotified.TOPIC: "letter",
    OffenceWasAnnulled.TOPIC: "annulment",
    LicenceWasSurrendered.TOPIC: "surrender",
    LicenceWasReissued.TOPIC: "reissue",
}

# The library registers an explicit TOPIC only for events nested in an aggregate class that has a TOPIC itself,
# and otherwise learns a topic when it first writes an event of that class: a process that only reads (an export,
# a second `demo`, the API after a restart) could not decode the stream. Register every topic at import.
_EVENT_CLASSES: tuple[type[Any], ...] = (LicenceWasObtained, LicenceFactRecorded, *FACT_EVENTS.values())
for _event_class in _EVENT_CLASSES:
    register_topic(_event_class.TOPIC, _event_class)
