"""PointsLedger: the eventsourcing application that records a licence's facts and reads them back.

Every command loads the licence, checks the new fact, and writes in one transaction (on PostgreSQL through
`ledger.append_path`, else the library's `save()`); if another writer appended to the same licence meanwhile
(optimistic concurrency: the store's unique (stream, version) key refuses the write), it retries a
bounded number of times on the fresh stream, then raises `ConcurrencyConflict`. Never a lost or duplicated
event: a retry re-runs the idempotency check, so a fact that the other writer recorded is returned, not copied.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Notification,
    Recording,
    Transcoder,
)
from eventsourcing.utils import Environment

from ledger.append_path import STREAMS_PER_READ, append_path
from ledger.batch_write import MAX_BATCH, Decision, LicenceCache, Refused, decide, stream_of
from ledger.chain_store import chain_rows
from ledger.errors import ChainBroken, ConcurrencyConflict, InvalidFact, LicenceAlreadyExists, LicenceNotFound
from ledger.event_readers import LedgerMapper, row_reader
from ledger.events import EVENT_TYPES, LicenceFactRecorded, LicenceWasObtained
from ledger.events_table import STREAMS_PER_QUERY, last_version, select_streams
from ledger.facts import LegalFact, LicenceObtained, LicenceRecord
from ledger.licence import Licence, content_of, licence_id
from ledger.partitioned_events import partitioned_factory
from ledger.record_cache import VersionedRecords
from ledger.storage import configure_sessions, ensure_postgres_schema
from ledger.transcoder import DateAsISO, FastJSONTranscoder

MAX_ATTEMPTS = 10
RETRY_BASE_DELAY = 0.005  # seconds; doubled at each retry, with full jitter, so colliding writers spread out
RETRY_MAX_DELAY = 0.25


def retry_delay(attempt: int) -> float:
    """Pause before retry number `attempt` (1, 2, …): without it, writers that collided once collide again."""
    return random.uniform(0, min(RETRY_MAX_DELAY, RETRY_BASE_DELAY * 2 ** attempt))


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply stored events in order: the library's default projector minus its per-event runtime Protocol
    `isinstance` check, which is most of a load's CPU time (eventsourcing-notes.md, "Reading fast"). It
    filters nothing, so the aggregate is exactly the one the default projector builds.
    """
    expected = 1
    for event in events:
        if event.originator_version != expected:
            raise stream_gap(event.originator_id, expected)
        aggregate = event.mutate(aggregate)
        expected += 1
    return aggregate


def stream_gap(stream: Any, missing: int) -> ChainBroken:
    """A stream whose version `missing` is absent: an event was deleted from the store behind the ledger."""
    return ChainBroken(stream, missing, f"version {missing} is missing (an event was deleted from the store)")


def register_ledger_transcodings(transcoder: JSONTranscoder) -> None:
    """Any application reading the ledger's events must register the same transcodings."""
    transcoder.register(DateAsISO())


@dataclass(frozen=True, slots=True)
class Recorded:
    """The answer to a write: the fact's id, the stream version it was recorded at, and whether it was new
    (a retried write answers the original fact's version, whatever was recorded after it)."""

    licence_number: str
    fact_id: str
    version: int
    created: bool


@dataclass(frozen=True, slots=True)
class CurrentRecord:
    """A licence's record (everything recorded, rectifications not applied) and its stream's last version."""

    version: int
    record: LicenceRecord


class PointsLedger(Application[UUID]):
    """The ledger of licences. Construct it with an explicit env (see `ledger.storage.storage_env`)."""

    name = "PointsLedger"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass (e.g. the service's `ObservedLedger`) is the same ledger: same name, so the same tables.

        The library names an application after its class, and on PostgreSQL the events table after the name:
        without this a subclass would read and write `observedledger_events`, an empty ledger of its own.
        """
        explicit = "name" in cls.__dict__
        super().__init_subclass__(**kwargs)
        if not explicit:
            cls.name = PointsLedger.name

    def __init__(self, env: dict[str, str] | None = None, *, record_cache_size: int = 4096,
                 licence_cache_size: int = 4096) -> None:
        if env is not None:
            ensure_postgres_schema(env)
        super().__init__(env)
        self._records = VersionedRecords(record_cache_size)
        self._licences = LicenceCache(licence_cache_size)
        self._licence_numbers = lru_cache(maxsize=licence_cache_size)(self._read_licence_number)
        # PostgreSQL: reads and appends in two round trips (`ledger.append_path`); SQLite keeps the library's path.
        self._append = append_path(self.recorder)

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        """The library's factory, except on a hash-partitioned PostgreSQL store (`ledger.partitioned_events`),
        with the ledger's PostgreSQL session settings (`ledger.storage.configure_sessions`: no JIT)."""
        factory = partitioned_factory(env) or super().construct_factory(env)
        configure_sessions(factory)
        return factory

    def construct_mapper(self) -> Mapper[UUID]:
        """The library's mapper (with the cipher and compressor its environment asks for), reading the ledger's
        events through readers generated per event class (`ledger.event_readers`: the same events)."""
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=LedgerMapper)

    def construct_transcoder(self) -> Transcoder:
        """The library's JSON format through orjson (`ledger.transcoder`: the same stored bytes)."""
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_ledger_transcodings(transcoder)

    # -- writing -----------------------------------------------------------------------------------------

    def create_licence(self, licence: LicenceObtained) -> Recorded:
        """Open a licence's stream. Recording the same licence again returns the first recording."""
        aggregate = Licence.obtain(licence)
        try:
            existing: Licence = self.repository.get(aggregate.id, projector_func=replay)
        except AggregateNotFoundError:
            pass
        else:
            if content_of(existing.licence_fact()) == content_of(licence) or (
                existing.first_event.evidence_ref == licence.evidence_ref
                and content_of(existing.licence_fact()) == content_of(licence)
            ):
                return Recorded(existing.licence_number, existing.first_event.fact_id, 1, False)
            raise LicenceAlreadyExists(licence.licence_number)
        try:
            self.save(aggregate)
        except IntegrityError:
            existing = self.repository.get(aggregate.id, projector_func=replay)
            if content_of(existing.licence_fact()) == content_of(licence):
                return Recorded(existing.licence_number, existing.first_event.fact_id, 1, False)
            raise LicenceAlreadyExists(licence.licence_number) from None
        return Recorded(aggregate.licence_number, licence.fact_id, aggregate.version, True)

    def record(self, licence_number: str, fact: LegalFact) -> Recorded:
        """Append one fact to a licence (any type of `ledger.facts.LegalFact`), with bounded retries.

        The batch of one: the same checks, idempotency and retries as `record_many`, and the refusal raised.
        """
        outcome = self.record_many([(licence_number, fact)])[0]
        if isinstance(outcome, Refused):
            raise outcome.error
        return outcome

    def record_many(self, items: Sequence[tuple[str, LegalFact]]) -> list[Recorded | Refused]:
        """Record facts for many licences in one transaction; one outcome per fact, in order.

        Each fact is checked as `record` checks it (a later fact of the same licence sees the earlier ones): a
        refused fact (`Refused`: field and reason) writes nothing, the others are written together in one transaction
        (`save_decision`).
        If another writer appended to any licence of the batch meanwhile, the whole batch is decided again on the
        fresh streams (bounded retries, then `ConcurrencyConflict`); see `ledger.batch_write`.
        """
        items = list(items)
        if len(items) > MAX_BATCH:
            raise InvalidFact("facts", f"at most {MAX_BATCH} facts per batch, got {len(items)}")
        use_cache, attempt = True, 0
        while attempt < MAX_ATTEMPTS:
            licences, tips, cached = self._licences_for_write(items, use_cache)
            decision = decide(items, licences, cached, _recorded)
            if decision.stale_refusals:
                use_cache = False  # decided on cached licences: decide again on the stored streams
                continue
            if self.save_decision(decision, tips):
                self._licences.put(list(licences.values()), tips)
                return decision.outcomes
            use_cache, attempt = False, attempt + 1
            time.sleep(retry_delay(attempt))
        numbers = sorted({number for number, _ in items})
        raise ConcurrencyConflict(numbers[0] if len(numbers) == 1 else f"{len(numbers)} licences", MAX_ATTEMPTS)

    def save_decision(self, decision: Decision, tips: dict[UUID, bytes | None]) -> bool:
        """Save every changed licence in one transaction; False if any of them moved meanwhile.

        On PostgreSQL, when every changed licence's chain tip is known, through `ledger.append_path` (then `tips`
        is moved on to the new last events); otherwise through the library's save, which chains the events itself
        (and the tips of the changed licences are forgotten).
        """
        if not decision.changed:
            return True
        if self._append is not None and all(tips.get(stream) is not None for stream in decision.changed):
            return self._append_decision(decision, tips)
        for stream in decision.changed:
            tips[stream] = None
        try:
            self.save(*decision.changed.values())
        except IntegrityError:
            return False
        return True

    def _append_decision(self, decision: Decision, tips: dict[UUID, bytes | None]) -> bool:
        """The changed licences' new events and chain rows in one pipelined transaction (`ledger.append_path`);
        then `_notify`, as the library's save does after its commit."""
        assert self._append is not None
        domain_events = [event for aggregate in decision.changed.values() for event in aggregate.collect_events()]
        stored = [self.mapper.to_stored_event(event) for event in domain_events]
        rows = chain_rows(stored, {stream: tip for stream, tip in tips.items() if tip is not None})
        ids = self._append.append(stored, rows)
        if ids is None:
            return False
        for stream, _, digest in rows:
            tips[stream] = digest
        self._notify([Recording(event, Notification(id=n, originator_id=s.originator_id,
                                                    originator_version=s.originator_version, topic=s.topic,
                                                    state=s.state))
                      for event, s, n in zip(domain_events, stored, ids, strict=True)])
        return True

    def _licences_for_write(self, items: Sequence[tuple[str, LegalFact]], use_cache: bool
                            ) -> tuple[dict[UUID, Licence], dict[UUID, bytes | None], set[UUID]]:
        """The licences of a batch (cached ones first, the rest read in one query), their chain tips where known,
        and which came from the cache."""
        streams: dict[UUID, None] = {}  # ordered and unique
        for number, _ in items:
            try:
                streams[stream_of(number)] = None
            except InvalidFact:
                continue
        licences: dict[UUID, Licence] = {}
        tips: dict[UUID, bytes | None] = {}
        for stream in streams:
            entry = self._licences.take(stream)
            # PostgreSQL: a licence cached without its chain tip (saved through the library) is read again, tip too
            if entry is not None and use_cache and (self._append is None or entry[1] is not None):
                licences[stream], tips[stream] = entry
        cached = set(licences)
        missing = [s for s in streams if s not in cached]  # `cached` is a set
        licences.update(self._load_licences(missing, tips))
        return licences, tips, cached

    def _load_licences(self, streams: list[UUID], tips: dict[UUID, bytes | None]) -> dict[UUID, Licence]:
        """Licences read from the store (absent ones are left out): one query per `STREAMS_PER_QUERY`; on
        PostgreSQL with their chain tips (into `tips`), one round trip per `STREAMS_PER_READ`."""
        if self._append is not None:
            licences: dict[UUID, Licence] = {}
            read = row_reader(self.mapper)
            for start in range(0, len(streams), STREAMS_PER_READ):
                for stream, stored in self._append.read(streams[start:start + STREAMS_PER_READ]).items():
                    licences[stream] = replay(None, [read(stream, *row) for row in stored.rows])
                    tips[stream] = stored.tip
            return licences
        if len(streams) == 1:
            try:
                return {streams[0]: self.repository.get(streams[0], projector_func=replay)}
            except AggregateNotFoundError:
                return {}
        return {stream: replay(None, events) for stream, events in self.streams_events(streams).items()}

    # -- reading -----------------------------------------------------------------------------------------

    def _licence(self, licence_number: str) -> Licence:
        if not licence_number or not licence_number.strip():
            raise InvalidFact("licence_number", "must not be empty")
        try:
            aggregate: Licence = self.repository.get(licence_id(licence_number), projector_func=replay)
        except AggregateNotFoundError:
            raise LicenceNotFound(licence_number) from None
        return aggregate

    def licence_events(self, licence_number: str) -> list[Any]:
        """The raw stream of a licence, oldest first (for audit and export)."""
        events = list(self.events.get(licence_id(licence_number)))
        if not events:
            raise LicenceNotFound(licence_number)
        return events

    def get_record(self, licence_number: str, known_at: datetime | None = None) -> LicenceRecord:
        """The licence's facts as plain values, as recorded; `known_at` cuts by recording time."""
        return self.current_record(licence_number).record.recorded_until(known_at)  # rectifications: projections'

    def current_record(self, licence_number: str) -> CurrentRecord:
        """The licence's whole record and the stream version it was read at (a cache of anything derived from the
        record, such as the service's folded timelines, is valid exactly while that version is the last one).

        A stream only grows and a (licence, version) pair always names the same events, so the decoded record
        is kept per licence and reused while the stream's last version is unchanged: one indexed one-row read
        instead of reading and decoding the whole stream. A licence not in the cache is read whole at once
        (one query, not the version check and then the stream). Either way the store is asked, so a fact written
        by another process is always seen.
        """
        stream = licence_id(licence_number)
        if self._records.holds(stream):  # one query either way: the version check, or the whole stream
            version = last_version(self.recorder, stream)
            if version is None:
                raise LicenceNotFound(licence_number)
            record = self._records.get(stream, version)
            if record is not None:
                return CurrentRecord(version, record)
        events = list(self.events.get(stream))
        if not events:
            raise LicenceNotFound(licence_number)
        current = CurrentRecord(events[-1].originator_version, record_from_events(events))
        self._records.put(stream, current.version, current.record)
        return current

    def get_records(self, licence_numbers: Iterable[str]) -> dict[str, LicenceRecord]:
        """Several licences' records (everything known now) read in one query, for callers that walk many
        licences (a reconciliation): one round trip per batch instead of two per licence. Numbers the ledger
        does not hold are absent from the answer. The per-version cache is neither read nor filled: a batch
        reader visits each licence once.
        """
        streams = {licence_id(number): number for number in licence_numbers}
        return {streams[stream]: record for stream, record in self.records_of_streams(list(streams)).items()}

    def records_of_streams(self, streams: Sequence[UUID]) -> dict[UUID, LicenceRecord]:
        """The records of streams given by id (absent ones left out), read in one query per batch."""
        return {stream: record_from_events(events) for stream, events in self.streams_events(streams).items()}

    def streams_events(self, streams: Sequence[UUID]) -> dict[UUID, list[Any]]:
        """The decoded events of each stream (absent ones left out): one query per `STREAMS_PER_QUERY` streams."""
        events: dict[UUID, list[Any]] = {}
        for start in range(0, len(streams), STREAMS_PER_QUERY):
            for stored in select_streams(self.recorder, streams[start:start + STREAMS_PER_QUERY]):
                stream = stored.originator_id
                stream = stream if isinstance(stream, UUID) else UUID(stream)
                events.setdefault(stream, []).append(self.mapper.to_domain_event(stored))
        return events

    def licence_number_of(self, event: Any) -> str:
        """The licence number of the stream an event belongs to: the one lookup from a stream to its number.

        The number is on a stream's first event only; it is read once per stream and kept (bounded LRU).
        """
        if isinstance(event, LicenceWasObtained):
            return event.licence_number
        stream = event.originator_id
        return self._licence_numbers(stream if isinstance(stream, UUID) else UUID(str(stream)))

    def _read_licence_number(self, stream: UUID) -> str:
        first = next(iter(self.events.get(stream, lte=1)), None)
        return first.licence_number if isinstance(first, LicenceWasObtained) else str(stream)

    def version_of(self, licence_number: str) -> int:
        return len(self.licence_events(licence_number))

    def exists(self, licence_number: str) -> bool:
        return bool(list(self.events.get(licence_id(licence_number), lte=1)))

    def licence_numbers(self, page_size: int = 1000) -> Iterator[str]:
        """Every licence number, in creation order (reads the application sequence, first events only)."""
        for notification in self.notifications(topics=(LicenceWasObtained.TOPIC,), page_size=page_size):
            event: Any = self.mapper.to_domain_event(notification)
            yield event.licence_number

    def notifications(
        self, start: int = 1, *, topics: Sequence[str] = (), page_size: int = 1000, stop: int | None = None
    ) -> Iterator[Notification]:
        """The application sequence (every event of every licence, in commit order), paged."""
        position = start
        while True:
            page = self.recorder.select_notifications(position, page_size, stop=stop, topics=topics)
            if not page:
                return
            yield from page
            position = page[-1].id + 1

    def audit_events(
        self,
        *,
        recorded_by: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        event_type: str | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> tuple[list[tuple[int, Any]], int | None]:
        """The raw audit trail across licences: (position, event) pairs matching the filters, oldest first.

        `after` is the last position already seen (0 to start); returns the page and the position to pass
        next (None when the trail is exhausted). Recording times are the events' timestamps.
        """
        topics = tuple(t for t, name in EVENT_TYPES.items() if name == event_type) if event_type else ()
        if event_type and not topics:
            raise InvalidFact("type", f"unknown event type {event_type!r}: one of {', '.join(EVENT_TYPES.values())}")
        page: list[tuple[int, Any]] = []
        for notification in self.notifications(after + 1, topics=topics, page_size=max(limit, 100)):
            event: Any = self.mapper.to_domain_event(notification)
            if recorded_by is not None and getattr(event, "recorded_by", None) != recorded_by:
                continue
            if since is not None and event.timestamp < since:
                continue
            if until is not None and event.timestamp > until:
                continue
            page.append((notification.id, event))
            if len(page) == limit:
                return page, notification.id
        return page, None

    def event_type(self, event: Any) -> str:
        return EVENT_TYPES.get(type(event).TOPIC, type(event).__name__)


def _recorded(aggregate: Licence, fact_id: str, created: bool) -> Recorded:
    """A new fact is the stream's last event; a retried one answers the version it was first recorded at."""
    version = aggregate.version if created else version_of_fact(aggregate, fact_id)
    return Recorded(aggregate.licence_number, fact_id, version, created)


def version_of_fact(aggregate: Licence, fact_id: str) -> int:
    """The stream version of a recorded fact (the licence is version 1, its n-th fact version n + 1)."""
    return next(fact.seq for fact in aggregate.facts() if fact.fact_id == fact_id) + 1


def record_from_events(events: Sequence[Any]) -> LicenceRecord:
    """Turn a licence's stream into the facts the law reads (first event: the licence)."""
    for expected, event in enumerate(events, start=1):
        if event.originator_version != expected:
            raise stream_gap(event.originator_id, expected)
    first = events[0]
    if not isinstance(first, LicenceWasObtained):
        raise ChainBroken(first.originator_id, 1, "a licence stream starts with its licence")
    facts = tuple(e.as_fact(seq) for seq, e in enumerate(events[1:], start=1) if isinstance(e, LicenceFactRecorded))
    return LicenceRecord(first.as_fact(0), facts)
