"""`serve` keeps the balance read model and the fact index caught up in the background (PostgreSQL; on SQLite
the reports fold and the audits scan).

A daemon thread catches up one page at a time while there is something to project, then waits `every` seconds
(writes average about 1.2 facts per second nationally: a second of lag is the price of never blocking a write).
Several service processes may each run one: the read model's position is moved under a row lock and a runner
that finds it moved by another simply stops its page (`BalanceReadModel._advance`), so they never double-write.
A failed round (the store away for a moment) is logged and retried on the next one. Before each page it gives way
to the service's writes for a bounded time (`api.write_activity`): a page folds thousands of licences in the
requests' interpreter.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from api.write_activity import BUSY_PAGE, WriteActivity
from ledger.application import PointsLedger
from ledger.events_table import is_postgres
from ledger.fact_index import FactIndex
from projections.read_model import BalanceReadModel

EVERY_S = 1.0

_log = logging.getLogger(__name__)


class ReadModelKeeper:
    """Started by the service's lifespan, stopped when it shuts down."""

    def __init__(self, ledger: PointsLedger, every: float = EVERY_S, activity: WriteActivity | None = None) -> None:
        recorder: Any = ledger.recorder
        postgres = is_postgres(recorder)
        self.model = BalanceReadModel(ledger) if postgres else None
        self.index = FactIndex(ledger) if postgres else None
        self._every = every
        self._activity = activity
        self._pages: dict[Any, int] = {runner: runner.page_size for runner in (self.model, self.index) if runner}
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="read-model-keeper", daemon=True)

    def start(self) -> ReadModelKeeper:
        """Start the thread (nothing to do on SQLite: the reports fold on demand)."""
        if self.model is not None:
            self._thread.start()
        return self

    def _run(self) -> None:
        assert self.model is not None
        created = False
        while not self._stopped.is_set():
            try:
                if not created:  # once: DDL takes table locks, even when there is nothing to create
                    self.model.create_tables()
                    created = True
                while self._give_way() and self.model.catch_up(max_pages=1).events:
                    pass
                while self._give_way() and self.index is not None and self.index.catch_up(max_pages=1)[1]:
                    pass
            except Exception as error:  # best effort: the next round retries, the reports fall back to folding
                _log.warning("read model catch-up skipped: %s", " ".join(str(error).split()))
            self._stopped.wait(self._every)

    def _give_way(self) -> bool:
        """Before each page: let a burst of writes pass first (bounded, `api.write_activity`), and take a small
        page if they keep coming; False once stopped."""
        if self._activity is not None:
            quiet = self._activity.wait_for_quiet(self._stopped)
            for runner in (self.model, self.index):
                if runner is not None:
                    runner.page_size = self._pages[runner] if quiet else min(BUSY_PAGE, self._pages[runner])
        return not self._stopped.is_set()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._every + 30)
