"""A faster transcoder for the library, writing exactly the bytes its own JSON transcoder writes.

The library's `JSONTranscoder` calls a Python function for every date and datetime on the way out and for every
JSON object on the way in; with eight events per licence that was a fifth of a rebuild and of a bulk import
(docs/performance.md). This one hands the work to orjson for the shape every ledger event has — a flat object of
strings, integers, booleans, nulls and registered values (dates, datetimes) whose encoding is itself a plain
scalar — and falls back to the library's own code for anything else (floats, nested containers, enum
subclasses of `str`, integers beyond 64 bits, text orjson refuses).

The stored bytes do not change (tests/ledger/test_transcoder.py checks them against the library's transcoder
on generated states, control characters and non-ASCII text included), so a store written by either transcoder is
read by both: no format version, nothing to migrate, and a reader built on the plain library still works.
docs/decisions/0051-fast-transcoder.md says why.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import orjson
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding

_SCALARS = frozenset({str, int, bool, type(None)})
_NATIVE_ZONES = (None, UTC)


class _LibraryNumber(Exception):
    """A number orjson may read differently from `json` (see `FastJSONTranscoder._revive`)."""


class DateAsISO(Transcoding):
    """Legal dates are stored as ISO strings (YYYY-MM-DD)."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class FastJSONTranscoder(JSONTranscoder):
    """The library's JSON format, encoded and decoded by orjson where that gives the same result."""

    _date_name: str | None = None
    _datetime_name: str | None = None
    _readers: dict[str, Any] | None = None  # transcoding name → its decode, as a builtin where it is one

    def encode(self, obj: Any) -> bytes:
        if type(obj) is dict:
            flat = self._flat(obj)
            if flat is not None:
                try:
                    return orjson.dumps(flat)
                except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits, a lone surrogate
                    pass
        return super().encode(obj)

    def decode(self, data: bytes) -> Any:
        try:
            return self._revive(orjson.loads(data))
        except (orjson.JSONDecodeError, _LibraryNumber):  # NaN, Infinity, any float: the library's parser
            return super().decode(data)

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        # Values orjson writes itself exactly as the registered transcoding would (ISO 8601, checked in the
        # tests): dates, and datetimes naive or in UTC. Saves a Python call per value.
        self._date_name = self._name_if(date, DateAsISO)
        self._datetime_name = self._name_if(datetime, DatetimeAsISO)
        # Reading: the two ISO transcodings' `decode` is exactly `fromisoformat`; call it without the method.
        builtin = {DateAsISO: date.fromisoformat, DatetimeAsISO: datetime.fromisoformat}
        self._readers = {name: builtin.get(type(t), t.decode) for name, t in self.names.items()}

    def _name_if(self, kind: type, transcoding_class: type[Transcoding]) -> str | None:
        transcoding = self.types.get(kind)
        return transcoding.name if type(transcoding) is transcoding_class else None

    def _flat(self, obj: dict[Any, Any]) -> dict[str, Any] | None:
        """`obj` with each registered value replaced by the library's `{"_type_", "_data_"}` object, or None
        when some value is not of the simple kinds whose orjson encoding is known to match `json`'s (a key that
        is not a string makes orjson raise, and the library's encoder takes over)."""
        flat: dict[str, Any] = {}
        date_name, datetime_name = self._date_name, self._datetime_name
        for key, value in obj.items():
            kind = type(value)
            if kind in _SCALARS:
                flat[key] = value
            elif kind is date and date_name is not None:
                flat[key] = {"_type_": date_name, "_data_": value}
            elif kind is datetime and datetime_name is not None and value.tzinfo in _NATIVE_ZONES:
                flat[key] = {"_type_": datetime_name, "_data_": value}
            else:
                transcoding = self.types.get(kind)
                if transcoding is None:
                    return None
                data = transcoding.encode(value)
                if type(data) not in _SCALARS:
                    return None
                flat[key] = {"_type_": transcoding.name, "_data_": data}
        return flat

    def _transcoded(self, name: str, data: str) -> Any:
        read = self._readers.get(name) if self._readers is not None else None
        if read is None:
            return self._decode_obj({"_type_": name, "_data_": data})  # the library's answer, or its error
        return read(data)

    def _revive(self, obj: Any) -> Any:
        """What `json`'s `object_hook` does: every object, innermost first, goes through `_decode_obj`.

        A float hands the whole document back to the library's parser: orjson reads an integer beyond 64 bits
        as a float, `json` as an integer, and the ledger stores no floats anyway.
        """
        kind = type(obj)
        if kind is dict:
            for key, value in obj.items():
                kind = type(value)
                if kind is dict:
                    data = value.get("_data_")
                    if len(value) == 2 and type(data) is str and type(value.get("_type_")) is str:
                        obj[key] = self._transcoded(value["_type_"], data)  # a date or datetime: no recursion
                    else:
                        obj[key] = self._revive(value)
                elif kind is list:
                    obj[key] = self._revive(value)
                elif kind is float:
                    raise _LibraryNumber
            return self._decode_obj(obj)
        if kind is list:
            return [self._revive(item) for item in obj]
        if kind is float:
            raise _LibraryNumber
        return obj


def iso_transcoding_names(transcoder: Any) -> tuple[str, str] | None:
    """The names under which `transcoder` stores dates and datetimes, when it writes the library's JSON format
    (the library's transcoder or ours, not a subclass) with the ledger's ISO transcodings of both; else None.

    Code that writes or reads that format without the transcoder (`ledger.fact_writers`,
    `ledger.event_readers`) exists only for such a transcoder."""
    if type(transcoder) not in (FastJSONTranscoder, JSONTranscoder):
        return None
    dates, datetimes = transcoder.types.get(date), transcoder.types.get(datetime)
    if type(dates) is not DateAsISO or type(datetimes) is not DatetimeAsISO:
        return None
    return dates.name, datetimes.name
