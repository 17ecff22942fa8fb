"""Recording many facts in one transaction (group commit), and the cache of loaded licences that writes reuse.

One fact per transaction cannot pass the table lock's pace: each write transaction of the PostgreSQL recorder
locks the events table and waits for its commit flush, so writers queue (≈ 600–750 facts/s, docs/performance.md).
`PointsLedger.record_many` instead loads every licence of a batch in one query, checks each fact exactly as
`record` does (the same `Licence.record_fact`), and writes every changed licence in one transaction (on
PostgreSQL `ledger.append_path`, else the library's `save()`): one lock, one flush for the whole batch.
Optimistic concurrency stays per licence: the unique (stream, version) key refuses the transaction if any
licence of the batch moved meanwhile, and the batch is then decided again on the fresh streams (a fact another
writer recorded meanwhile comes back "already present", never twice).

`LicenceCache` keeps licences a write has just loaded or saved, with their chain tip (the hash of the last event,
which the next append chains on), so the next fact for the same licence needs no read. It is safe without asking
the store whether the licence moved: a write from a stale licence (and a stale tip) asks for a
(stream, version) that already exists and is refused by the store (then the licence is read again), "already
present" can only be true of an append-only stream, and a refusal decided on a cached licence is decided again on
a fresh one before it is reported. A licence is taken out of the cache while a write uses it (never shared
between threads) and put back only once its events are committed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.errors import EvidenceConflict, InvalidFact, LedgerError, LicenceNotFound
from ledger.facts import LegalFact
from ledger.licence import Licence, licence_id

MAX_BATCH = 1_000  # facts per `record_many` call: one transaction, a bounded lock time


@dataclass(frozen=True, slots=True)
class Refused:
    """A fact of a batch that was not written: which licence, which field, why (and the error itself)."""

    licence_number: str
    field: str
    reason: str
    error: LedgerError


def refusal(licence_number: str, error: LedgerError) -> Refused:
    """The field and reason of a refusal, named as the single-fact routes name them."""
    if isinstance(error, InvalidFact):
        return Refused(licence_number, error.field, error.reason, error)
    if isinstance(error, EvidenceConflict):
        return Refused(licence_number, "evidence_ref", str(error), error)
    if isinstance(error, LicenceNotFound):
        return Refused(licence_number, "licence_number", "is not in the ledger", error)
    return Refused(licence_number, "licence", str(error), error)


def stream_of(licence_number: str) -> UUID:
    """The stream of a licence number (refuses an empty number the way `record` always did)."""
    if not licence_number or not licence_number.strip():
        raise InvalidFact("licence_number", "must not be empty")
    return licence_id(licence_number)


class LicenceCache:
    """A bounded LRU of licences ready for the next write, each owned by at most one writer at a time."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[UUID, tuple[Licence, bytes | None]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, stream: UUID) -> tuple[Licence, bytes | None] | None:
        """Remove and return the cached licence and its chain tip, the hash of its last event (None if not known);
        the caller owns them until it `put`s them back."""
        with self._lock:
            return self._items.pop(stream, None)

    def put(self, aggregates: Sequence[Licence], tips: Mapping[UUID, bytes | None]) -> None:
        """Keep licences whose every event is committed (nothing pending), each with its chain tip if known."""
        if self._size <= 0:
            return
        with self._lock:
            for aggregate in aggregates:
                self._items[aggregate.id] = (aggregate, tips.get(aggregate.id))
                self._items.move_to_end(aggregate.id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def discard(self, streams: Sequence[UUID]) -> None:
        with self._lock:
            for stream in streams:
                self._items.pop(stream, None)


@dataclass(slots=True)
class Decision:
    """One attempt at a batch: each fact's outcome, the licences to save, and which refusals need fresh data."""

    outcomes: list[Any]
    changed: dict[UUID, Licence]
    stale_refusals: set[UUID]


def decide(items: Sequence[tuple[str, LegalFact]], licences: dict[UUID, Licence], cached: set[UUID],
           recorded: Any) -> Decision:
    """Check each fact against its licence, in the batch's order (a second fact for a licence sees the first).

    `recorded(licence, fact_id, created)` builds the success answer; refusals are `Refused`. A refusal decided on
    a cached licence is flagged: the caller decides it again on the stored stream before answering.
    """
    decision = Decision([], {}, set())
    for number, fact in items:
        try:
            stream = stream_of(number)
        except LedgerError as error:
            decision.outcomes.append(refusal(number, error))
            continue
        aggregate = licences.get(stream)
        try:
            if aggregate is None:
                raise LicenceNotFound(number)
            fact_id, created = aggregate.record_fact(fact)
        except LedgerError as error:
            decision.outcomes.append(refusal(number, error))
            if stream in cached:
                decision.stale_refusals.add(stream)
            continue
        decision.outcomes.append(recorded(aggregate, fact_id, created))
        if created:
            decision.changed[stream] = aggregate
    return decision
