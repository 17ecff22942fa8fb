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

from ledger import kinds
from ledger.declaration import fact_content
from ledger.facts import LegalFact, LicenceObtained


def _as_fact(event: Any, seq: int) -> Any:
    """The fact an event records, read through its kind's declaration (`ledger.declaration.fact_content`)."""
    kind = kinds.BY_TOPIC[type(event).TOPIC]
    return kind.fact(fact_id=event.fact_id, recorded_at=event.timestamp, recorded_by=event.recorded_by,
                     evidence_ref=event.evidence_ref, seq=seq, **fact_content(kind.fact, vars(event)))


class LicenceWasObtained(Aggregate.Created):
    """The stream's first event: the licence, its number and the date it was obtained (R223-1)."""

    TOPIC = kinds.LICENCE.topic

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
        fact: LicenceObtained = _as_fact(self, seq)
        return fact


class LicenceFactRecorded(Aggregate.Event):
    """Base of the facts recorded after the licence: applying one only stores it (no law, no check)."""

    TOPIC = "points-ledger:LicenceFactRecorded"

    fact_id: str
    recorded_by: str
    evidence_ref: str

    def apply(self, aggregate: Any) -> None:
        aggregate.recorded.append(self)

    def as_fact(self, seq: int = 0) -> LegalFact:
        fact: LegalFact = _as_fact(self, seq)
        return fact


class OffenceWasEstablished(LicenceFactRecorded):
    """An offence whose réalité is established (L223-1): `established_on` is the date de valeur."""

    TOPIC = kinds.OFFENCE.topic
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


class StageWasCompleted(LicenceFactRecorded):
    """A stage de sensibilisation attended in full (R223-5, R223-8 I); evidence_ref is the attestation."""

    TOPIC = kinds.STAGE.topic

    first_day: date
    last_day: date
    case: str
    agrement: str | None
    place: str | None


class LetterWasNotified(LicenceFactRecorded):
    """A letter 47/48/48M/48N/48SI received or first presented on `notified_on` (docs/law.md A.17)."""

    TOPIC = kinds.LETTER.topic

    code: str
    notified_on: date


class OffenceWasAnnulled(LicenceFactRecorded):
    """A withdrawal annulled from the start (réclamation admitted, acquittal, judge's annulment)."""

    TOPIC = kinds.ANNULMENT.topic

    offence_id: str
    decided_on: date


class LicenceWasSurrendered(LicenceFactRecorded):
    """The licence handed to the préfet after a 48SI (L223-5 I)."""

    TOPIC = kinds.SURRENDER.topic

    surrendered_on: date


class LicenceWasReissued(LicenceFactRecorded):
    """A new licence obtained after an invalidation (L223-5 II): probationary again."""

    TOPIC = kinds.REISSUE.topic

    obtained_on: date
    training: str


class FactWasRectified(LicenceFactRecorded):
    """A clerical error in a letter, a stage or the licence corrected (issue 13): the fields given replace the
    target's from the start; the original event stays as it was written."""

    TOPIC = kinds.RECTIFICATION.topic

    rectified_id: str
    rectified_on: date
    reason: str
    obtained_on: date | None
    first_day: date | None
    last_day: date | None
    agrement: str | None
    notified_on: date | None


# Every event class by its topic (the licence's first, then each fact kind's), and the kind names the audit
# trail shows: both read from the declarations, so a kind without its event class fails at import.
EVENT_CLASSES: dict[str, type[Any]] = {
    cls.TOPIC: cls
    for cls in (LicenceWasObtained, OffenceWasEstablished, StageWasCompleted, LetterWasNotified,
                OffenceWasAnnulled, LicenceWasSurrendered, LicenceWasReissued, FactWasRectified)
}
FACT_EVENTS: dict[str, type[LicenceFactRecorded]] = {kind.topic: EVENT_CLASSES[kind.topic] for kind in kinds.FACT_KINDS}
EVENT_TYPES: dict[str, str] = {kind.topic: kind.name for kind in kinds.ALL_KINDS}

# The library registers an explicit TOPIC only for events nested in an aggregate class that has a TOPIC itself,
# and otherwise learns a topic when it first writes an event of that class: a process that only reads (an export,
# a second `demo`, the API after a restart) could not decode the stream. Register every topic at import.
_REGISTERED: dict[str, type[Any]] = {LicenceFactRecorded.TOPIC: LicenceFactRecorded, **EVENT_CLASSES}
for _topic, _event_class in _REGISTERED.items():
    register_topic(_topic, _event_class)
