"""The decoded records of recently read licences, kept per stream version.

A stream only grows and a (stream, version) pair always names the same events, so a record decoded at a version
is valid as long as the stream's last version is unchanged (`PointsLedger.get_record` checks it with a one-row
read).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from uuid import UUID

from ledger.facts import LicenceRecord


class VersionedRecords:
    """A bounded, thread-safe LRU of decoded records, each valid for exactly one stream version."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[UUID, tuple[int, LicenceRecord]] = OrderedDict()
        self._lock = threading.Lock()

    def holds(self, stream: UUID) -> bool:
        """Whether some version of the stream's record is kept (worth checking the stream's last version)."""
        return stream in self._items

    def get(self, stream: UUID, version: int) -> LicenceRecord | None:
        with self._lock:
            item = self._items.get(stream)
            if item is None or item[0] != version:
                return None
            self._items.move_to_end(stream)
            return item[1]

    def put(self, stream: UUID, version: int, record: LicenceRecord) -> None:
        if self._size <= 0:
            return
        with self._lock:
            self._items[stream] = (version, record)
            self._items.move_to_end(stream)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
