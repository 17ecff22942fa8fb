"""Request and response bodies of the HTTP API (transport only: the ledger's facts and the projections'
values are turned into these, and back, without any law).

Field names follow the scenario format (tests/scenarios/FORMAT.md) so that a fact reads the same in a
scenario file, a request and an error's `loc`. Unknown fields are refused (`extra="forbid"`): in particular
a body cannot say who recorded it — `recorded_by` is the token's subject. Dates are `YYYY-MM-DD`, times ISO
8601; legal dates are bounded to 1900–2199, the range in which every delay of the law can still be computed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Protocol

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from ledger.facts import (
    LetterNotified,
    LicenceObtained,
    LicenceReissued,
    LicenceSurrendered,
    OffenceAnnulled,
    OffenceEstablished,
    Recording,
    Speeding,
    StageCompleted,
)
from ledger.licence import new_fact_id
from ledger.values import LICENCE_NUMBER_CHARSET, LetterCode, Mode, OffenceClass, StageCase, Status, Training
from projections.balance import Balance
from projections.explanation import Anomaly, ExpectedLetter, Movement
from projections.history import FactEntry, Statement

# The largest position a page may start after: SQLite and PostgreSQL integers stop at 2^63 - 1, and the next
# position (after + 1) must still be one.
MAX_POSITION = 2**62
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)

def _date_text(value: object) -> object:
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
DayText = Annotated[date, BeforeValidator(_date_text), Field(json_schema_extra={"pattern": DATE_PATTERN})]
LegalDate = Annotated[date, BeforeValidator(_date_text),
                      Field(ge=EARLIEST_DATE, le=LATEST_DATE, examples=["2024-03-20"],
                            json_schema_extra={"pattern": DATE_PATTERN})]
Text = Annotated[str, Field(max_length=200)]
FactId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$",
                              description="Optional id of the fact (a new uuid hex when omitted).")]
EvidenceRef = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S",
                                   description="PV number, attestation or letter reference. Sending the same "
                                               "reference and content again returns the first recording.")]
LICENCE_NUMBER_PATTERN = LICENCE_NUMBER_CHARSET  # ledger/values.py: ASCII letters, digits, inner space . _ -


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
        return _date_text(value)
    text = value.strip()
    _date_text(text)
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


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# -- writes ---------------------------------------------------------------------------------------------


class _Evidenced(Protocol):
    """What every write body has besides its legal content: an optional fact id and the evidence reference."""

    @property
    def id(self) -> str | None: ...

    @property
    def evidence_ref(self) -> str: ...


def recording(body: _Evidenced, recorded_at: datetime, recorded_by: str) -> Recording:
    """The fields a write adds to its body: the body's fact id (a new one if omitted), when and by whom."""
    return Recording(fact_id=body.id or new_fact_id(), recorded_at=recorded_at, recorded_by=recorded_by,
                     evidence_ref=body.evidence_ref)


class LicenceCreate(RequestModel):
    """A licence obtained (R223-1): opens its stream."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "number": "120375100001", "obtained_on": "2016-05-12", "training": "traditional",
        "evidence_ref": "ANTS-2016-05-12-0001",
    }]})

    id: FactId | None = None
    number: Annotated[str, Field(min_length=1, max_length=64, pattern=LICENCE_NUMBER_PATTERN,
                                 description="The licence number (no slash, no surrounding spaces).")]
    obtained_on: LegalDate
    training: Training = Training.TRADITIONAL
    complementary_training_on: LegalDate | None = None
    evidence_ref: EvidenceRef

    def to_fact(self, recorded_at: datetime, recorded_by: str) -> LicenceObtained:
        return LicenceObtained(**recording(self, recorded_at, recorded_by), licence_number=self.number,
                               obtained_on=self.obtained_on, training=self.training,
                               complementary_training_on=self.complementary_training_on)


class SpeedingBody(RequestModel):
    limit_kmh: Annotated[int, Field(ge=1, le=200), NOT_A_BOOLEAN]
    excess_kmh: Annotated[int, Field(ge=1, le=300), NOT_A_BOOLEAN]


class OffenceRecord(RequestModel):
    """An offence whose réalité is established (L223-1): `points` and `class`, or `speeding`, or `kind` (a key
    of the barème catalogue, ledger/law/offence_catalogue.py: the article's version in force decides)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "committed_on": "2024-03-02", "established_on": "2024-03-20", "points": 4, "class": "C4",
        "description": "feu rouge (R412-30)", "evidence_ref": "PV-2024-000123",
    }]})

    id: FactId | None = None
    committed_on: LegalDate
    established_on: Annotated[LegalDate, Field(description="Date de valeur: fine paid, titre exécutoire, "
                                                           "composition pénale executed, conviction final.")]
    registered_on: LegalDate | None = Field(default=None, description=(
        "Day the national file (FNPC) registered the withdrawal (date of its letter 48), on or after "
        "established_on; default established_on. Read by the administrative mode only (docs/law.md, A.22)."))
    points: Annotated[int, Field(ge=0, le=6), NOT_A_BOOLEAN] | None = None
    offence_class: OffenceClass | None = Field(default=None, alias="class")
    speeding: SpeedingBody | None = None
    offence_kind: Annotated[str, Field(min_length=1, max_length=64, examples=["red_light"])] | None = Field(
        default=None, alias="kind")
    interception: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    description: Annotated[str, Field(max_length=500)] = ""
    natinf: Annotated[str, Field(max_length=20)] | None = None
    established_by: Annotated[str, Field(max_length=50)] | None = None
    evidence_ref: EvidenceRef

    def to_fact(self, recorded_at: datetime, recorded_by: str) -> OffenceEstablished:
        speeding = Speeding(self.speeding.limit_kmh, self.speeding.excess_kmh) if self.speeding else None
        return OffenceEstablished(
            **recording(self, recorded_at, recorded_by), committed_on=self.committed_on,
            established_on=self.established_on, points=self.points, offence_class=self.offence_class,
            speeding=speeding, interception=self.interception, description=self.description, natinf=self.natinf,
            established_by=self.established_by, offence_kind=self.offence_kind, registered_on=self.registered_on,
        )


class StageRecord(RequestModel):
    """A two-day stage attended in full (R223-5); an organiser's token fills and checks `agrement`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "first_day": "2024-06-03", "last_day": "2024-06-04", "case": "voluntary", "agrement": "R2407500010",
        "place": "Paris 15e", "evidence_ref": "ATT-R2407500010-2024-0042",
    }]})

    id: FactId | None = None
    first_day: LegalDate
    last_day: LegalDate
    case: StageCase = StageCase.VOLUNTARY
    agrement: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    place: Text | None = None
    evidence_ref: EvidenceRef

    def to_fact(self, recorded_at: datetime, recorded_by: str) -> StageCompleted:
        return StageCompleted(**recording(self, recorded_at, recorded_by), first_day=self.first_day,
                              last_day=self.last_day, case=self.case, agrement=self.agrement, place=self.place)


class LetterRecord(RequestModel):
    """A letter of the ministry received (or first presented) on `notified_on` (rules.md §6)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "code": "48SI", "notified_on": "2024-09-10", "evidence_ref": "LRAR-1A23456789012",
    }]})

    id: FactId | None = None
    code: LetterCode
    notified_on: LegalDate
    evidence_ref: EvidenceRef

    def to_fact(self, recorded_at: datetime, recorded_by: str) -> LetterNotified:
        return LetterNotified(**recording(self, recorded_at, recorded_by), code=self.code,
                              notified_on=self.notified_on)


class AnnulmentRecord(RequestModel):
    """A withdrawal annulled from the start: `offence` is the offence's fact id."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "offence": "5f0c3b9e2a6d4c1e8b7a9d0f1e2c3b4a", "decided_on": "2024-07-01",
        "evidence_ref": "TP-PARIS-2024-0456",
    }]})

    id: FactId | None = None
    offence: Annotated[str, Field(min_length=1, max_length=64)]
    decided_on: LegalDate
    evidence_ref: EvidenceRef

    def to_fact(self, recorded_at: datetime, recorded_by: str) -> OffenceAnnulled:
        return OffenceAnnulled(**recording(self, recorded_at, recorded_by), offence_id=self.offence,
                               decided_on=self.decided_on)


class SurrenderRecord(RequestModel):
    """The licence handed to the préfecture after a 48SI (L223-5)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "on": "2024-09-20", "evidence_ref": "PREF75-REST-2024-0789",
    }]})

    id: FactId | None = None
    on: LegalDate
    evidence_ref: EvidenceRef

    def to_fact(self, recorded_at: datetime, recorded_by: str) -> LicenceSurrendered:
        return LicenceSurrendered(**recording(self, recorded_at, recorded_by), surrendered_on=self.on)


class ReissueRecord(RequestModel):
    """A new licence obtained after an invalidation: probationary again (L223-5, L223-1)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "obtained_on": "2025-04-15", "training": "traditional", "evidence_ref": "ANTS-2025-04-15-0077",
    }]})

    id: FactId | None = None
    obtained_on: LegalDate
    training: Training = Training.TRADITIONAL
    evidence_ref: EvidenceRef

    def to_fact(self, recorded_at: datetime, recorded_by: str) -> LicenceReissued:
        return LicenceReissued(**recording(self, recorded_at, recorded_by), obtained_on=self.obtained_on,
                               training=self.training)


class RecordedResponse(BaseModel):
    """The answer to a write: 201 with `created: true` for a new event, 200 with `created: false` when the same
    evidence and content were already recorded (nothing written, the original fact's id returned)."""

    licence_number: str
    fact_id: str
    version: int = Field(description="The licence stream's version after this write (its number of events).")
    created: bool


# -- reads ----------------------------------------------------------------------------------------------


class MovementView(BaseModel):
    on: date
    delta: int
    rule: str
    article: str
    fact_id: str | None
    detail: str
    balance: int = Field(description="Balance after this movement.")
    ceiling: int

    @classmethod
    def of(cls, m: Movement) -> MovementView:
        return cls(on=m.on, delta=m.delta, rule=m.rule, article=m.article, fact_id=m.fact_id, detail=m.detail,
                   balance=m.balance, ceiling=m.ceiling)


class ScheduledView(BaseModel):
    on: date
    kind: str
    points: int
    rule: str
    article: str


class StageEligibilityView(BaseModel):
    earliest_effective_on: date | None = Field(description="First day a new stage could take effect and credit.")
    points_now: int = Field(description="Points such a stage would credit on the day's balance.")
    reason: str


class LetterView(BaseModel):
    code: LetterCode
    due_from: date
    reason: str
    fact_id: str | None
    notified_on: date | None
    notified_fact_id: str | None

    @classmethod
    def of(cls, letter: ExpectedLetter) -> LetterView:
        return cls(code=letter.code, due_from=letter.due_from, reason=letter.reason, fact_id=letter.fact_id,
                   notified_on=letter.notified_on, notified_fact_id=letter.notified_fact_id)


class AnomalyView(BaseModel):
    on: date
    kind: str
    detail: str
    fact_id: str | None

    @classmethod
    def of(cls, anomaly: Anomaly) -> AnomalyView:
        return cls(on=anomaly.on, kind=anomaly.kind, detail=anomaly.detail, fact_id=anomaly.fact_id)


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
    movements: list[MovementView]
    scheduled: list[ScheduledView] = Field(description="Next change of each kind if nothing else happens.")
    stage: StageEligibilityView
    letters: list[LetterView] = Field(description="Letters the law expects by `on`, and the one that answered.")
    anomalies: list[AnomalyView]

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
            movements=[MovementView.of(m) for m in b.movements],
            scheduled=[ScheduledView(on=c.on, kind=c.kind, points=c.points, rule=c.rule, article=c.article)
                       for c in b.scheduled],
            stage=StageEligibilityView(earliest_effective_on=b.stage.earliest_effective_on,
                                       points_now=b.stage.points_now, reason=b.stage.reason),
            letters=[LetterView.of(letter) for letter in b.letters],
            anomalies=[AnomalyView.of(a) for a in b.anomalies],
        )


class StageEligibilityResponse(BaseModel):
    """What a stage organiser may know before enrolling a driver: status and stage eligibility only."""

    licence_number: str
    on: date
    status: Status
    stage: StageEligibilityView


class FactView(BaseModel):
    fact_id: str
    type: str
    legal_dates: dict[str, date]
    details: dict[str, Any]
    recorded_at: datetime
    recorded_by: str
    evidence_ref: str
    movements: list[MovementView] = Field(description="The law's decisions on this fact, up to `on`.")

    @classmethod
    def of(cls, entry: FactEntry) -> FactView:
        return cls(fact_id=entry.fact_id, type=entry.kind, legal_dates=dict(entry.legal_dates),
                   details=dict(entry.details), recorded_at=entry.recorded_at, recorded_by=entry.recorded_by,
                   evidence_ref=entry.evidence_ref, movements=[MovementView.of(m) for m in entry.movements])


class HistoryResponse(LicenceReading):
    """A relevé-intégral-style statement: every known fact, and every movement with the balance after it."""

    facts: list[FactView]
    movements: list[MovementView]
    anomalies: list[AnomalyView]

    @classmethod
    def of(cls, s: Statement) -> HistoryResponse:
        return cls(licence_number=s.licence_number, on=s.on, known_at=s.known_at, mode=s.mode,
                   points=s.state.balance, ceiling=s.state.ceiling, status=s.state.status,
                   facts=[FactView.of(f) for f in s.facts], movements=[MovementView.of(m) for m in s.movements],
                   anomalies=[AnomalyView.of(a) for a in s.anomalies])


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
