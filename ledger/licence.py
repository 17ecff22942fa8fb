"""The Licence aggregate: one event stream per licence number.

Public command methods check the shape of a fact against the facts already recorded (`ledger.validation`),
handle idempotency by evidence reference, then trigger an event whose `apply` only stores it. The aggregate
never applies the law: balances are projections. A rejected command raises before any event is triggered,
so the stream stays exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from ledger.errors import EvidenceConflict, InvalidFact
from ledger.events import (
    LetterWasNotified,
    LicenceFactRecorded,
    LicenceWasObtained,
    LicenceWasReissued,
    LicenceWasSurrendered,
    OffenceWasAnnulled,
    OffenceWasEstablished,
    StageWasCompleted,
)
from ledger.facts import LegalFact, LicenceObtained, LicenceRecord
from ledger.validation import check_fact, check_licence, check_text

LICENCE_NAMESPACE = uuid5(NAMESPACE_URL, "https://points-ledger.example/licence")
CONTENT_EXCLUDED = {"fact_id", "recorded_at", "recorded_by", "seq"}


def licence_id(licence_number: str) -> UUID:
    """The stream id of a licence: derived from its number, so a number maps to exactly one stream."""
    return uuid5(LICENCE_NAMESPACE, licence_number.strip())


def new_fact_id() -> str:
    return uuid4().hex


def content_of(fact: LegalFact | LicenceObtained) -> dict[str, Any]:
    """What makes two recordings "the same fact": every field but ids, recorder and recording time."""
    return {k: v for k, v in asdict(fact).items() if k not in CONTENT_EXCLUDED}


class Licence(Aggregate):
    """A driving licence's stream of facts, keyed by `licence_id(number)`."""

    def __init__(
        self, fact_id: str, licence_number: str, obtained_on: date, training: str,
        complementary_training_on: date | None, recorded_by: str, evidence_ref: str,
    ) -> None:
        self.licence_number = licence_number
        self.recorded: list[LicenceFactRecorded] = []
        self._facts: list[LegalFact] = []  # `recorded` as plain facts, converted once (see facts())
        self._obtained: LicenceWasObtained  # set by LicenceWasObtained.apply, right after __init__

    @classmethod
    def obtain(cls, licence: LicenceObtained) -> Licence:
        """Open the stream of a licence after checking its shape (raises `InvalidFact`)."""
        check_licence(licence)
        check_text("recorded_by", licence.recorded_by)
        check_text("evidence_ref", licence.evidence_ref)
        return cls._create(
            LicenceWasObtained, id=licence_id(licence.licence_number), fact_id=licence.fact_id,
            licence_number=licence.licence_number.strip(), obtained_on=licence.obtained_on,
            training=licence.training.value, complementary_training_on=licence.complementary_training_on,
            recorded_by=licence.recorded_by, evidence_ref=licence.evidence_ref,
        )

    # -- reading -----------------------------------------------------------------------------------------

    @property
    def first_event(self) -> LicenceWasObtained:
        return self._obtained

    def licence_fact(self) -> LicenceObtained:
        return self._obtained.as_fact()

    def facts(self) -> list[LegalFact]:
        """The recorded facts as plain values, in stream order.

        Each event is converted once and kept (events are immutable and only appended), so checking every new
        fact against the earlier ones stays linear in the length of the stream instead of quadratic.
        """
        converted = self._facts
        for seq in range(len(converted) + 1, len(self.recorded) + 1):
            converted.append(self.recorded[seq - 1].as_fact(seq))
        return list(converted)

    def record(self) -> LicenceRecord:
        return LicenceRecord(self.licence_fact(), tuple(self.facts()))

    # -- commands ----------------------------------------------------------------------------------------

    def record_fact(self, fact: LegalFact) -> tuple[str, bool]:
        """Check `fact` against the stream and append it; returns (fact id, whether a new event was written).

        The same evidence reference with the same content returns the first fact's id and writes nothing;
        with different content it is an `EvidenceConflict`. Any other problem raises `InvalidFact`.
        """
        check_text("evidence_ref", fact.evidence_ref)
        existing = self.facts()
        for other in existing:
            if other.evidence_ref == fact.evidence_ref:
                if type(other) is type(fact) and content_of(other) == content_of(fact):
                    return other.fact_id, False
                raise EvidenceConflict(fact.evidence_ref, other.fact_id)
        if any(other.fact_id == fact.fact_id for other in existing):
            raise InvalidFact("id", f"fact id {fact.fact_id!r} is already used on this licence")
        check_fact(fact, self.licence_fact(), existing)
        self._trigger_for(fact)
        return fact.fact_id, True

    def _trigger_for(self, fact: LegalFact) -> None:
        from ledger import facts as f

        common: dict[str, Any] = {"fact_id": fact.fact_id, "recorded_by": fact.recorded_by,
                                  "evidence_ref": fact.evidence_ref}
        trigger: Callable[..., None] = self.trigger_event
        if isinstance(fact, f.OffenceEstablished):
            trigger(OffenceWasEstablished, **common, committed_on=fact.committed_on,
                    established_on=fact.established_on, points=fact.points,
                    offence_class=fact.offence_class.value if fact.offence_class else None,
                    speeding_limit_kmh=fact.speeding.limit_kmh if fact.speeding else None,
                    speeding_excess_kmh=fact.speeding.excess_kmh if fact.speeding else None,
                    interception=fact.interception, description=fact.description, natinf=fact.natinf,
                    established_by=fact.established_by, offence_kind=fact.offence_kind,
                    registered_on=fact.registered_on)
        elif isinstance(fact, f.StageCompleted):
            trigger(StageWasCompleted, **common, first_day=fact.first_day, last_day=fact.last_day,
                    case=fact.case.value, agrement=fact.agrement, place=fact.place)
        elif isinstance(fact, f.LetterNotified):
            trigger(LetterWasNotified, **common, code=fact.code.value, notified_on=fact.notified_on)
        elif isinstance(fact, f.OffenceAnnulled):
            trigger(OffenceWasAnnulled, **common, offence_id=fact.offence_id, decided_on=fact.decided_on)
        elif isinstance(fact, f.LicenceSurrendered):
            trigger(LicenceWasSurrendered, **common, surrendered_on=fact.surrendered_on)
        else:
            trigger(LicenceWasReissued, **common, obtained_on=fact.obtained_on, training=fact.training.value)

