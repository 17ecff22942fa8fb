"""The JSON form of a fact, read from its kind's declaration: the names API bodies and scenario files share.

`content_from_json(kind, data)` reads the fact's legal content (`{"committed_on": "2024-03-02", "points": 4,
"class": "C4", …}`): each declared field under its JSON name, typed by its declaration (a date as
`YYYY-MM-DD`, an integer, a text, a coded value, a nested object). It checks types, not bounds: the bounds are
`ledger.declaration.check_fields`, run on the fact by every way in. Errors are `InvalidFact(json name, reason)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ledger.declaration import DATE_RANGE, Declared, Kind, date_in_range
from ledger.errors import InvalidFact


def read_date(name: str, value: Any) -> date:
    """A legal date given as `YYYY-MM-DD`, within the ledger's range."""
    if not isinstance(value, str):
        raise InvalidFact(name, "must be a date string YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidFact(name, f"{value!r} is not a date YYYY-MM-DD") from None
    if not date_in_range(day):
        raise InvalidFact(name, DATE_RANGE)
    return day


def read_value(decl: Declared, value: Any, where: str) -> Any:
    """One present value, converted to the type its declaration says."""
    if decl.nested:
        names = [sub.json for sub in decl.nested]
        if not isinstance(value, dict) or set(value) - set(names):
            raise InvalidFact(where, "must be {" + ", ".join(f'"{n}": …' for n in names) + "}")
        if any(value.get(n) is None for n in names):
            raise InvalidFact(where, f"needs {' and '.join(names)}")
        return decl.base(**{sub.name: read_value(sub, value[sub.json], sub.json) for sub in decl.nested})
    if decl.is_enum:
        try:
            return decl.base(value)
        except ValueError:
            raise InvalidFact(where, f"{value!r} is not one of {', '.join(str(v.value) for v in decl.base)}") \
                from None
    if decl.base is date:
        return read_date(where, value)
    if decl.base is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidFact(where, "must be an integer")
    if decl.base is str and not isinstance(value, str):
        raise InvalidFact(where, "must be a string")
    return value


def content_from_json(kind: Kind[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The legal content of a fact of `kind` from its JSON form (absent or null: the declared default)."""
    content: dict[str, Any] = {}
    for decl in kind.fields:
        value = data.get(decl.json)
        if value is None:
            if decl.required:
                raise InvalidFact(decl.json, "required")
            content[decl.name] = decl.default
        else:
            content[decl.name] = read_value(decl, value, decl.json)
    return content


def json_names(kind: Kind[Any]) -> set[str]:
    """The JSON names of a kind's legal content."""
    return {decl.json for decl in kind.fields}
