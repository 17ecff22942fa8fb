"""The national backfill formats (docs/formats/backfill.md): one fact per line, a licence's lines together.

`points-ledger import --bulk` streams these into `ledger.bulk_import.BulkImporter`: JSON lines
(`{"licence_number": …, "type": "offence", "fact_id": …, …}`) or CSV with the same names as columns (empty cell:
absent; a speeding offence in `speeding_limit_kmh`, `speeding_excess_kmh`). A licence's lines are consecutive and
its `licence` line comes first, so one licence at a time is held in memory whatever the file's size. A line that
cannot be read rejects its whole licence (nothing of it is written) with the line, the field and the reason;
the checks of the facts themselves are the aggregate's (`ledger.licence.Licence`), the same as for one recorded
fact.
"""

from __future__ import annotations

import csv
import json
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import MISSING, Field, dataclass, fields, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TextIO

from ledger import facts as fact_types
from ledger import kinds
from ledger.facts import Fact, LegalFact, LicenceRecord, Speeding

FACT_TYPES: dict[str, type[Fact]] = {kind.name: kind.fact for kind in kinds.ALL_KINDS}  # declared in ledger.kinds
SPEEDING_COLUMNS = ("speeding_limit_kmh", "speeding_excess_kmh")
NOT_READ = {"seq"}  # set by the ledger, never by a file


@dataclass(frozen=True, slots=True)
class BadLicence:
    """A licence of the file that cannot be imported: its first unreadable line, the field and the reason."""

    licence_number: str
    line: int
    field: str
    reason: str


class _BadValue(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def columns() -> list[str]:
    """The CSV header: every field of every kind of fact, once (`licence_number` and `type` first)."""
    names: dict[str, None] = {"licence_number": None, "type": None}
    for cls in FACT_TYPES.values():
        for f in fields(cls):
            if f.name in NOT_READ:
                continue
            if f.name == "speeding":
                names.update(dict.fromkeys(SPEEDING_COLUMNS))
            else:
                names[f.name] = None
    return list(names)


def _value(name: str, raw: Any, hint: Any) -> Any:
    """`raw` (a JSON value or a CSV cell) as the field's type."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if raw is None or raw == "":
        if type(None) in options:
            return None
        raise _BadValue(name, "is required")
    kind = next(o for o in options if o is not type(None))
    try:
        if kind is datetime:
            moment = datetime.fromisoformat(raw)
            if moment.tzinfo is None:
                raise _BadValue(name, f"{raw!r} has no time zone offset")
            return moment
        if kind is date:
            return date.fromisoformat(raw)
        if kind is int:
            if isinstance(raw, bool) or not isinstance(raw, int | str):
                raise _BadValue(name, f"{raw!r} is not an integer")
            return int(raw)
        if isinstance(kind, type) and issubclass(kind, StrEnum):
            return kind(raw)
        if kind is Speeding:
            return Speeding(int(raw["limit_kmh"]), int(raw["excess_kmh"]))
        if kind is str:
            if not isinstance(raw, str):
                raise _BadValue(name, f"{raw!r} is not text")
            return raw
    except _BadValue:
        raise
    except (ValueError, TypeError, KeyError) as error:
        raise _BadValue(name, f"{raw!r} is not a valid value: {error}") from error
    raise _BadValue(name, f"unsupported value {raw!r}")


_Shape = tuple[dict[str, Any], tuple[Field[Any], ...], frozenset[str]]
_SHAPES: dict[type[Any], _Shape] = {}


def _shape_of(cls: type[Any]) -> _Shape:
    """A fact class's field types, the fields a line may give and their names — once per class, not per line:
    `typing.get_type_hints` evaluates every annotation again at each call (it was most of `import --bulk`)."""
    shape = _SHAPES.get(cls)
    if shape is None:
        read = tuple(f for f in fields(cls) if f.name not in NOT_READ)
        shape = _SHAPES[cls] = (typing.get_type_hints(cls), read, frozenset(f.name for f in read))
    return shape


def fact_of(values: Mapping[str, Any]) -> tuple[str, Fact]:
    """One line's licence number and fact (raises `_BadValue` naming the field)."""
    number = values.get("licence_number")
    if not isinstance(number, str) or not number.strip():
        raise _BadValue("licence_number", "is required")
    cls = FACT_TYPES.get(values.get("type") or "")
    if cls is None:
        raise _BadValue("type", f"{values.get('type')!r} is not one of {', '.join(FACT_TYPES)}")
    hints, read, names = _shape_of(cls)
    given = {k: v for k, v in values.items() if v not in (None, "")} if isinstance(values, dict) else dict(values)
    unknown = set(given) - names - {"licence_number", "type", *SPEEDING_COLUMNS}
    if unknown:
        raise _BadValue(sorted(unknown)[0], f"is not a field of a {values['type']} line")
    if cls is fact_types.OffenceEstablished and any(given.get(c) for c in SPEEDING_COLUMNS):
        given["speeding"] = {"limit_kmh": given.pop(SPEEDING_COLUMNS[0], None),
                             "excess_kmh": given.pop(SPEEDING_COLUMNS[1], None)}
    kwargs: dict[str, Any] = {}
    for f in read:
        if f.name not in given and (f.default is not MISSING or f.default_factory is not MISSING):
            continue
        kwargs[f.name] = _value(f.name, given.get(f.name), hints[f.name])
    if cls is fact_types.LicenceObtained:
        kwargs["licence_number"] = number
    return number, cls(**kwargs)


def read_records(lines: Iterable[tuple[int, Mapping[str, Any] | str]]) -> Iterator[LicenceRecord | BadLicence]:
    """(line number, parsed values or an error text) → one `LicenceRecord` per run of a licence's lines."""
    number: str | None = None
    licence: fact_types.LicenceObtained | None = None
    facts: list[LegalFact] = []
    bad: BadLicence | None = None
    for line, values in lines:
        try:
            if isinstance(values, str):
                raise _BadValue("line", values)
            current, fact = fact_of(values)
        except _BadValue as error:
            current = str(values.get("licence_number") or "") if not isinstance(values, str) else ""
            if current != number or not current:
                yield from _finish(number, licence, facts, bad)
                number, licence, facts, bad = current, None, [], None
            bad = bad or BadLicence(current, line, error.field, error.reason)
            continue
        if current != number:
            yield from _finish(number, licence, facts, bad)
            number, licence, facts, bad = current, None, [], None
        if isinstance(fact, fact_types.LicenceObtained):
            if licence is not None:
                bad = bad or BadLicence(current, line, "type", "a second licence line for the same licence")
            licence = fact
        elif licence is None:
            bad = bad or BadLicence(current, line, "type", "the licence line must come before its facts")
        else:
            # A licence's lines are in recording order: the order breaks ties of `recorded_at` (`Fact.seq`).
            facts.append(typing.cast(LegalFact, replace(fact, seq=len(facts) + 1)))
    yield from _finish(number, licence, facts, bad)


def _finish(number: str | None, licence: fact_types.LicenceObtained | None, facts: list[LegalFact],
            bad: BadLicence | None) -> Iterator[LicenceRecord | BadLicence]:
    if bad is not None:
        yield bad
    elif licence is not None:
        yield LicenceRecord(licence, tuple(facts))
    elif number:
        yield BadLicence(number, 0, "type", "no licence line")


def json_lines(source: TextIO) -> Iterator[tuple[int, Mapping[str, Any] | str]]:
    """Each non-blank line of a JSON-lines file, parsed (or the reason it is not a JSON object)."""
    for line, text in enumerate(source, start=1):
        if not text.strip():
            continue
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            yield line, f"not JSON: {error.msg}"
            continue
        yield line, values if isinstance(values, dict) else "not a JSON object"


def csv_lines(source: TextIO) -> Iterator[tuple[int, Mapping[str, Any] | str]]:
    """Each row of a backfill CSV (header line 1) as a mapping of its non-empty cells."""
    reader = csv.DictReader(source)
    missing = {"licence_number", "type"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"the header lacks {', '.join(sorted(missing))}")
    for row in reader:
        extra = row.pop(None, None)
        if extra:
            yield reader.line_num, "more cells than the header has columns"
            continue
        yield reader.line_num, {k: v for k, v in row.items() if v}


def lines_of(record: LicenceRecord) -> Iterator[dict[str, Any]]:
    """A record as backfill lines (JSON values), the licence first: the inverse of `read_records`."""
    number = record.licence_number
    for fact in (record.licence, *record.facts):
        values: dict[str, Any] = {"licence_number": number, "type": _TYPE_NAMES[type(fact)]}
        for f in fields(fact):
            value = getattr(fact, f.name)
            if f.name in NOT_READ or value is None or (f.name == "licence_number"):
                continue
            if isinstance(value, Speeding):
                value = {"limit_kmh": value.limit_kmh, "excess_kmh": value.excess_kmh}
            elif isinstance(value, date):  # datetime too
                value = value.isoformat()
            values[f.name] = value
        yield values


_TYPE_NAMES = {cls: name for name, cls in FACT_TYPES.items()}
