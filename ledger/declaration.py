"""How a kind of fact is declared, once, and what every way in reads from that declaration.

A fact's fields are declared on its dataclass (`ledger.facts`): the Python type says what a field holds (a
legal date, an integer, a text, a coded value, a nested value such as `Speeding`), `Annotated[…, Spec(…)]` adds
its French label, its JSON name and its bounds. A `Kind` (`ledger.kinds`) adds the kind's name, its stored
topic, the legal date it is listed under and its evidence. From these two, and nothing else:

- `check_fields` bounds every field, whoever writes the fact (API, CLI, scenario, import, bulk import);
- `stored_state` / `fact_content` map a fact to its stored event's fields and back (the JSON kept in the store
  never changes shape: enumerations are stored as their values, a nested value as `<field>_<subfield>`);
- `ledger.json_form` reads the JSON form shared by API bodies and scenario files, and `api.http.fact_bodies`
  generates the API's request models from the same fields.

Why not pydantic in the ledger: the facts are what the law reads, plain frozen values with no I/O; the bounds
are data here, and the API turns them into pydantic constraints.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from operator import attrgetter
from typing import Annotated, Any, Generic, TypeVar

from ledger.codegen import compile_function, identifier
from ledger.errors import InvalidFact

# Every legal date lies in 1900–2199: the range in which every delay of the law (ten years at most, a date de
# valeur decades after the licence) can still be computed without leaving the calendar.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
DATE_RANGE = f"must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}"
# Fields every fact carries besides its legal content (`ledger.facts.Fact`).
RECORDING_FIELDS = ("fact_id", "recorded_at", "recorded_by", "evidence_ref", "seq")


def date_in_range(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


@dataclass(frozen=True, slots=True)
class Spec:
    """What a fact's field means and may hold: `Annotated[int | None, Spec("points retirés", ge=0, le=6)]`.

    `json` is the field's name in API bodies, scenario files and error messages when it differs from the
    attribute's (`class` for `offence_class`). Integers are bounded by `ge`/`le`; texts by their length
    (200 characters unless told) and an optional `pattern`; dates always by `EARLIEST_DATE`…`LATEST_DATE`.
    """

    label: str
    json: str | None = None
    ge: int | None = None
    le: int | None = None
    unit: str = ""
    article: str = ""
    min_length: int = 0
    max_length: int = 200
    pattern: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Declared:
    """One field as declared: attribute name, JSON name, value type, whether None is allowed, its default."""

    name: str
    json: str
    base: type[Any]
    optional: bool
    default: Any
    spec: Spec
    nested: tuple[Declared, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is dataclasses.MISSING

    @property
    def is_enum(self) -> bool:
        return issubclass(self.base, StrEnum)


F = TypeVar("F")


@dataclass(frozen=True, slots=True, eq=False)
class Kind(Generic[F]):
    """A kind of fact: everything about it that is not the law's, declared once (see `ledger.kinds`).

    `name` is its type in scenario files, the audit trail and the history; `topic` its stored event's fixed
    topic; `legal_date` the field it is listed under (and recorded at, in a scenario); `route` the path segment
    of its API write (`POST /licences/{number}/<route>`); `recorder` who records it (`prefecture` or
    `organiser`); `label` and `evidence` say in French what it is and what proves it.
    """

    name: str
    fact: type[F]
    topic: str
    legal_date: str
    route: str
    recorder: str
    label: str
    evidence: str
    summary: str
    example: Mapping[str, Any]

    @property
    def fields(self) -> tuple[Declared, ...]:
        """The fact's legal content (its fields but the recording ones), in declaration order."""
        return content_fields(self.fact)


_DECLARED: dict[type[Any], tuple[Declared, ...]] = {}


def declared_fields(cls: type[Any]) -> tuple[Declared, ...]:
    """Every dataclass field of `cls`, resolved from its annotations (kept: classes do not change)."""
    known = _DECLARED.get(cls)
    if known is None:
        known = _DECLARED[cls] = _resolve(cls)
    return known


def _resolve(cls: type[Any]) -> tuple[Declared, ...]:
    hints = typing.get_type_hints(cls, include_extras=True)
    declared = []
    for f in dataclasses.fields(cls):
        hint, spec = hints[f.name], None
        if typing.get_origin(hint) is Annotated:
            spec = next((m for m in hint.__metadata__ if isinstance(m, Spec)), None)
            hint = typing.get_args(hint)[0]
        members = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        base = next(m for m in members if m is not type(None))
        spec = spec or Spec(f.name.replace("_", " "))
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else dataclasses.MISSING)
        nested = declared_fields(base) if isinstance(base, type) and dataclasses.is_dataclass(base) else ()
        declared.append(Declared(f.name, spec.json or f.name, base, type(None) in members, default, spec, nested))
    return tuple(declared)


def content_fields(cls: type[Any]) -> tuple[Declared, ...]:
    return tuple(d for d in declared_fields(cls) if d.name not in RECORDING_FIELDS)


def recording_fields(cls: type[Any]) -> tuple[Declared, ...]:
    return tuple(d for d in declared_fields(cls) if d.name in RECORDING_FIELDS and d.base is not datetime)


# -- bounds ------------------------------------------------------------------------------------------------


def _checker(decl: Declared, path: str = "") -> Callable[[Any], None]:
    """The check bounding one field's value by its declaration (raises `InvalidFact(json name, reason)`), its
    decisions taken once — which bound applies, the field's name in errors — and kept per class by
    `check_fields`: a bulk import bounds millions of fields, and re-deciding each time was most of its checks.
    Each check tests for None itself (one call per field, not two)."""
    where = path + decl.json
    optional = decl.optional
    spec = decl.spec
    check: Callable[[Any], None]
    if decl.nested:
        subs = tuple((sub.name, _checker(sub, where + ".")) for sub in decl.nested)

        def nested(value: Any) -> None:
            if value is None:
                return _absent(where, optional)
            for name, sub_check in subs:
                sub_check(getattr(value, name))
        check = nested
    elif decl.is_enum:
        enum = decl.base

        def coded(value: Any) -> None:
            if not isinstance(value, enum):
                if value is None:
                    return _absent(where, optional)
                raise InvalidFact(where, f"unknown value {value!r}: one of {', '.join(c.value for c in enum)}")
        check = coded
    elif decl.base is date:
        def legal_date(value: Any) -> None:
            if type(value) is not date:
                if value is None:
                    return _absent(where, optional)
                if not isinstance(value, date) or isinstance(value, datetime):
                    raise InvalidFact(where, "must be a date YYYY-MM-DD")
            if not EARLIEST_DATE <= value <= LATEST_DATE:
                raise InvalidFact(where, DATE_RANGE)
        check = legal_date
    elif decl.base is int:
        low, high = spec.ge, spec.le

        def integer(value: Any) -> None:
            if type(value) is not int:
                if value is None:
                    return _absent(where, optional)
                if isinstance(value, bool) or not isinstance(value, int):
                    raise InvalidFact(where, "must be an integer")
            if (low is not None and value < low) or (high is not None and value > high):
                unit = f" {spec.unit}" if spec.unit else ""
                article = f" ({spec.article})" if spec.article else ""
                raise InvalidFact(where, f"must be between {low} and {high}{unit}{article}")
        check = integer
    elif decl.base is str:
        not_empty = decl.required or bool(spec.min_length)
        longest = spec.max_length
        pattern = re.compile(spec.pattern) if spec.pattern is not None else None

        def text(value: Any) -> None:
            if not isinstance(value, str):
                if value is None:
                    return _absent(where, optional)
                raise InvalidFact(where, "must be a string")
            if not_empty and not value.strip():
                raise InvalidFact(where, "must not be empty")
            if len(value) > longest:
                raise InvalidFact(where, f"must be at most {longest} characters")
            if pattern is not None and not pattern.fullmatch(value):
                raise InvalidFact(where, f"must match {spec.pattern}")
        check = text
    else:
        def anything(value: Any) -> None:
            if value is None:
                return _absent(where, optional)
        check = anything
    return check


def _absent(where: str, optional: bool) -> None:
    if not optional:
        raise InvalidFact(where, "required")


def check_fields(fact: Any) -> None:
    """Bound every declared field of `fact` (recording fields first, then its legal content).

    A fact whose every field is of its exact declared type and within its bounds — nearly every fact — is
    recognised by one generated test (`certainly_valid`); any other goes through the field-by-field checks
    (`check_each_field`), which name the first field refused and why."""
    if not certainly_valid(fact):
        check_each_field(fact)


def certainly_valid(fact: Any) -> bool:
    """Whether every declared field of `fact` certainly passes `check_each_field` (False: it may not)."""
    return _field_checks(type(fact))[0](fact)


def check_each_field(fact: Any) -> None:
    """Bound every declared field of `fact`, one after the other: raises `InvalidFact` for the first refused."""
    _, values, checks = _field_checks(type(fact))
    for check, value in zip(checks, values(fact), strict=True):
        check(value)


def _field_checks(cls: type[Any]) -> tuple[Callable[[Any], bool], Callable[[Any], tuple[Any, ...]],
                                           tuple[Callable[[Any], None], ...]]:
    known = _FIELD_CHECKS.get(cls)
    if known is None:
        decls = (*recording_fields(cls), *content_fields(cls))
        names = [d.name for d in decls]
        getter = attrgetter(*names) if len(names) > 1 else lambda f: tuple(getattr(f, n) for n in names)
        known = _FIELD_CHECKS[cls] = (_certainly_valid(cls, decls), getter, tuple(_checker(d) for d in decls))
    return known


# Per class: its generated test (every field certainly passes), one getter for all its checked fields (a tuple in
# one call), and their checks in the same order.
_FIELD_CHECKS: dict[type[Any], tuple[Callable[[Any], bool], Callable[[Any], tuple[Any, ...]],
                                     tuple[Callable[[Any], None], ...]]] = {}


def _certainly_valid(cls: type[Any], decls: tuple[Declared, ...]) -> Callable[[Any], bool]:
    """A generated test, for facts of `cls`, that answers True only when every check of `decls` would pass.

    It is stricter than the checks (exact types: a `str`, `int` or `date` subclass goes to the checks, which
    decide), never looser (tests/ledger/test_fact_writers.py tries every bound from both sides); when it answers
    False the checks run and raise, or pass. One function per class, written from the declaration
    (`ledger.codegen`): a fact's dozen bounds in one call instead of one closure call each."""
    namespace: dict[str, Any] = {"date": date, "EARLIEST": EARLIEST_DATE, "LATEST": LATEST_DATE}
    lines = ["def certainly_valid(fact):"]
    for decl in decls:
        lines += _refusals(decl, f"fact.{identifier(decl.name)}", namespace, "    ")
    lines.append("    return True")
    test: Callable[[Any], bool] = compile_function("certainly_valid", lines, namespace)
    return test


def _refusals(decl: Declared, value: str, namespace: dict[str, Any], indent: str) -> list[str]:
    """Lines returning False when the value read at `value` might be refused by `decl`'s check (`_checker`):
    each value gets a local of its own, each constant (a class, a pattern) a name in `namespace`."""
    local = _name(namespace, "v", None)
    spec = decl.spec
    lines = [f"{indent}{local} = {value}"]
    if decl.nested:
        kind = _name(namespace, "T", decl.base)
        if decl.optional:
            lines.append(f"{indent}if {local} is not None:")
            inner = indent + "    "
            lines += [f"{inner}if type({local}) is not {kind}:", f"{inner}    return False"]
        else:
            inner = indent
            lines += [f"{inner}if type({local}) is not {kind}:", f"{inner}    return False"]
        for sub in decl.nested:
            lines += _refusals(sub, f"{local}.{identifier(sub.name)}", namespace, inner)
        return lines
    if decl.is_enum:
        refused = f"type({local}) is not {_name(namespace, 'E', decl.base)}"
    elif decl.base is date:
        refused = f"type({local}) is not date or {local} < EARLIEST or {local} > LATEST"
    elif decl.base is int:
        refused = f"type({local}) is not int"
        if spec.ge is not None:
            refused += f" or {local} < {int(spec.ge)}"
        if spec.le is not None:
            refused += f" or {local} > {int(spec.le)}"
    elif decl.base is str:
        refused = f"type({local}) is not str"
        if decl.required or spec.min_length:
            refused += f" or not {local}.strip()"
        refused += f" or len({local}) > {int(spec.max_length)}"
        if spec.pattern is not None:
            refused += f" or {_name(namespace, 'P', re.compile(spec.pattern).fullmatch)}({local}) is None"
    elif decl.optional:
        return []  # any value, or none
    else:
        refused = f"{local} is None"
    if decl.optional:
        refused = f"{local} is not None and ({refused})"
    return [*lines, f"{indent}if {refused}:", f"{indent}    return False"]


def _name(namespace: dict[str, Any], prefix: str, value: Any) -> str:
    """A fresh name in generated source: a local (`value` None) or a constant bound to `value` in `namespace`."""
    count = namespace["_count"] = namespace.get("_count", 0) + 1
    name = f"{prefix}{count}"
    if value is not None:
        namespace[name] = value
    return name


def stored_field(cls: type[Any], json_name: str) -> str:
    """The stored event's field behind a JSON name (`class` → `offence_class`, `speeding.limit_kmh` →
    `speeding_limit_kmh`), to name a stored field in an error; a name no field declares is kept."""
    for decl in declared_fields(cls):
        if json_name == decl.json:
            return decl.name
        for sub in decl.nested:
            if json_name == f"{decl.json}.{sub.json}":
                return f"{decl.name}_{sub.name}"
    return json_name


# -- stored form -------------------------------------------------------------------------------------------


def stored_state(fact: Any) -> dict[str, Any]:
    """The stored event's fields for a fact's legal content: enumerations as values, nested values flattened."""
    state: dict[str, Any] = {}
    for name, is_enum, nested in _stored_plan(type(fact)):
        value = getattr(fact, name)
        if nested:
            for key, sub in nested:
                state[key] = None if value is None else getattr(value, sub)
        elif is_enum:
            state[name] = None if value is None else value.value
        else:
            state[name] = value
    return state


def _stored_plan(cls: type[Any]) -> tuple[tuple[str, bool, tuple[tuple[str, str], ...]], ...]:
    """Per content field of `cls`: its name, whether it is an enumeration, its nested (stored key, sub-field)s."""
    plan = _STORED_PLANS.get(cls)
    if plan is None:
        plan = _STORED_PLANS[cls] = tuple(
            (decl.name, decl.is_enum, tuple((f"{decl.name}_{sub.name}", sub.name) for sub in decl.nested))
            for decl in content_fields(cls))
    return plan


_STORED_PLANS: dict[type[Any], tuple[tuple[str, bool, tuple[tuple[str, str], ...]], ...]] = {}


# How the content fields of a class are read back from a stored state, built once per class: the plain fields
# (name, default), the enumerations (name, enum) and the nested values (name, class, ((field, stored key), …)).
_ContentPlan = tuple[tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...],
                     tuple[tuple[str, Any, tuple[tuple[str, str], ...]], ...]]
_CONTENT_PLANS: dict[type[Any], _ContentPlan] = {}


def _content_plan(cls: type[Any]) -> _ContentPlan:
    """`fact_content`'s steps for `cls`, derived from its declaration once (a stream's every event goes through
    `fact_content` when a write checks a new fact against it, and a rebuild reads every event of the ledger: the
    declaration is not walked each time)."""
    plan = _CONTENT_PLANS.get(cls)
    if plan is None:
        plain: list[tuple[str, Any]] = []
        enums: list[tuple[str, Any]] = []
        nested: list[tuple[str, Any, tuple[tuple[str, str], ...]]] = []
        for decl in content_fields(cls):
            if decl.nested:
                nested.append((decl.name, decl.base, tuple((sub.name, f"{decl.name}_{sub.name}")
                                                           for sub in decl.nested)))
            elif decl.is_enum:
                enums.append((decl.name, decl.base))
            else:
                plain.append((decl.name, decl.default))
        plan = _CONTENT_PLANS[cls] = (tuple(plain), tuple(enums), tuple(nested))
    return plan


def fact_content(cls: type[Any], state: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `stored_state`: a fact's legal content from its stored event's fields."""
    plain, enums, nested = _content_plan(cls)
    get = state.get
    content = {name: get(name, default) for name, default in plain}
    for name, enum in enums:
        value = get(name)
        content[name] = None if value is None else enum(value)
    for name, base, parts in nested:
        values = {sub: get(key) for sub, key in parts}
        content[name] = None if any(v is None for v in values.values()) else base(**values)
    return content
