"""Group commit of the read log: the rows of concurrent reads share one transaction.

Every read still waits for its own row to be committed before its answer leaves (`api.http.read_audit`: no
unlogged consultation, a 503 when the row cannot be written). What changes is the cost: a transaction and a
thread-pool hop per request were the largest part of a cached balance read. One writer thread takes every row
waiting in its queue, appends them in one transaction (`AccessLog.record_many`) and wakes each waiting request,
on its event loop, with the outcome. Under one client a batch is one row (nothing is delayed to fill it); under
load the batch grows by itself with the number of requests that arrived during the previous commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from typing import Final

from api.access_log import AccessLog, Consultation

MAX_BATCH = 512  # rows per transaction at most (a bound on one statement batch, never reached at 4 clients)

_Pending = tuple[Consultation, asyncio.AbstractEventLoop, "asyncio.Future[None]"]
_STOP: Final = None


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():  # the request was cancelled (its client went away): nobody waits for this outcome
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


def _settle_all(futures: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for future in futures:
        _settle(future, error)


class ReadLogWriter:
    """The writer thread of one process's read log (started and closed by the service's lifespan)."""

    def __init__(self, log: AccessLog, *, durable: bool = True, max_batch: int = MAX_BATCH) -> None:
        """`durable=False` commits the batches with `synchronous_commit = off` (see `AccessLog.record_many`)."""
        self._log = log
        self._durable = durable
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="read-log-writer", daemon=True)
        self._closed = False

    def start(self) -> ReadLogWriter:
        self._thread.start()
        return self

    async def write(self, consultation: Consultation) -> None:
        """Append one row; returns once it is committed, raises what the store raised if it could not be."""
        if self._closed:
            raise RuntimeError("the read log writer is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._queue.put((consultation, loop, future))
        await future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True  # write what was queued before the stop, then end
                    break
                batch.append(item)
            error: BaseException | None = None
            try:
                self._log.record_many([pending[0] for pending in batch], durable=self._durable)
            except Exception as failure:  # every request of the batch gets it (read_audit answers 503)
                error = failure
            # One wake-up per event loop, not per request: each `call_soon_threadsafe` writes to the loop's
            # self-pipe (a system call, and the loop's thread woken to read it); the service has one loop.
            waiting: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
            for _, loop, future in batch:
                waiting.setdefault(loop, []).append(future)
            for loop, futures in waiting.items():
                with contextlib.suppress(RuntimeError):  # that loop is closed: its requests are gone
                    loop.call_soon_threadsafe(_settle_all, futures, error)

    def close(self) -> None:
        """Write the rows already queued, then stop the thread."""
        self._closed = True
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout=30)
