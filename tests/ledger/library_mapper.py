"""The library's own mapper and JSON transcoder with the ledger's transcodings, and the ledger's own (in memory):
what the generated writers (tests/ledger/test_fact_writers.py) and readers (tests/ledger/test_event_readers.py)
are held to."""

from __future__ import annotations

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, UUIDAsHex

from ledger.application import PointsLedger, register_ledger_transcodings


def library_transcoder() -> JSONTranscoder:
    """The library's `JSONTranscoder` registered as the ledger registers its own."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr()):
        transcoder.register(transcoding)
    register_ledger_transcodings(transcoder)
    return transcoder


LIBRARY = Mapper(transcoder=library_transcoder())  # the library's own mapper and JSON transcoder
LEDGER = PointsLedger({"PERSISTENCE_MODULE": "eventsourcing.popo"})  # the ledger's mapper, in memory
