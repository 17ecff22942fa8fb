"""A new licence's stream as PostgreSQL binary COPY bytes: its events' rows and its hash-chain rows.

psycopg's `write_row` adapts every value of every row in Python (a type lookup, a dumper call, a length prefix
per field): with four fields per event it cost about as much as deciding the event. The layout of a binary COPY
is fixed and simple (PostgreSQL manual, "COPY — Binary Format": a signature, then per row a 16-bit field count
and each field as a 32-bit length and its bytes, then a -1 trailer), and our fields are four known types, so the
rows are packed here with `struct`, once per stream, and the writer only concatenates the streams it keeps.

The chain rows are those of a stream that has no event yet (`ledger.chain`: hashed from `GENESIS`): the bulk
import writes only such streams, checked under the table lock in the same transaction.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from functools import lru_cache
from uuid import UUID

from ledger.chain import new_stream_hashes

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # the signature, then 32-bit flags and header-extension length
TRAILER = b"\xff\xff"
# An event row: 4 fields; uuid (16 bytes); int8 version; then the topic's length (its bytes follow).
_EVENT = struct.Struct(">hi16siqi")
# A chain row: 3 fields; uuid; int8 version; bytea hash (32 bytes).
_CHAIN = struct.Struct(">hi16siqi32s")
_LENGTH = struct.Struct(">i")

Row = tuple[UUID, int, str, bytes]  # a stored event: stream, version, topic, state (`ledger.bulk_rows.Row`)


@lru_cache(maxsize=256)
def _topic(topic: str) -> bytes:
    return topic.encode()


def stream_payload(rows: Sequence[Row]) -> tuple[bytes, bytes]:
    """The binary COPY rows (no signature, no trailer) of a new stream's events (all of one stream, in version
    order from 1) and of their chain rows."""
    key = rows[0][0].bytes
    parts: list[bytes] = []
    events: list[tuple[int, str, bytes]] = []
    event_header, length = _EVENT.pack, _LENGTH.pack
    for _, version, topic, state in rows:
        encoded = _topic(topic)
        parts += (event_header(4, 16, key, 8, version, len(encoded)), encoded, length(len(state)), state)
        events.append((version, topic, state))
    hashes = new_stream_hashes(key, events)
    chain_row = _CHAIN.pack
    chain = b"".join([chain_row(3, 16, key, 8, version, 32, digest)
                      for (version, _, _), digest in zip(events, hashes, strict=True)])
    return b"".join(parts), chain


def payload(rows: Sequence[bytes]) -> bytes:
    """A whole binary COPY stream of `rows` (each as `stream_payload` returns them)."""
    return b"".join([SIGNATURE, *rows, TRAILER])
