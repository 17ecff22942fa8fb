"""The Licence aggregate: one event stream per licence number.

Public command methods check the shape of a fact against the facts already recorded (`ledger.validation`),
handle idempotency by evidence reference, then trigger an event whose `apply` only stores it. The aggregate
never applies the law: balances are projections. A rejected command raises before any event is triggered,
so the stream stays exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from ledger import kinds
from ledger.declaration import stored_state
from ledger.errors import EvidenceConflict, InvalidFact
from ledger.events import EVENT_CLASSES, FactWasRectified, LicenceFactRecorded, LicenceWasObtained
from ledger.facts import FactRectified, LegalFact, LicenceObtained, LicenceRecord
from ledger.validation import check_fact, check_licence, check_text

LICENCE_NAMESPACE = uuid5(NAMESPACE_URL, "https://points-ledger.example/licence")
CONTENT_EXCLUDED = {"fact_id", "recorded_at", "recorded_by", "seq"}


@lru_cache(maxsize=1 << 16)
def licence_id(licence_number: str) -> UUID:
    """The stream id of a licence: derived from its number, so a number maps to exactly one stream.

    Kept per number (a pure function, so the cache is exact): every read of a licence starts here, a batch write
    derives each of its licences' ids two or three times (reading, deciding, saving), and `uuid5` (a SHA-1 and a
    UUID built in Python) was ≈ 1.6 % of a cached balance read's time and 5 % of the batch route's.
    """
    return uuid5(LICENCE_NAMESPACE, licence_number.strip())


def new_fact_id() -> str:
    return uuid4().hex


def content_of(fact: LegalFact | LicenceObtained) -> dict[str, Any]:
    """What makes two recordings "the same fact": every field but ids, recorder and recording time."""
    return {k: v for k, v in asdict(fact).items() if k not in CONTENT_EXCLUDED}


def check_new_licence(licence: LicenceObtained) -> None:
    """What opening a licence's stream requires: its shape, who records it and on which evidence."""
    check_licence(licence)
    check_text("recorded_by", licence.recorded_by)
    check_text("evidence_ref", licence.evidence_ref)


def previous_recording(fact: LegalFact, existing: list[LegalFact]) -> str | None:
    """The id of the fact already recorded on the same evidence with the same content (None: `fact` is new).

    The same evidence for different content is an `EvidenceConflict`; a fact id already used, `InvalidFact`.
    """
    return RecordedFacts(existing).previous(fact)


def already_recorded(fact: LegalFact, licence: LicenceObtained, existing: list[LegalFact]) -> str | None:
    """Check `fact` against the licence's recorded facts: the id of the fact already recorded on the same
    evidence with the same content (nothing to write), or None (write it).

    The same evidence reference with different content is an `EvidenceConflict`; any other problem raises
    `InvalidFact`. The bulk import's check; the aggregate makes the same two decisions (`decide_previous`, then
    `check_fact`) off its events, converting them into facts only when a check reads them (`Licence.record_fact`;
    tests/ledger/test_lazy_checks.py holds both to the same answers).
    """
    return RecordedFacts(existing).check(fact, licence)


def decide_previous(fact: LegalFact, first_on_evidence: LegalFact | None, id_used: Callable[[], bool]) -> str | None:
    """The one rule of idempotency: `first_on_evidence`, the first fact recorded on the same evidence reference,
    decides (same kind and content: its id, nothing to write; else an `EvidenceConflict`); without one, a new fact
    must not reuse an id (`id_used`)."""
    check_text("evidence_ref", fact.evidence_ref)
    if first_on_evidence is not None:
        if type(first_on_evidence) is type(fact) and content_of(first_on_evidence) == content_of(fact):
            return first_on_evidence.fact_id
        raise EvidenceConflict(fact.evidence_ref, first_on_evidence.fact_id)
    if id_used():
        raise InvalidFact("id", f"fact id {fact.fact_id!r} is already used on this licence")
    return None


class RecordedFacts:
    """A licence's recorded facts, indexed for checking the next one: by evidence reference (the first fact
    recorded on it) and by id, and whether any is a rectification.

    The aggregate checks one fact against its stream; the bulk import checks a whole history fact after fact,
    keeping one of these and adding each fact it keeps, so a fact is checked against those before it without
    scanning them all again (and without re-applying rectifications when there are none).
    """

    def __init__(self, facts: list[LegalFact] | tuple[LegalFact, ...] = ()) -> None:
        self.facts: list[LegalFact] = []
        self._by_evidence: dict[str, LegalFact] = {}
        self._ids: set[str] = set()
        self._rectified = False
        for fact in facts:
            self.add(fact)

    def add(self, fact: LegalFact) -> None:
        self.facts.append(fact)
        self._by_evidence.setdefault(fact.evidence_ref, fact)
        self._ids.add(fact.fact_id)
        self._rectified = self._rectified or isinstance(fact, FactRectified)

    def previous(self, fact: LegalFact) -> str | None:
        """`previous_recording`: the first fact on the same evidence decides (same content: its id; else a
        conflict); a new fact must not reuse an id."""
        return decide_previous(fact, self._by_evidence.get(fact.evidence_ref), lambda: fact.fact_id in self._ids)

    def check(self, fact: LegalFact, licence: LicenceObtained, *, fields_checked: bool = False) -> str | None:
        """`already_recorded` against these facts (`fields_checked`: as `validation.check_fact`'s)."""
        previous = self.previous(fact)
        if previous is not None:
            return previous
        check_fact(fact, licence, self.facts, as_rectified=not self._rectified, fields_checked=fields_checked)
        return None


def licence_fields(licence: LicenceObtained) -> dict[str, Any]:
    """The fields of the `LicenceWasObtained` event of `licence` (its declared stored form)."""
    return {"fact_id": licence.fact_id, "recorded_by": licence.recorded_by, "evidence_ref": licence.evidence_ref,
            **stored_state(licence), "licence_number": licence.licence_number.strip()}


def event_of(fact: LegalFact) -> tuple[type[LicenceFactRecorded], dict[str, Any]]:
    """The event class recording `fact` (its kind's) and its fields in the stored form (`stored_state`)."""
    event_class = EVENT_CLASSES[kinds.kind_of(fact).topic]
    return event_class, {"fact_id": fact.fact_id, "recorded_by": fact.recorded_by,
                         "evidence_ref": fact.evidence_ref, **stored_state(fact)}


class _FactsOf:
    """A licence's recorded facts, converted from its events when first iterated (`Licence.facts`)."""

    def __init__(self, licence: Licence) -> None:
        self._licence = licence

    def __iter__(self) -> Iterator[LegalFact]:
        return iter(self._licence.facts())


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
        check_new_licence(licence)
        return cls._create(LicenceWasObtained, id=licence_id(licence.licence_number), **licence_fields(licence))

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

    def _fact_at(self, seq: int) -> LegalFact:
        """The `seq`-th recorded fact (from 1): the one `facts` kept, or converted from its event now."""
        return self._facts[seq - 1] if seq <= len(self._facts) else self.recorded[seq - 1].as_fact(seq)

    def record(self) -> LicenceRecord:
        return LicenceRecord(self.licence_fact(), tuple(self.facts()))

    def _previous(self, fact: LegalFact) -> str | None:
        """`already_recorded`'s idempotency decision (`decide_previous`), read off the events' own evidence
        references and ids: only the fact recorded first on the same evidence, if any, is converted."""
        seq = next((seq for seq, event in enumerate(self.recorded, start=1)
                    if event.evidence_ref == fact.evidence_ref), None)
        first = None if seq is None else self._fact_at(seq)
        return decide_previous(fact, first, lambda: any(e.fact_id == fact.fact_id for e in self.recorded))

    # -- commands ----------------------------------------------------------------------------------------

    def record_fact(self, fact: LegalFact) -> tuple[str, bool]:
        """Check `fact` against the stream and append it; returns (fact id, whether a new event was written).

        The same evidence reference with the same content returns the first fact's id and writes nothing;
        with different content it is an `EvidenceConflict`. Any other problem raises `InvalidFact`.
        """
        recorded = self._previous(fact)
        if recorded is not None:
            return recorded, False
        # The stored events are turned into facts only if the check reads them: an offence, a stage or a letter
        # is checked against the licence alone (unless some fact was rectified), the other kinds iterate `others`.
        rectified = any(isinstance(event, FactWasRectified) for event in self.recorded)
        check_fact(fact, self.licence_fact(), _FactsOf(self), as_rectified=not rectified)
        event_class, fields = event_of(fact)
        self.trigger_event(event_class, **fields)
        return fact.fact_id, True
