"""The scenario format (tests/scenarios/FORMAT.md): a licence's timeline and what the law says on given dates.

`load_scenario(data, source)` turns the JSON into facts, validated by the same checks as the ledger
(`ledger.validation`); `evaluate(scenario)` folds them and compares every expectation. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from ledger.errors import InvalidFact
from ledger.facts import (
    LegalFact,
    LetterNotified,
    LicenceObtained,
    LicenceRecord,
    LicenceReissued,
    LicenceSurrendered,
    OffenceAnnulled,
    OffenceEstablished,
    Speeding,
    StageCompleted,
)
from ledger.validation import check_fact, check_licence
from ledger.values import LetterCode, Mode, OffenceClass, StageCase, Training
from projections.balance import timeline_for
from projections.timeline import Timeline

EXPECTABLE = ("balance", "ceiling", "status", "new_licence_not_before")
EVENT_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # type: (required, optional)
    "offence": ({"committed_on", "established_on"},
                {"points", "class", "kind", "speeding", "interception", "description", "natinf", "established_by",
                 "registered_on"}),
    "stage": ({"first_day", "last_day"}, {"case", "agrement", "place"}),
    "letter": ({"code", "notified_on"}, set()),
    "annulment": ({"offence", "decided_on"}, set()),
    "surrender": ({"on"}, set()),
    "reissue": ({"obtained_on"}, {"training"}),
}
# Dates the law can be asked about (the 10-year rule of a fact dated LATEST_DAY still fits in a date).
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2199, 12, 31)
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
    def __init__(self, source: str, where: str, data: Mapping[str, Any]) -> None:
        self.source = source
        self.where = where
        self.data = data

    def fail(self, field_name: str, reason: str) -> ScenarioError:
        return ScenarioError(self.source, self.where, field_name, reason)

    def day(self, name: str, *, required: bool = True) -> date | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise self.fail(name, "required (a date YYYY-MM-DD)")
            return None
        if not isinstance(value, str):
            raise self.fail(name, "must be a date string YYYY-MM-DD")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise self.fail(name, f"{value!r} is not a date YYYY-MM-DD") from None
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise self.fail(name, f"must be between {EARLIEST_DAY} and {LATEST_DAY}")
        return day

    def required_day(self, name: str) -> date:
        value = self.day(name)
        assert value is not None
        return value

    def int(self, name: str, data: Mapping[str, Any] | None = None) -> int | None:
        value = (self.data if data is None else data).get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, "must be an integer")
        return value

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise self.fail(name, "required")
            return None
        if not isinstance(value, str):
            raise self.fail(name, "must be a string")
        return value

    def enum(self, name: str, kind: type[Any], default: Any = None) -> Any:
        value = self.data.get(name)
        if value is None:
            if default is None:
                raise self.fail(name, "required")
            return default
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(str(v.value) for v in kind)
            raise self.fail(name, f"{value!r} is not one of {allowed}") from None


def _licence(source: str, data: Any) -> LicenceObtained:
    if not isinstance(data, dict):
        raise ScenarioError(source, "licence", "licence", "required object")
    r = _Reader(source, "licence", data)
    unknown = set(data) - {"obtained_on", "training", "complementary_training_on", "number"} - ANNOTATIONS
    if unknown:
        raise r.fail(sorted(unknown)[0], "unknown field")
    obtained = r.required_day("obtained_on")
    return LicenceObtained(
        fact_id="licence", recorded_at=start_of_day(obtained), recorded_by="scenario",
        licence_number=r.text("number") or "scenario", obtained_on=obtained,
        training=r.enum("training", Training, Training.TRADITIONAL),
        complementary_training_on=r.day("complementary_training_on", required=False),
    )


def _event(source: str, index: int, data: Any) -> LegalFact:
    if not isinstance(data, dict):
        raise ScenarioError(source, f"event #{index + 1}", "event", "must be an object")
    kind = data.get("type")
    ident = data.get("id")
    where = f"event #{index + 1}" + (f" ({ident})" if ident else "") + (f" [{kind}]" if kind else "")
    r = _Reader(source, where, data)
    if kind not in EVENT_FIELDS:
        raise r.fail("type", f"{kind!r} is not one of {', '.join(EVENT_FIELDS)}")
    if ident is not None and not isinstance(ident, str):
        raise r.fail("id", "must be a string")
    required, optional = EVENT_FIELDS[kind]
    unknown = set(data) - required - optional - COMMON_FIELDS - ANNOTATIONS
    if unknown:
        raise r.fail(sorted(unknown)[0], "unknown field")
    for name in sorted(required):
        if data.get(name) is None:
            raise r.fail(name, "required")
    common: dict[str, Any] = {"fact_id": ident or f"{kind}-{index + 1}", "seq": index,
                              "recorded_by": r.text("recorded_by") or "scenario",
                              "evidence_ref": r.text("evidence_ref") or ""}
    recorded_on = r.day("recorded_on", required=False)

    def at(default: date) -> datetime:
        return start_of_day(recorded_on or default)

    if kind == "offence":
        established = r.required_day("established_on")
        speeding = None
        if data.get("speeding") is not None:
            s = data["speeding"]
            if not isinstance(s, dict) or set(s) - {"limit_kmh", "excess_kmh"}:
                raise r.fail("speeding", 'must be {"limit_kmh": …, "excess_kmh": …}')
            limit, excess = r.int("limit_kmh", s), r.int("excess_kmh", s)
            if limit is None or excess is None:
                raise r.fail("speeding", "needs limit_kmh and excess_kmh")
            speeding = Speeding(limit, excess)
        klass = r.enum("class", OffenceClass) if data.get("class") is not None else None
        return OffenceEstablished(
            **common, recorded_at=at(established), committed_on=r.required_day("committed_on"),
            established_on=established, points=r.int("points"), offence_class=klass, speeding=speeding,
            interception=r.text("interception"), description=r.text("description") or "",
            natinf=r.text("natinf"), established_by=r.text("established_by"), offence_kind=r.text("kind"),
            registered_on=r.day("registered_on", required=False),
        )
    if kind == "stage":
        last = r.required_day("last_day")
        return StageCompleted(**common, recorded_at=at(last), first_day=r.required_day("first_day"), last_day=last,
                              case=r.enum("case", StageCase, StageCase.VOLUNTARY), agrement=r.text("agrement"),
                              place=r.text("place"))
    if kind == "letter":
        notified = r.required_day("notified_on")
        return LetterNotified(**common, recorded_at=at(notified), code=r.enum("code", LetterCode),
                              notified_on=notified)
    if kind == "annulment":
        decided = r.required_day("decided_on")
        return OffenceAnnulled(**common, recorded_at=at(decided), offence_id=r.text("offence", required=True) or "",
                               decided_on=decided)
    if kind == "surrender":
        on = r.required_day("on")
        return LicenceSurrendered(**common, recorded_at=at(on), surrendered_on=on)
    obtained = r.required_day("obtained_on")
    return LicenceReissued(**common, recorded_at=at(obtained), obtained_on=obtained,
                           training=r.enum("training", Training, Training.TRADITIONAL))


def _expectation(source: str, index: int, data: Any) -> Expectation:
    if not isinstance(data, dict):
        raise ScenarioError(source, f"expect #{index + 1}", "expect", "must be an object")
    r = _Reader(source, f"expect #{index + 1}", data)
    unknown = set(data) - {"on", "known_at", "mode", *EXPECTABLE} - ANNOTATIONS
    if unknown:
        raise r.fail(sorted(unknown)[0], "unknown field")
    expected = {k: data[k] for k in EXPECTABLE if k in data}
    if not expected:
        raise r.fail("expect", f"names none of {', '.join(EXPECTABLE)}")
    return Expectation(r.required_day("on"), r.day("known_at", required=False),
                       r.enum("mode", Mode, Mode.LEGAL), expected)


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
