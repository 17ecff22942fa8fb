"""A small vocabulary so law tests read like the law."""

from __future__ import annotations

from ledger.facts import LicenceRecord
from ledger.values import Mode
from projections.timeline import build_timeline
from tests.builders import d


def balance_on(record: LicenceRecord, day: str, mode: Mode = Mode.LEGAL) -> int:
    return build_timeline(record, mode).state_on(d(day)).balance


def assert_balance(record: LicenceRecord, *, on: str, equals: int, mode: Mode = Mode.LEGAL) -> None:
    actual = balance_on(record, on, mode)
    assert actual == equals, f"balance on {on} [{mode.value}]: expected {equals}, got {actual}"


def assert_movement(record: LicenceRecord, *, on: str, rule: str, delta: int, article_contains: str) -> None:
    movements = [m for m in build_timeline(record).movements if m.on == d(on) and m.rule == rule]
    assert movements, f"no {rule} movement on {on}"
    assert movements[0].delta == delta
    assert article_contains in movements[0].article
