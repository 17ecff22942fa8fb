"""Whether the service is writing: the background catch-up gives way to a burst of writes, within a bound.

The read-model keeper (`api.read_model_keeper`) shares the process, and so the interpreter, with the requests:
while it projects a page (thousands of licences folded in Python) a batch of writes runs at about half speed.
Writes come first: the keeper waits while a write is in flight or ended less than `QUIET_S` ago (the gap between
one client's batches), but never more than `MAX_DEFER_S` in a row, so the read model's lag stays bounded under a
steady stream of writes; a page taken while writes keep coming is a small one (`BUSY_PAGE`). A lagging read
model costs nothing but time: the reports read it only when it is current and fold otherwise.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

QUIET_S = 0.5
MAX_DEFER_S = 10.0
POLL_S = 0.05
BUSY_PAGE = 500  # notifications per catch-up page while writes keep coming (the read model's own page is 5,000)


class WriteActivity:
    """Writes in flight and when the last one ended (monotonic clock), shared by the request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._last_end = float("-inf")

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._lock:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self._last_end = time.monotonic()

    def busy(self, quiet: float = QUIET_S) -> bool:
        """A write is running, or one ended less than `quiet` seconds ago."""
        with self._lock:
            return self._in_flight > 0 or time.monotonic() - self._last_end < quiet

    def wait_for_quiet(self, stopped: threading.Event, quiet: float = QUIET_S, at_most: float = MAX_DEFER_S) -> bool:
        """Wait until no write ran for `quiet` seconds (True), or `at_most` seconds went by while writes kept
        coming, or `stopped` is set (False)."""
        deadline = time.monotonic() + at_most
        while self.busy(quiet):
            if time.monotonic() >= deadline or stopped.is_set():
                return False
            stopped.wait(POLL_S)
        return True
