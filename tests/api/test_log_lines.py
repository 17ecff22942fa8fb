"""The service's plain-text log lines are exactly the lines of structlog's ConsoleRenderer, written faster."""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Any

import pytest
import structlog

from api.logs import PlainTextRenderer


class Mixed(str, Enum):  # noqa: UP042 (the mixed-in kind is the case under test)
    A = "a-value"
    SPACED = "a value"


class Strict(StrEnum):
    B = "b-value"


CASES: list[dict[str, Any]] = [
    {"timestamp": "2026-12-03T12:00:00.123456Z", "level": "info", "event": "fact recorded", "kind": "offence",
     "fact_id": "0f3a", "version": 9, "position": 123456, "recorded_by": "Préfecture de police (test)",
     "evidence_ref": "PV-2024-000123", "request_id": "r-1"},
    {"timestamp": "2026-12-03T12:00:00Z", "level": "warning", "event": "request", "status": 503, "ms": 1.25,
     "path": "/licences/A/balance", "ok": False, "none": None},
    {"level": "critical", "event": "x", "quote": 'say "hi"', "apostrophe": "l'avis", "eq": "a=b", "tab": "a\tb",
     "newline": "a\nb", "cr": "a\rb", "empty": "", "unicode": "é ü 中", "list": [1, "a b"], "dict": {"k": 1}},
    {"event": "", "level": "debug", "b": 2, "a": 1},
    {"event": "enums", "mixed": Mixed.A, "spaced": Mixed.SPACED, "strict": Strict.B},
    {"timestamp": "", "event": "only an event"},
    {"level": "exception", "event": "no timestamp"},
    {"event": "a logger name", "logger": "points_ledger", "x": 1},
    {"event": "a stack", "stack": "File x, line 1", "x": 1},
    {"event": "an exception text", "exception": "Traceback…", "x": 1},
    {},
]


@pytest.mark.parametrize("event_dict", CASES, ids=[str(i) for i in range(len(CASES))])
def test_a_plain_line_is_the_console_renderers_line(event_dict: dict[str, Any]) -> None:
    expected = structlog.dev.ConsoleRenderer(colors=False, pad_event_to=0)(None, "info", dict(event_dict))
    assert PlainTextRenderer()(None, "info", dict(event_dict)) == expected
