"""The raw audit trail: the events as stored, who recorded them, when and on which evidence, paginated.

`GET /licences/{number}/events` lists one stream by version; `GET /audit/events` reads the application
sequence across licences with filters (`PointsLedger.audit_events`). Pages go forward: pass the answer's
`next_after` as `after` until it is null. Prefecture and auditor only.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.http.auth import AuthenticatedRoute, Principal, Role, require_licence_access, require_roles
from api.http.deps import LedgerDep, LicenceNumber
from api.http.errors import ERROR_RESPONSES, NOT_FOUND
from api.http.schemas import MAX_POSITION, EventPage, EventView, MomentFrom, MomentUntil
from ledger.application import PointsLedger
from ledger.fact_index import audit_events as indexed_audit_events

router = APIRouter(tags=["audit"], responses=ERROR_RESPONSES, route_class=AuthenticatedRoute)

AUDIT_READERS = (Role.PREFECTURE, Role.AUDITOR)  # the web interface applies the same tuple
AuditReader = Annotated[Principal, Depends(require_roles(*AUDIT_READERS))]
StreamReader = Annotated[Principal, Depends(require_licence_access(Role.PREFECTURE, Role.AUDITOR))]
EventType = Literal["licence", "offence", "stage", "letter", "annulment", "surrender", "reissue"]
After = Annotated[int, Query(ge=0, le=MAX_POSITION, description="Last position already read (0 to start).")]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
STORAGE_FIELDS = {"originator_id", "originator_version", "originator_topic", "timestamp", "fact_id",
                  "recorded_by", "evidence_ref"}


def _view(ledger: PointsLedger, position: int, event: Any, licence_number: str) -> EventView:
    data = {k: v for k, v in vars(event).items() if k not in STORAGE_FIELDS}
    return EventView(position=position, licence_number=licence_number, version=event.originator_version,
                     type=ledger.event_type(event), fact_id=event.fact_id, recorded_at=event.timestamp,
                     recorded_by=event.recorded_by, evidence_ref=event.evidence_ref, data=data)


@router.get("/licences/{number}/events", responses=NOT_FOUND, summary="The raw events of one licence")
def licence_events(number: LicenceNumber, principal: StreamReader, ledger: LedgerDep,
                   after: After = 0, limit: Limit = 100) -> EventPage:
    """The licence's stream in version order (position = version)."""
    events = ledger.licence_events(number)
    page = events[after:after + limit]
    number = events[0].licence_number
    end = after + len(page)
    return EventPage(events=[_view(ledger, event.originator_version, event, number) for event in page],
                     next_after=end if end < len(events) else None)


@router.get("/audit/events", summary="The audit trail across licences")
def audit_events(
    principal: AuditReader,
    ledger: LedgerDep,
    recorded_by: Annotated[str | None, Query(max_length=200, description="Only events recorded by this subject.")]
    = None,
    since: Annotated[MomentFrom | None, Query(alias="from", description=(
        "Recorded at or after: ISO 8601 datetime, or a date (= its start, UTC)."))] = None,
    until: Annotated[MomentUntil | None, Query(alias="to", description=(
        "Recorded at or before: ISO 8601 datetime, or a date (= its end, UTC)."))] = None,
    event_type: Annotated[EventType | None, Query(alias="type", description="Only events of this type.")] = None,
    after: After = 0,
    limit: Limit = 100,
) -> EventPage:
    """Every event in commit order (position = the application sequence), filtered."""
    found, next_after, source = indexed_audit_events(ledger, recorded_by=recorded_by, since=since, until=until,
                                                     event_type=event_type, after=after, limit=limit)
    numbers: dict[UUID, str] = {}

    def number_of(event: Any) -> str:
        if event.originator_id not in numbers:
            first: Any = next(iter(ledger.events.get(event.originator_id, lte=1)))
            numbers[event.originator_id] = first.licence_number
        return numbers[event.originator_id]

    return EventPage(events=[_view(ledger, position, event, number_of(event)) for position, event in found],
                     next_after=next_after, source=source)
