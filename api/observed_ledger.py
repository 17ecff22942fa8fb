"""The ledger as the service and the commands open it: one log line and one count per recorded fact.

`ObservedLedger` adds nothing to what the ledger decides. The library calls `_notify` once after every
successful save with what was written (a refused or already-recorded fact writes nothing, so it is neither
logged nor counted here: refusals are counted by the HTTP error handlers). The line carries the request's
context (request id, caller) when the write comes from a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog

from api.logs import logger
from api.metrics import FACTS_RECORDED
from api.write_activity import WriteActivity
from ledger.application import PointsLedger, Recorded
from ledger.batch_write import Refused
from ledger.events import EVENT_TYPES
from ledger.facts import LegalFact, LicenceObtained


class ObservedLedger(PointsLedger):
    """A `PointsLedger` that logs and counts each fact it writes."""

    # The library names an application's tables after its class unless `name` is set on the class itself: without
    # this, the service would write to `observedledger_events` on PostgreSQL while the CLI reads `pointsledger_events`.
    name = PointsLedger.name

    def __init__(self, env: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self.activity = WriteActivity()  # the read-model keeper gives way to writes (api.write_activity)

    def create_licence(self, licence: LicenceObtained) -> Recorded:
        with structlog.contextvars.bound_contextvars(licence=licence.licence_number.strip()), \
                self.activity.writing():
            return super().create_licence(licence)

    def record_many(self, items: Sequence[tuple[str, LegalFact]]) -> list[Recorded | Refused]:
        with self.activity.writing():
            return super().record_many(items)

    def record(self, licence_number: str, fact: LegalFact) -> Recorded:
        with structlog.contextvars.bound_contextvars(licence=licence_number.strip()):
            return super().record(licence_number, fact)

    def _notify(self, recordings: list[Any]) -> None:
        super()._notify(recordings)
        log = logger()
        for recording in recordings:
            event = recording.domain_event
            kind = EVENT_TYPES.get(getattr(type(event), "TOPIC", ""), type(event).__name__)
            FACTS_RECORDED.labels(kind=kind).inc()
            log.info("fact recorded", kind=kind, fact_id=getattr(event, "fact_id", None),
                     version=event.originator_version, position=recording.notification.id,
                     recorded_by=getattr(event, "recorded_by", None),
                     evidence_ref=getattr(event, "evidence_ref", None))
