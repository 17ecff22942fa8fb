"""The scenario format (tests/scenarios/FORMAT.md): a licence's timeline and what the law says on given dates.

`load_scenario(data, source)` turns the JSON into facts, validated by the same checks as the ledger
(`ledger.validation`); `evaluate(scenario)` folds them and compares every expectation. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from ledger import kinds
from ledger.declaration import Kind
from ledger.errors import InvalidFact
from ledger.facts import LegalFact, LicenceObtained, LicenceRecord
from ledger.json_form import content_from_json, json_names, read_date
from ledger.validation import check_fact, check_licence
from ledger.values import Mode
from projections.balance import timeline_for
from projections.timeline import Timeline

EXPECTABLE = ("balance", "ceiling", "status", "new_licence_not_before")
EVENT_KINDS = {kind.name: kind for kind in kinds.FACT_KINDS}
COMMON_FIELDS = {"type", "id", "recorded_on", "recorded_by", "evidence_ref"}
# Free-text annotations a timeline's author may add anywhere; read by people, ignored by the law.
ANNOTATIONS = {"description", "note", "notes", "comment", "comments"}


class ScenarioError(ValueError):
    """An invalid scenario: names the file, the event and the field."""

    def __init__(self, source: str, where: str, field_name: str, reason: str) -> None:
        place = where if field_name == where else f"{where}: {field_name}"  # never "file: file:"
        super().__init__(f"{source}: {place}: {reason}")
        self.source = source
        self.where = where
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Expectation:
    on: date
    known_at: date | None
    mode: Mode
    expected: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Scenario:
    title: str
    source: str
    record: LicenceRecord
    expectations: tuple[Expectation, ...]
    rules: str = ""


@dataclass(frozen=True, slots=True)
class ExpectationResult:
    expectation: Expectation
    actual: dict[str, Any]
    ok: bool

    def as_json(self) -> dict[str, Any]:
        e = self.expectation
        return {"on": e.on.isoformat(), "known_at": e.known_at.isoformat() if e.known_at else None,
                "mode": e.mode.value, "expected": e.expected, "actual": self.actual, "ok": self.ok}


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    scenario: Scenario
    results: tuple[ExpectationResult, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def as_json(self) -> dict[str, Any]:
        return {"title": self.scenario.title, "ok": self.ok, "results": [r.as_json() for r in self.results]}


def end_of_day(day: date) -> datetime:
    """`known_at` given as a day counts everything recorded during that day."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class _Reader:
    """Reads one object of a scenario file; every error names the file, the place and the field."""

    def __init__(self, source: str, where: str, data: Mapping[str, Any]) -> None:
        self.source = source
        self.where = where
        self.data = data

    def fail(self, field_name: str, reason: str) -> ScenarioError:
        return ScenarioError(self.source, self.where, field_name, reason)

    def refuse_unknown(self, allowed: set[str]) -> None:
        unknown = set(self.data) - allowed - ANNOTATIONS
        if unknown:
            raise self.fail(sorted(unknown)[0], "unknown field")

    def day(self, name: str) -> date | None:
        value = self.data.get(name)
        if value is None:
            return None
        try:
            return read_date(name, value)
        except InvalidFact as error:
            raise self.fail(error.field, error.reason) from None

    def required_day(self, name: str) -> date:
        value = self.day(name)
        if value is None:
            raise self.fail(name, "required (a date YYYY-MM-DD)")
        return value

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is not None and not isinstance(value, str):
            raise self.fail(name, "must be a string")
        return value

    def mode(self) -> Mode:
        value = self.data.get("mode")
        if value is None:
            return Mode.LEGAL
        try:
            return Mode(value)
        except ValueError:
            raise self.fail("mode", f"{value!r} is not one of {', '.join(m.value for m in Mode)}") from None

    def content(self, kind: Kind[Any]) -> dict[str, Any]:
        """The fact's legal content, read through its kind's declaration (`ledger.json_form`)."""
        try:
            return content_from_json(kind, self.data)
        except InvalidFact as error:
            raise self.fail(error.field, error.reason) from None


def _licence(source: str, data: Any) -> LicenceObtained:
    if not isinstance(data, dict):
        raise ScenarioError(source, "licence", "licence", "required object")
    r = _Reader(source, "licence", {"number": "scenario", **data})
    r.refuse_unknown(json_names(kinds.LICENCE))
    r.required_day("obtained_on")
    content = r.content(kinds.LICENCE)
    return LicenceObtained(fact_id="licence", recorded_at=start_of_day(content["obtained_on"]),
                           recorded_by="scenario", **content)


def _event(source: str, index: int, data: Any) -> LegalFact:
    if not isinstance(data, dict):
        raise ScenarioError(source, f"event #{index + 1}", "event", "must be an object")
    name = data.get("type")
    ident = data.get("id")
    where = f"event #{index + 1}" + (f" ({ident})" if ident else "") + (f" [{name}]" if name else "")
    r = _Reader(source, where, data)
    kind = EVENT_KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise r.fail("type", f"{name!r} is not one of {', '.join(EVENT_KINDS)}")
    if ident is not None and not isinstance(ident, str):
        raise r.fail("id", "must be a string")
    r.refuse_unknown(json_names(kind) | COMMON_FIELDS)
    content = r.content(kind)
    recorded_on = r.day("recorded_on") or content[kind.legal_date]
    fact: LegalFact = kind.fact(fact_id=ident or f"{kind.name}-{index + 1}", seq=index,
                                recorded_at=start_of_day(recorded_on), recorded_by=r.text("recorded_by") or "scenario",
                                evidence_ref=r.text("evidence_ref") or "", **content)
    return fact


def _expectation(source: str, index: int, data: Any) -> Expectation:
    if not isinstance(data, dict):
        raise ScenarioError(source, f"expect #{index + 1}", "expect", "must be an object")
    r = _Reader(source, f"expect #{index + 1}", data)
    r.refuse_unknown({"on", "known_at", "mode", *EXPECTABLE})
    expected = {k: data[k] for k in EXPECTABLE if k in data}
    if not expected:
        raise r.fail("expect", f"names none of {', '.join(EXPECTABLE)}")
    return Expectation(r.required_day("on"), r.day("known_at"), r.mode(), expected)


def load_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """Parse and validate a scenario; raises `ScenarioError` naming file, event and field."""
    if not isinstance(data, dict):
        raise ScenarioError(source, "scenario", "scenario", "must be a JSON object")
    licence = _licence(source, data.get("licence"))
    try:
        check_licence(licence)
    except InvalidFact as error:
        raise ScenarioError(source, "licence", error.field, error.reason) from None
    raw_events = data.get("events", [])
    if not isinstance(raw_events, list):
        raise ScenarioError(source, "events", "events", "must be a list")
    facts = [_event(source, i, e) for i, e in enumerate(raw_events)]
    ids = [f.fact_id for f in facts]
    for i, fact in enumerate(facts):
        if ids.count(fact.fact_id) > 1:
            raise ScenarioError(source, f"event #{i + 1} ({fact.fact_id})", "id", "used by more than one event")
        try:
            check_fact(fact, licence, [f for f in facts if f is not fact])
        except InvalidFact as error:
            raise ScenarioError(source, f"event #{i + 1} ({fact.fact_id})", error.field, error.reason) from None
    raw_expect = data.get("expect", [])
    if not isinstance(raw_expect, list):
        raise ScenarioError(source, "expect", "expect", "must be a list")
    expectations = tuple(_expectation(source, i, e) for i, e in enumerate(raw_expect))
    for i, expectation in enumerate(expectations):
        if expectation.known_at is not None and expectation.known_at < licence.obtained_on:
            raise ScenarioError(source, f"expect #{i + 1}", "known_at",
                                f"{expectation.known_at} is before the licence was recorded "
                                f"({licence.obtained_on}): the ledger did not know it then")
    title = data.get("title")
    return Scenario(
        title=title if isinstance(title, str) else source,
        source=source,
        record=LicenceRecord(licence, tuple(facts)),
        expectations=expectations,
        rules=data.get("rules", "") if isinstance(data.get("rules", ""), str) else "",
    )


def actual_on(timeline: Timeline, on: date) -> dict[str, Any]:
    state = timeline.state_on(on)
    return {
        "balance": state.balance,
        "ceiling": state.ceiling,
        "status": state.status.value,
        "new_licence_not_before": state.new_licence_not_before.isoformat() if state.new_licence_not_before else None,
    }


def evaluate(scenario: Scenario) -> ScenarioResult:
    """Fold the scenario once per (known_at, mode) and compare every expectation."""
    cache: dict[tuple[date | None, Mode], Timeline] = {}
    results = []
    for expectation in scenario.expectations:
        key = (expectation.known_at, expectation.mode)
        timeline = cache.get(key)
        if timeline is None:
            known = end_of_day(expectation.known_at) if expectation.known_at else None
            timeline = cache[key] = timeline_for(scenario.record, known, expectation.mode)
        full = actual_on(timeline, expectation.on)
        actual = {k: full[k] for k in ("balance", "ceiling", "status")}
        if "new_licence_not_before" in expectation.expected:
            actual["new_licence_not_before"] = full["new_licence_not_before"]
        ok = all(actual.get(k) == v for k, v in expectation.expected.items())
        results.append(ExpectationResult(expectation, actual, ok))
    return ScenarioResult(scenario, tuple(results))
