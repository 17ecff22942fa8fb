"""Response bodies and query types of the HTTP API (transport only, no law). The projections' own dataclasses
(`Movement`, `ScheduledChange`, `StageEligibility`, `ExpectedLetter`, `Anomaly`) are answered as they are, their
OpenAPI schemas generated from them; a model here only gathers them or reshapes a value (`points` for the
day state's `balance`). The write bodies are generated from the declaration of each kind of fact
(`api.http.fact_bodies`). Dates are `YYYY-MM-DD`, times ISO 8601; legal dates are bounded to 1900–2199
(`ledger.declaration`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from ledger.declaration import EARLIEST_DATE, LATEST_DATE
from ledger.values import LICENCE_NUMBER_CHARSET, Mode, Status
from projections.balance import Balance, ScheduledChange, StageEligibility
from projections.explanation import Anomaly, ExpectedLetter, Movement
from projections.history import FactEntry, Statement

__all__ = ["EARLIEST_DATE", "LATEST_DATE"]
LICENCE_NUMBER_PATTERN = LICENCE_NUMBER_CHARSET  # ledger/values.py: ASCII letters, digits, inner space . _ -
# The largest position a page may start after: SQLite and PostgreSQL integers stop at 2^63 - 1, and the next
# position (after + 1) must still be one.
MAX_POSITION = 2**62


def date_text(value: object) -> object:
    """Dates are `YYYY-MM-DD` text: a number (or digits alone), which pydantic would read as a Unix timestamp, is
    refused rather than silently turned into a day."""
    if isinstance(value, bool | int | float) or (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
        raise ValueError(f"{value!r} is not a date YYYY-MM-DD (a Unix timestamp is not accepted)")
    return value


def _not_a_boolean(value: object) -> object:
    """`true` is not 1: pydantic would read a boolean as an integer."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


NOT_A_BOOLEAN = BeforeValidator(_not_a_boolean)

# The range is also a pattern in the OpenAPI (JSON Schema has no bound for dates), so that a client or a fuzzer
# reading the schema knows which dates are valid.
DATE_PATTERN = r"^(19[0-9]{2}|2[01][0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
# A date given in a query (`on`, `from`, `to` of the date-only reports): text YYYY-MM-DD, never a timestamp.
DayText = Annotated[date, BeforeValidator(date_text), Field(json_schema_extra={"pattern": DATE_PATTERN})]


def _as_utc(moment: datetime) -> datetime:
    """The moment in UTC; one whose UTC offset carries it past year 1 or 9999 is refused (a 422, not a crash)."""
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{moment.isoformat()} is outside the range of dates once converted to UTC") from None




def _moment(value: object, day_edge: time) -> object:
    """A date (`YYYY-MM-DD`) or an ISO 8601 datetime; a date means `day_edge` of that day UTC, a naive
    datetime is taken as UTC (recording times are stored in UTC)."""
    if not isinstance(value, str):
        return date_text(value)
    text = value.strip()
    date_text(text)
    if len(text) == 10:
        try:
            return datetime.combine(date.fromisoformat(text), day_edge, tzinfo=UTC)
        except ValueError:
            raise ValueError(f"{value!r} is not a date YYYY-MM-DD nor an ISO 8601 datetime") from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a date YYYY-MM-DD nor an ISO 8601 datetime") from None
    return _as_utc(moment)


# A moment that ends a range (`known_at`, `to`): a plain date counts the whole day.
MomentUntil = Annotated[datetime, BeforeValidator(lambda v: _moment(v, time.max)), AfterValidator(_as_utc)]
# A moment that starts a range (`from`): a plain date starts at midnight UTC.
MomentFrom = Annotated[datetime, BeforeValidator(lambda v: _moment(v, time.min)), AfterValidator(_as_utc)]


class RecordedResponse(BaseModel):
    """The answer to a write: 201 with `created: true` for a new event, 200 with `created: false` when the same
    evidence and content were already recorded (nothing written, the original fact's id returned)."""

    licence_number: str
    fact_id: str
    version: int = Field(description="The licence stream's version after this write (its number of events).")
    created: bool


# -- reads ----------------------------------------------------------------------------------------------


class ProbationView(BaseModel):
    in_probation: bool
    start: date | None
    end: date | None
    majorations: int


class LicenceReading(BaseModel):
    """Where a licence stood at the end of `on`, as the ledger knew it at `known_at`, in `mode` (the first
    fields of a balance and of a history)."""

    licence_number: str
    on: date
    known_at: datetime | None
    mode: Mode
    points: int
    ceiling: int
    status: Status


class BalanceResponse(LicenceReading):
    """Points at the end of `on`, as the ledger knew them at `known_at`, in `mode`, and why."""

    probation: ProbationView
    licence_started_on: date | None
    last_crediting_stage_on: date | None
    invalidated_on: date | None
    surrendered_on: date | None
    new_licence_not_before: date | None
    movements: list[Movement] = Field(description="Every movement up to `on`, with the balance after it.")
    scheduled: list[ScheduledChange] = Field(description="Next change of each kind if nothing else happens.")
    stage: StageEligibility = Field(description="When a new stage could take effect and the points it would "
                                                "credit on the day's balance.")
    letters: list[ExpectedLetter] = Field(description="Letters the law expects by `on`, and the one that "
                                                      "answered.")
    anomalies: list[Anomaly]

    @classmethod
    def of(cls, b: Balance) -> BalanceResponse:
        s = b.state
        return cls(
            licence_number=b.licence_number, on=b.on, known_at=b.known_at, mode=b.mode, points=s.balance,
            ceiling=s.ceiling, status=s.status,
            probation=ProbationView(in_probation=s.in_probation, start=s.probation_start, end=s.probation_end,
                                    majorations=s.majorations),
            licence_started_on=s.licence_started_on, last_crediting_stage_on=s.last_crediting_stage_on,
            invalidated_on=s.invalidated_on, surrendered_on=s.surrendered_on,
            new_licence_not_before=s.new_licence_not_before,
            movements=list(b.movements), scheduled=list(b.scheduled), stage=b.stage, letters=list(b.letters),
            anomalies=list(b.anomalies),
        )


class StageEligibilityResponse(BaseModel):
    """What a stage organiser may know before enrolling a driver: status and stage eligibility only."""

    licence_number: str
    on: date
    status: Status
    stage: StageEligibility


class FactView(BaseModel):
    fact_id: str
    type: str
    legal_dates: dict[str, date]
    details: dict[str, Any]
    recorded_at: datetime
    recorded_by: str
    evidence_ref: str
    movements: list[Movement] = Field(description="The law's decisions on this fact, up to `on`.")

    @classmethod
    def of(cls, entry: FactEntry) -> FactView:
        return cls(fact_id=entry.fact_id, type=entry.kind, legal_dates=dict(entry.legal_dates),
                   details=dict(entry.details), recorded_at=entry.recorded_at, recorded_by=entry.recorded_by,
                   evidence_ref=entry.evidence_ref, movements=list(entry.movements))


class HistoryResponse(LicenceReading):
    """A relevé-intégral-style statement: every known fact, and every movement with the balance after it."""

    facts: list[FactView]
    movements: list[Movement]
    anomalies: list[Anomaly]

    @classmethod
    def of(cls, s: Statement) -> HistoryResponse:
        return cls(licence_number=s.licence_number, on=s.on, known_at=s.known_at, mode=s.mode,
                   points=s.state.balance, ceiling=s.state.ceiling, status=s.state.status,
                   facts=[FactView.of(f) for f in s.facts], movements=list(s.movements),
                   anomalies=list(s.anomalies))


class EventView(BaseModel):
    """One raw event of the audit trail."""

    position: int = Field(description="Position in the listing's order: the application sequence for "
                                      "/audit/events, the stream version for /licences/{number}/events.")
    licence_number: str
    version: int
    type: str
    fact_id: str
    recorded_at: datetime
    recorded_by: str
    evidence_ref: str
    data: dict[str, Any]


class EventPage(BaseModel):
    events: list[EventView]
    next_after: int | None = Field(description="Pass as `after` to read the next page; null at the end.")
    source: str = Field(default="", description="What was read: the fact index (at which position) or the log.")


class ExpectationResultView(BaseModel):
    on: date
    known_at: date | None
    mode: Mode
    expected: dict[str, Any]
    actual: dict[str, Any]
    ok: bool


class SimulationResponse(BaseModel):
    title: str
    ok: bool
    results: list[ExpectationResultView]
