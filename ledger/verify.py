"""`points-ledger verify`: recompute every licence's hash chain from the stored events and compare.

The events and the chain table are read in one pass each, both in (stream, version) order, and merged; nothing
is decoded, so the cost is one SHA-256 per event (docs/reliability.md has the figures). Per licence it reports:

- **edited**: the event's content no longer hashes to its chain entry;
- **moved**: the event hashes to the chain entry of another version (events reordered, or shifted by an insertion
  or a deletion);
- **inserted**: an event without a chain entry (written around the ledger);
- **deleted**: a chain entry without its event, or a version missing from the stream;
- **checkpoint**: the licence's history no longer leads to the head a signed checkpoint (or an exported digest
  file) recorded for it — what remains when the chain table was rewritten along with the events.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any
from uuid import UUID

from ledger.chain import GENESIS, event_hash, leaf_hash, merkle_root
from ledger.chain_store import PostgresChainTables, chain_tables
from ledger.checkpoints import Checkpoint, Digest, Head, last_checkpoint

FETCH = 5000


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: which stream (and licence number when known), which version, what kind, in words."""

    stream: UUID
    version: int
    kind: str
    detail: str
    licence_number: str | None = None

    def text(self) -> str:
        who = f"licence {self.licence_number}" if self.licence_number else f"stream {self.stream}"
        return f"{who}, version {self.version}: {self.kind}: {self.detail}"


@dataclass(slots=True)
class Entry:
    """A (stream, version) as found in the events table and in the chain table (either may be missing)."""

    version: int
    topic: str | None = None
    state: bytes | None = None
    stored: bytes | None = None
    seq: int | None = None


@dataclass(slots=True)
class Verification:
    """What a run found: counts, problems, and the checkpoint's recomputed root."""

    events: int = 0
    streams: int = 0
    problems: list[Problem] = field(default_factory=list)
    checkpoint_root: str | None = None
    ledger_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.ledger_problems


def check_stream(stream: UUID, entries: list[Entry]) -> tuple[list[Problem], dict[int, bytes]]:
    """The problems of one licence's stream, and the chain recomputed from its events alone (version → hash)."""
    problems: list[Problem] = []
    stored = {e.version: e.stored for e in entries if e.stored is not None}
    stored[0] = GENESIS
    present = {e.version for e in entries}
    for version in range(1, max(present, default=0)):
        if version not in present:
            problems.append(Problem(stream, version, "deleted", "the event and its chain entry are missing"))
    recomputed: dict[int, bytes] = {}
    running = GENESIS
    for entry in entries:
        if entry.state is None or entry.topic is None:
            problems.append(Problem(stream, entry.version, "deleted", "the chain records an event that is gone"))
            continue
        running = event_hash(running, stream, entry.version, entry.topic, entry.state)
        recomputed[entry.version] = running
        if entry.stored is None:
            problems.append(Problem(stream, entry.version, "inserted", "an event without a chain entry (written "
                                                                        "around the ledger, or never migrated)"))
            continue
        previous = stored.get(entry.version - 1)
        if previous is None:
            continue  # the gap before it is reported; this entry cannot be checked on its own
        if event_hash(previous, stream, entry.version, entry.topic, entry.state) != entry.stored:
            problems.append(_mismatch(stream, entry, stored))
    return problems, recomputed


def _mismatch(stream: UUID, entry: Entry, stored: dict[int, bytes]) -> Problem:
    """An event whose content does not match its chain entry: moved from another version, or edited."""
    assert entry.topic is not None and entry.state is not None
    for version, digest in stored.items():
        previous = stored.get(version - 1)
        if version in (0, entry.version) or previous is None:
            continue
        if event_hash(previous, stream, version, entry.topic, entry.state) == digest:
            return Problem(stream, entry.version, "moved", f"this is the event the chain records at version "
                                                             f"{version} (events reordered, inserted or deleted)")
    return Problem(stream, entry.version, "edited", "its content does not match its chain entry")


# -- reading both tables in order ---------------------------------------------------------------------------------


def _rows(curs: Any, query: Any, params: tuple[Any, ...]) -> Iterator[Any]:
    curs.execute(query, params)
    while rows := curs.fetchmany(FETCH):
        yield from rows


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _as_bytes(value: Any) -> bytes:
    """A stored blob as bytes, whatever a direct edit left in the column (SQLite may hold text, or NULL)."""
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def merged_streams(event_rows: Iterable[Any], chain_rows: Iterable[Any]) -> Iterator[tuple[UUID, list[Entry]]]:
    """Group both tables' rows into each stream's entries, in version order."""
    events = ((_uuid(r["originator_id"]), int(r["originator_version"]), 0, r) for r in event_rows)
    chain = ((_uuid(r["originator_id"]), int(r["originator_version"]), 1, r) for r in chain_rows)
    merged = heapq.merge(events, chain, key=lambda item: (item[0], item[1], item[2]))
    for stream, items in groupby(merged, key=lambda item: item[0]):
        entries: list[Entry] = []
        for _, version, source, row in items:
            if not entries or entries[-1].version != version:
                entries.append(Entry(version))
            entry = entries[-1]
            if source == 0:
                entry.topic, entry.state = str(row["topic"]), _as_bytes(row["state"])
            else:
                entry.stored, entry.seq = _as_bytes(row["hash"]), int(row["seq"])
        yield stream, entries


def scan(recorder: Any, stream: UUID | None) -> Iterator[tuple[UUID, list[Entry]]]:
    """Every stream's entries (or one stream's), read from both tables in one transaction."""
    tables = chain_tables(recorder)
    where = " WHERE originator_id = ?" if stream is not None else ""
    params: tuple[Any, ...] = (tables.id_param(stream),) if stream is not None else ()
    events_sql = tables.sql("SELECT originator_id, originator_version, topic, state FROM {events}" + where
                            + " ORDER BY originator_id, originator_version")
    chain_sql = tables.sql("SELECT originator_id, originator_version, hash, seq FROM {chain}" + where
                           + " ORDER BY originator_id, originator_version")
    if isinstance(tables, PostgresChainTables):
        with recorder.datastore.get_connection() as conn, conn.transaction(force_rollback=True):
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            with conn.cursor(name="verify_events") as e_curs, conn.cursor(name="verify_chain") as c_curs:
                e_curs.itersize = c_curs.itersize = FETCH
                yield from merged_streams(_rows(e_curs, events_sql, params), _rows(c_curs, chain_sql, params))
        return
    with recorder.datastore.transaction(commit=False) as curs:
        connection = curs.sqlite_cursor.connection
        e_curs, c_curs = connection.cursor(), connection.cursor()
        try:
            yield from merged_streams(_rows(e_curs, events_sql, params), _rows(c_curs, chain_sql, params))
        finally:
            e_curs.close()
            c_curs.close()


# -- the whole run ------------------------------------------------------------------------------------------------


def verify(
    recorder: Any,
    *,
    stream: UUID | None = None,
    checkpoint: Checkpoint | None = None,
    digest: Digest | None = None,
    progress: Callable[[int], None] | None = None,
) -> Verification:
    """Check every chain (or `stream`'s), and each licence's head against `digest` or the stored `checkpoint`."""
    result = Verification()
    leaves: list[bytes] = []
    seen: set[UUID] = set()
    for sid, entries in scan(recorder, stream):
        problems, recomputed = check_stream(sid, entries)
        result.problems.extend(problems)
        result.streams += 1
        result.events += sum(1 for e in entries if e.state is not None)
        seen.add(sid)
        if digest is not None:
            expected = digest.heads.get(sid)
            if expected is not None:
                result.problems.extend(_against_head(sid, expected, recomputed))
        elif checkpoint is not None:
            covered = [e.version for e in entries if e.seq is not None and e.seq <= checkpoint.upto]
            if covered:
                version = max(covered)
                leaves.append(leaf_hash(sid, version, recomputed.get(version, b"")))
        if progress is not None:
            progress(len(entries))
    if digest is not None:
        result.problems.extend(Problem(sid, head.version, "deleted", "the whole licence is gone since the checkpoint")
                               for sid, head in digest.heads.items()
                               if sid not in seen and (stream is None or sid == stream))
    elif checkpoint is not None and stream is None:
        result.checkpoint_root = merkle_root(leaves).hex()
    return result


def _against_head(stream: UUID, expected: Head, recomputed: dict[int, bytes]) -> list[Problem]:
    if recomputed.get(expected.version) == expected.hash:
        return []
    return [Problem(stream, expected.version, "checkpoint",
                    f"the history up to version {expected.version} differs from the one the checkpoint signed "
                    f"(an event at or before it was edited, inserted, deleted or reordered)")]


def verify_ledger(
    recorder: Any,
    numbers: Callable[[UUID], str | None],
    *,
    stream: UUID | None = None,
    digest: Digest | None = None,
    progress: Callable[[int], None] | None = None,
) -> Verification:
    """`verify` against `digest`, or else against the last stored checkpoint (its signature and its root), with
    each problem's licence number filled in by `numbers` (stream → number, None when it cannot be read)."""
    checkpoint = last_checkpoint(recorder) if digest is None else None
    result = verify(recorder, stream=stream, checkpoint=checkpoint, digest=digest, progress=progress)
    if checkpoint is not None:
        label = f"checkpoint {checkpoint.id} ({checkpoint.created_at.isoformat()})"
        if not checkpoint.signature_is_valid():
            result.ledger_problems.append(f"{label}: its signature is not valid (the checkpoint was altered)")
        if result.checkpoint_root is not None and result.checkpoint_root != checkpoint.root:
            result.ledger_problems.append(
                f"{label}: the ledger no longer leads to its signed root (history before it was changed; "
                f"verify --against an exported digest file to name the licence)")
    known = dict(digest.numbers) if digest is not None else {}
    result.problems = [
        Problem(p.stream, p.version, p.kind, p.detail, known.get(p.stream) or numbers(p.stream))
        for p in result.problems
    ]
    return result
