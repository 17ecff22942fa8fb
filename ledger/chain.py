"""Tamper evidence, the arithmetic: each event's SHA-256 chained over its licence's previous event, and a Merkle
tree over the licences' heads (docs/decisions/0060-hash-chain.md). Pure functions, no I/O.

- **Event hash.** `h(v) = SHA-256(h(v-1) ‖ stream id (16 bytes) ‖ version (8 bytes) ‖ len(topic) ‖ topic ‖ state)`,
  with `h(0)` = 32 zero bytes. `state` is the event exactly as stored (the library's transcoded bytes): the
  chain covers what is in the table, whatever transcoder wrote it, and checking it decodes nothing.
- **Ledger digest.** A Merkle tree in the manner of Certificate Transparency (RFC 6962 §2.1): leaves are the
  licences' heads `SHA-256(0x00 ‖ stream id ‖ version ‖ h(version))`, sorted by stream id; a node is
  `SHA-256(0x01 ‖ left ‖ right)`; an odd node is promoted unchanged. The root commits to every licence's whole
  history; an inclusion path of about log2(licences) hashes proves one licence's place in it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from uuid import UUID

GENESIS = bytes(32)
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def event_hash(previous: bytes, stream: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The chained hash of one stored event (see the module docstring)."""
    return _hash(previous, stream.bytes, version, topic, state)


def _hash(previous: bytes, stream: bytes, version: int, topic: str, state: bytes) -> bytes:
    digest = hashlib.sha256(previous)
    digest.update(stream)
    digest.update(version.to_bytes(8, "big"))
    digest.update(_topic_bytes(topic))
    digest.update(state)
    return digest.digest()


def new_stream_hashes(stream: bytes, events: Iterable[tuple[int, str, bytes]]) -> list[bytes]:
    """The hashes of a new stream's events (`stream`: its id's 16 bytes; events: version, topic, state in
    version order from 1), chained from `GENESIS`."""
    hashes: list[bytes] = []
    previous = GENESIS
    hash_of = _hash
    for version, topic, state in events:
        previous = hash_of(previous, stream, version, topic, state)
        hashes.append(previous)
    return hashes


@lru_cache(maxsize=256)
def _topic_bytes(topic: str) -> bytes:
    """A topic as hashed: its length (4 bytes) then its UTF-8 bytes (a handful of topics: computed once each)."""
    encoded = topic.encode()
    return len(encoded).to_bytes(4, "big") + encoded


def leaf_hash(stream: UUID, version: int, head: bytes) -> bytes:
    """A licence's leaf in the ledger digest: its stream, how far the checkpoint saw it, and that event's hash."""
    return hashlib.sha256(LEAF_PREFIX + stream.bytes + version.to_bytes(8, "big") + head).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The root of the tree over `leaves` (in order); the empty ledger's root is SHA-256 of nothing."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
    return level[0]


@dataclass(frozen=True, slots=True)
class PathStep:
    """One sibling on the way from a leaf to the root: its hash, and whether it sits on the left."""

    sibling: bytes
    sibling_is_left: bool


def inclusion_path(leaves: Sequence[bytes], index: int) -> list[PathStep]:
    """The siblings that take leaf `index` to the root (levels where the node is promoted add no step)."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} is not in a tree of {len(leaves)}")
    path: list[PathStep] = []
    level = list(leaves)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(PathStep(level[sibling], sibling < index))
        level = [node_hash(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
        index //= 2
    return path


def root_from_path(leaf: bytes, path: Sequence[PathStep]) -> bytes:
    """The root a leaf and its inclusion path lead to (an offline checker compares it with a signed root)."""
    node = leaf
    for step in path:
        node = node_hash(step.sibling, node) if step.sibling_is_left else node_hash(node, step.sibling)
    return node
