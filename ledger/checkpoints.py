"""Checkpoints: the ledger-wide digest (a Merkle root over the licences' heads) recorded, signed and exported.

A checkpoint covers every chain row up to `upto` (the chain table's insertion order): each licence's head is its
last version at that point and that version's hash (`ledger.chain.leaf_hash`). Its statement (id, time, upto,
counts, root) is signed with Ed25519 (`cryptography`); the private key comes from the settings and never enters
the store, so whoever can rewrite the tables cannot forge a checkpoint. An exported digest file holds the signed
statement and every leaf (licence number, version, head): `points-ledger verify --against FILE` then names the
licence whose history no longer leads to the head the checkpoint saw, even if the chain table was rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.chain import leaf_hash, merkle_root
from ledger.chain_store import PostgresChainTables, chain_tables
from ledger.proof_check import checkpoint_statement, signature_valid

DIGEST_FORMAT = "points-ledger-digest/1"


@dataclass(frozen=True, slots=True)
class Head:
    """A licence's head in a checkpoint: its stream, last version covered and that version's chained hash."""

    stream: UUID
    version: int
    hash: bytes

    @property
    def leaf(self) -> bytes:
        return leaf_hash(self.stream, self.version, self.hash)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed ledger digest. `root`, `public_key` and `signature` are hex strings."""

    id: int
    created_at: datetime
    upto: int
    streams: int
    events: int
    root: str
    public_key: str
    signature: str

    def statement(self) -> bytes:
        """The bytes that are signed (`ledger.proof_check.checkpoint_statement`)."""
        return checkpoint_statement(self.as_json())

    def signature_is_valid(self, trusted_key: str | None = None) -> bool:
        """Whether `signature` signs `statement()` under `public_key` (and that key is `trusted_key`, if given)."""
        return signature_valid(self.as_json(), trusted_key)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        return cls(id=int(data["id"]), created_at=datetime.fromisoformat(data["created_at"]), upto=int(data["upto"]),
                   streams=int(data["streams"]), events=int(data["events"]), root=str(data["root"]),
                   public_key=str(data["public_key"]), signature=str(data["signature"]))


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _stream(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def heads_at(curs: Any, recorder: Any, upto: int) -> list[Head]:
    """Every licence's head among the chain rows `seq <= upto`, sorted by stream (the leaves' order)."""
    tables = chain_tables(recorder)
    if isinstance(tables, PostgresChainTables):
        query = tables.sql("SELECT DISTINCT ON (originator_id) originator_id, originator_version AS version, hash "
                           "FROM {chain} WHERE seq <= ? ORDER BY originator_id, originator_version DESC")
    else:  # SQLite returns the row of the MAX() for the bare columns
        query = tables.sql("SELECT originator_id, MAX(originator_version) AS version, hash FROM {chain} "
                           "WHERE seq <= ? GROUP BY originator_id")
    curs.execute(query, (upto,))
    heads = [Head(_stream(row["originator_id"]), int(row["version"]), bytes(row["hash"])) for row in curs.fetchall()]
    heads.sort(key=lambda head: head.stream)
    return heads


def root_of(heads: Sequence[Head]) -> bytes:
    return merkle_root([head.leaf for head in heads])


def create_checkpoint(recorder: Any, key: Ed25519PrivateKey, now: datetime) -> tuple[Checkpoint, list[Head]]:
    """Record a signed checkpoint of everything chained so far; returns it with the heads it covers."""
    tables = chain_tables(recorder)
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute(tables.sql("SELECT COALESCE(MAX(seq), 0) AS upto, COUNT(*) AS events FROM {chain}"))
        row = curs.fetchone()
        upto, events = int(row["upto"]), int(row["events"])
        heads = heads_at(curs, recorder, upto)
        curs.execute(tables.sql("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM {checkpoints}"))
        next_id = int(curs.fetchone()["next"])
        unsigned = Checkpoint(next_id, now, upto, len(heads), events, root_of(heads).hex(), public_key_hex(key), "")
        checkpoint = Checkpoint(**{**asdict(unsigned), "signature": key.sign(unsigned.statement()).hex()})
        curs.execute(tables.sql("INSERT INTO {checkpoints} (id, created_at, upto, streams, events, root, public_key, "
                                "signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                     (checkpoint.id, _moment_param(tables, now), upto, len(heads), events, checkpoint.root,
                      checkpoint.public_key, checkpoint.signature))
    return checkpoint, heads


def _moment_param(tables: Any, moment: datetime) -> Any:
    return moment if isinstance(tables, PostgresChainTables) else moment.isoformat()


def last_checkpoint(recorder: Any) -> Checkpoint | None:
    """The most recent checkpoint, or None when none was recorded."""
    tables = chain_tables(recorder)
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(tables.sql("SELECT id, created_at, upto, streams, events, root, public_key, signature "
                                "FROM {checkpoints} ORDER BY id DESC LIMIT 1"))
        row = curs.fetchone()
    if row is None:
        return None
    created = row["created_at"]
    return Checkpoint(int(row["id"]), created if isinstance(created, datetime) else datetime.fromisoformat(created),
                      int(row["upto"]), int(row["streams"]), int(row["events"]), row["root"], row["public_key"],
                      row["signature"])


def checkpoint_heads(recorder: Any, checkpoint: Checkpoint) -> list[Head]:
    """The heads a checkpoint covered, read back from the chain table."""
    with recorder.datastore.transaction(commit=False) as curs:
        return heads_at(curs, recorder, checkpoint.upto)


# -- the exported digest file ------------------------------------------------------------------------------------


def digest_lines(checkpoint: Checkpoint, heads: Sequence[Head], numbers: dict[UUID, str]) -> Iterator[str]:
    """The digest file, as JSON lines: the signed checkpoint, then one leaf per licence."""
    yield json.dumps({"format": DIGEST_FORMAT, "checkpoint": checkpoint.as_json()}, sort_keys=True)
    for head in heads:
        yield json.dumps({"licence_number": numbers.get(head.stream), "stream": str(head.stream),
                          "version": head.version, "hash": head.hash.hex()}, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Digest:
    """A digest file read back: the signed checkpoint and its leaves by stream (with licence numbers)."""

    checkpoint: Checkpoint
    heads: dict[UUID, Head]
    numbers: dict[UUID, str]


class InvalidDigest(ValueError):
    """A digest file that cannot be read, or whose signature or leaves do not match its own root."""


def read_digest(lines: Sequence[str]) -> Digest:
    """Parse and self-check a digest file (signature, and the leaves leading to the signed root)."""
    try:
        header = json.loads(lines[0])
        if header.get("format") != DIGEST_FORMAT:
            raise InvalidDigest(f"not a {DIGEST_FORMAT} file")
        checkpoint = Checkpoint.from_json(header["checkpoint"])
        heads: dict[UUID, Head] = {}
        numbers: dict[UUID, str] = {}
        for text in lines[1:]:
            if not text.strip():
                continue
            leaf = json.loads(text)
            stream = UUID(leaf["stream"])
            heads[stream] = Head(stream, int(leaf["version"]), bytes.fromhex(leaf["hash"]))
            if leaf.get("licence_number"):
                numbers[stream] = str(leaf["licence_number"])
    except (IndexError, KeyError, TypeError, ValueError) as error:
        if isinstance(error, InvalidDigest):
            raise
        raise InvalidDigest(f"unreadable digest file: {error}") from None
    if not checkpoint.signature_is_valid():
        raise InvalidDigest("the checkpoint's signature is not valid")
    if root_of(sorted(heads.values(), key=lambda h: h.stream)).hex() != checkpoint.root:
        raise InvalidDigest("the file's leaves do not lead to its signed root")
    return Digest(checkpoint, heads, numbers)
