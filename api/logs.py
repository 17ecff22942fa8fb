"""The application's own log lines (structlog): one per request, one per recorded fact, and the start, progress
and end of long jobs.

Lines go to stderr, as plain `key=value` text for a person at a terminal, or as one JSON object per line when
`POINTS_LEDGER_LOG_FORMAT=json` (for a log collector). Context bound with `bind_request` (the request id, the
caller) is carried by every line of the same request, including the fact lines written on its behalf, so an
operator follows one request by its id. Never logged: a token's secret, a request's body.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

import structlog

LogFormat = Literal["text", "json"]
LOGGER_NAME = "points_ledger"
T = TypeVar("T")


def configure_logging(log_format: LogFormat = "text", level: str = "info") -> None:
    """Set the renderer and level of every `points_ledger` line of this process (idempotent)."""
    renderer: Any = structlog.processors.JSONRenderer() if log_format == "json" else PlainTextRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=_StderrLogger,
        cache_logger_on_first_use=False,
    )


class PlainTextRenderer:
    """The line structlog's `ConsoleRenderer(colors=False, pad_event_to=0)` writes, built in one pass.

    That renderer formats each column through its own `StringIO`: ≈ 0.2 ms a line on the loaded test machine,
    a fifth of a `POST /facts:batch` of 1,000 facts, which writes a line per fact. This one joins the same
    pieces — timestamp, `[level]` padded to the longest level name, the event, then `key=value` sorted by key,
    a string value quoted (`repr`) only when it holds a space, tab, `=`, quote or line break, any other value
    `repr` — and hands a line with a stack, an exception or a logger name to the `ConsoleRenderer` itself.
    tests/api/test_log_lines.py checks that both write the same text.
    """

    _DELEGATED = frozenset({"stack", "exception", "exc_info", "logger", "logger_name"})
    _QUOTED = frozenset(" \t=\r\n\"'")

    def __init__(self) -> None:
        self._console = structlog.dev.ConsoleRenderer(colors=False, pad_event_to=0)
        self._level_width = max(len(level) for level in structlog.dev.ConsoleRenderer.get_default_level_styles())

    def __call__(self, logger: Any, name: str, event_dict: dict[str, Any]) -> str:
        if not self._DELEGATED.isdisjoint(event_dict):
            return str(self._console(logger, name, event_dict))
        parts: list[str] = []
        if "timestamp" in event_dict:
            parts.append(str(event_dict.pop("timestamp")))
        if "level" in event_dict:
            parts.append("[" + str(event_dict.pop("level")).ljust(self._level_width) + "]")
        if "event" in event_dict:
            parts.append(str(event_dict.pop("event")))
        parts += [f"{key}={self._repr(event_dict[key])}" for key in sorted(event_dict)]
        return " ".join(part for part in parts if part).rstrip(" ")

    def _repr(self, value: Any) -> str:
        if isinstance(value, str):  # a str enum too: written as its text, as the ConsoleRenderer's `value + ""`
            return repr(value) if not self._QUOTED.isdisjoint(value) else str.__str__(value)
        return repr(value)


class _StderrLogger:
    """Writes each rendered line to the current `sys.stderr` in one call (so concurrent lines never interleave
    within a line, and a replaced stderr — a test's capture, a redirection — is honoured)."""

    def __init__(self, *_: Any) -> None:
        pass

    def msg(self, message: str) -> None:
        sys.stderr.write(message + "\n")

    debug = info = warning = error = critical = exception = msg


def logger(**context: Any) -> Any:
    """A logger carrying `context` on each of its lines."""
    return structlog.get_logger(LOGGER_NAME).bind(**context)


def bind_request(**context: Any) -> None:
    """Attach `context` (request id, caller…) to every line written until `clear_request`."""
    structlog.contextvars.bind_contextvars(**context)


def clear_request() -> None:
    structlog.contextvars.clear_contextvars()


class JobLog:
    """The lines of one long job: `start`, then `progress` every `every` items, then `end` with the totals."""

    def __init__(self, job: str, every: int = 10_000, **context: Any) -> None:
        self._log = logger(job=job, **context)
        self._every = max(every, 1)
        self._started = time.perf_counter()
        self._next = self._every
        self.count = 0
        self.totals: dict[str, Any] = {}  # added to the end line

    def start(self, **fields: Any) -> None:
        self._log.info("job started", **fields)

    def advance(self, count: int, **fields: Any) -> None:
        """The job has handled `count` items in all; a progress line when it passes the next multiple."""
        self.count = count
        if count >= self._next:
            self._next = (count // self._every + 1) * self._every
            self._log.info("job progress", items=count, elapsed_s=round(time.perf_counter() - self._started, 3),
                           **fields)

    def counted(self, items: Iterable[T]) -> Iterator[T]:
        """`items`, advancing the job by one for each."""
        for count, item in enumerate(items, start=1):
            self.advance(count)
            yield item

    def end(self, **fields: Any) -> None:
        self._log.info("job finished", items=self.count,
                       duration_s=round(time.perf_counter() - self._started, 3), **self.totals, **fields)

    def failed(self, reason: str) -> None:
        self._log.info("job failed", items=self.count, reason=reason,
                        duration_s=round(time.perf_counter() - self._started, 3))


@contextmanager
def job(name: str, every: int = 10_000, **context: Any) -> Iterator[JobLog]:
    """`with job("reconcile", file=...) as log:` — start and end lines around the block, a failure line if it
    raises (the exception goes on)."""
    log = JobLog(name, every, **context)
    log.start()
    try:
        yield log
    except BaseException as error:
        log.failed(" ".join(str(error).split()) or type(error).__name__)
        raise
    log.end()
