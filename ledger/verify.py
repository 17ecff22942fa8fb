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

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any
from uuid import UUID

from psycopg.rows import tuple_row

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
    intact = _intact(stream, entries)
    if intact is not None:
        return [], intact
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


def _intact(stream: UUID, entries: list[Entry]) -> dict[int, bytes] | None:
    """The common case, checked fast: versions 1…n, each event with its chain entry, each hash matching. None as
    soon as anything differs (the caller then looks at the stream closely)."""
    running = GENESIS
    recomputed: dict[int, bytes] = {}
    for expected, entry in enumerate(entries, start=1):
        if entry.version != expected or entry.state is None or entry.topic is None or entry.stored is None:
            return None
        running = event_hash(running, stream, expected, entry.topic, entry.state)
        if running != entry.stored:
            return None
        recomputed[expected] = running
    return recomputed


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


def grouped_streams(rows: Iterable[Any], orphans: dict[Any, list[Entry]]) -> Iterator[tuple[UUID, list[Entry]]]:
    """Each stream's entries from the events joined to their chain rows (in stream order), with the chain rows
    that lost their event (`orphans`, by raw stream id) put back in version order."""
    for key, items in groupby(rows, key=lambda row: row[0]):
        entries = [Entry(row[1], row[2], row[3] if type(row[3]) is bytes else _as_bytes(row[3]),
                         row[4] if row[4] is None or type(row[4]) is bytes else _as_bytes(row[4]), row[5])
                   for row in items]
        lost = orphans.pop(key, None)
        if lost:
            entries = sorted(entries + lost, key=lambda entry: entry.version)
        yield _uuid(key), entries
    for key, lost in sorted(orphans.items(), key=lambda item: str(item[0])):
        yield _uuid(key), sorted(lost, key=lambda entry: entry.version)


def _orphans(curs: Any, query: Any, params: tuple[Any, ...]) -> dict[Any, list[Entry]]:
    found: dict[Any, list[Entry]] = {}
    for row in _rows(curs, query, params):
        found.setdefault(row[0], []).append(Entry(row[1], None, None, _as_bytes(row[2]), row[3]))
    return found


def scan(recorder: Any, stream: UUID | None) -> Iterator[tuple[UUID, list[Entry]]]:
    """Every stream's entries (or one stream's), read in one transaction: the events joined to their chain rows
    in primary-key order, and the chain rows whose event is gone."""
    tables = chain_tables(recorder)
    where = " WHERE e.originator_id = ?" if stream is not None else ""
    orphan_where = " AND c.originator_id = ?" if stream is not None else ""
    params: tuple[Any, ...] = (tables.id_param(stream),) if stream is not None else ()
    joined = tables.sql("SELECT e.originator_id, e.originator_version, e.topic, e.state, c.hash, c.seq "
                        "FROM {events} AS e LEFT JOIN {chain} AS c ON c.originator_id = e.originator_id "
                        "AND c.originator_version = e.originator_version" + where
                        + " ORDER BY e.originator_id, e.originator_version")
    lost = tables.sql("SELECT c.originator_id, c.originator_version, c.hash, c.seq FROM {chain} AS c WHERE NOT "
                      "EXISTS (SELECT 1 FROM {events} AS e WHERE e.originator_id = c.originator_id AND "
                      "e.originator_version = c.originator_version)" + orphan_where)
    if isinstance(tables, PostgresChainTables):
        with recorder.datastore.get_connection() as conn, conn.transaction(force_rollback=True):
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            with conn.cursor(row_factory=tuple_row) as o_curs:
                orphans = _orphans(o_curs, lost, params)
            with conn.cursor(name="verify_events", row_factory=tuple_row) as curs:
                curs.itersize = FETCH
                yield from grouped_streams(_rows(curs, joined, params), orphans)
        return
    with recorder.datastore.transaction(commit=False) as wrapped:
        connection = wrapped.sqlite_cursor.connection
        curs = connection.cursor()
        curs.row_factory = None
        try:
            orphans = _orphans(curs, lost, params)
            yield from grouped_streams(_rows(curs, joined, params), orphans)
        finally:
            curs.close()


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
