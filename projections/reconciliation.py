"""Reconcile a préfecture extract with the ledger: one classified, explained report row per extract row.

Each row is judged **as of its extract date**, against everything the ledger knows now (no `known_at`): the
legal balance is the truth, the administrative one reproduces how the FNPC decides (rules.md A.1). The `kind`
is decided by `reconcile_row`, first rule that applies (docs/decisions/0005-reconciliation.md):

1. `unknown_licence` — the number is not in the ledger;
2. `match` — extract balance and status equal the legal ones;
3. `invalidation_contestable` — the extract says invalidated, the ledger says valid, and the lettre 48SI that
   would have invalidated it is void (legal balance positive on its notification day) or was never notified;
4. `stage_pending` / `stage_overdue` — the extract equals the legal balance recomputed without the latest
   crediting stage(s) (those after `last_stage_effective_on` when the extract gives it): pending while the
   extract date is on or before last day + 15 days + 1 month (R223-8), overdue after;
5. `administrative_practice` — the extract equals the administrative balance and status (and ceiling, if
   given); a pending/overdue stage on top of administrative practice is still a stage kind;
6. `balance_mismatch` — anything else, explained by the ledger's movements around the extract date.

Everything here is pure: the record loader is passed in, so the rules are tested without a database. Rows are
handled one at a time; only the current licence's timelines are kept (consecutive rows of one licence share
them), so memory does not grow with the extract.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from ledger.application import PointsLedger
from ledger.errors import LicenceNotFound
from ledger.facts import Fact, LetterNotified, LicenceRecord, StageCompleted
from ledger.law.calendar import add_months
from ledger.values import LetterCode, Mode, Status
from projections.explanation import DayState, Movement
from projections.prefecture_extract import BadRow, ExtractRow
from projections.timeline import Timeline, build_timeline
from projections.wording import fact_reference, movement_text, stage_days

ATTESTATION_TRANSMISSION = timedelta(days=15)  # R223-8 I: the organiser sends the attestation within 15 days
ATTESTATION_RECORDING_MONTHS = 1  # R223-8 II: the préfet records the points within one month
MOVEMENTS_BEFORE = 3  # movements quoted before the extract date in a balance_mismatch explanation
MOVEMENTS_AFTER = 2
DIFFERENCES_QUOTED = 6  # legal/administrative decisions quoted in an administrative_practice explanation


class Kind(StrEnum):
    """What a report row says about one licence (shared/formats/prefecture-extract.md, exactly these values)."""

    MATCH = "match"
    UNKNOWN_LICENCE = "unknown_licence"
    MISSING_FROM_EXTRACT = "missing_from_extract"
    STAGE_PENDING = "stage_pending"
    STAGE_OVERDUE = "stage_overdue"
    INVALIDATION_CONTESTABLE = "invalidation_contestable"
    ADMINISTRATIVE_PRACTICE = "administrative_practice"
    BALANCE_MISMATCH = "balance_mismatch"


def attestation_deadline(last_day: date) -> date:
    """R223-8 — the day by which the préfecture should show a stage's credit: the attestation reaches the préfet
    within 15 days of the last stage day, and the préfet records it within one month (A.14 month arithmetic).
    """
    return add_months(last_day + ATTESTATION_TRANSMISSION, ATTESTATION_RECORDING_MONTHS)


@dataclass(frozen=True, slots=True)
class MissingStage:
    """A stage whose credit the ledger counts and the préfecture's file does not show."""

    fact_id: str
    evidence_ref: str
    first_day: date
    last_day: date
    effective_on: date
    credit: int
    deadline: date
    overdue: bool  # on the extract date

    def as_json(self) -> dict[str, Any]:
        return {"fact_id": self.fact_id, "evidence_ref": self.evidence_ref, "first_day": self.first_day.isoformat(),
                "last_day": self.last_day.isoformat(), "effective_on": self.effective_on.isoformat(),
                "credit": self.credit, "deadline": self.deadline.isoformat(), "overdue": self.overdue}


REPORT_COLUMNS = (
    "line", "licence_number", "extract_date", "kind", "extract_balance", "extract_status", "extract_ceiling",
    "ledger_balance", "ledger_status", "ledger_ceiling", "administrative_balance", "administrative_status",
    "stage_deadline", "fact_ids", "explanation",
)


@dataclass(frozen=True, slots=True)
class ReconciliationRow:
    """One line of the report: the extract's figures, the ledger's (legal and administrative), the kind, why."""

    licence_number: str
    extract_date: date | None
    kind: Kind
    explanation: str
    line: int | None = None
    extract_balance: int | None = None
    extract_status: Status | None = None
    extract_ceiling: int | None = None
    ledger_balance: int | None = None
    ledger_status: Status | None = None
    ledger_ceiling: int | None = None
    administrative_balance: int | None = None
    administrative_status: Status | None = None
    missing_stages: tuple[MissingStage, ...] = ()
    fact_ids: tuple[str, ...] = ()

    @property
    def stage_deadline(self) -> date | None:
        """The earliest attestation deadline among the stages the préfecture lacks (the one that is late first)."""
        return min((s.deadline for s in self.missing_stages), default=None)

    def as_json(self) -> dict[str, Any]:
        """The row as JSON values (dates ISO, statuses and kind as strings, missing values null)."""
        return {
            "line": self.line,
            "licence_number": self.licence_number,
            "extract_date": _iso(self.extract_date),
            "kind": self.kind.value,
            "extract_balance": self.extract_balance,
            "extract_status": _value(self.extract_status),
            "extract_ceiling": self.extract_ceiling,
            "ledger_balance": self.ledger_balance,
            "ledger_status": _value(self.ledger_status),
            "ledger_ceiling": self.ledger_ceiling,
            "administrative_balance": self.administrative_balance,
            "administrative_status": _value(self.administrative_status),
            "stage_deadline": _iso(self.stage_deadline),
            "missing_stages": [s.as_json() for s in self.missing_stages],
            "fact_ids": list(self.fact_ids),
            "explanation": self.explanation,
        }

    def as_csv(self) -> dict[str, str]:
        """The row as the CSV report's cells (`REPORT_COLUMNS`; fact ids space-separated, missing values empty)."""
        values = self.as_json()
        values["fact_ids"] = " ".join(self.fact_ids)
        return {name: "" if values[name] is None else str(values[name]) for name in REPORT_COLUMNS}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _value(status: Status | None) -> str | None:
    return None if status is None else status.value


class LicenceFile:
    """One licence's record and the timelines the reconciliation reads, folded on first use.

    Kept only while consecutive extract rows concern this licence. Besides the legal and administrative
    timelines it folds the record without some stages ("what the préfecture would show if it lacked them"):
    those sets are suffixes of the licence's crediting stages, so there are at most 2 × (stages + 1) folds.
    """

    def __init__(self, record: LicenceRecord) -> None:
        self.record = record
        self.facts: dict[str, Fact] = {record.licence.fact_id: record.licence}
        self.facts.update((f.fact_id, f) for f in record.facts)
        self._timelines: dict[tuple[Mode, frozenset[str]], Timeline] = {}

    @property
    def licence_number(self) -> str:
        return self.record.licence_number

    def timeline(self, mode: Mode, without: frozenset[str] = frozenset()) -> Timeline:
        key = (mode, without)
        timeline = self._timelines.get(key)
        if timeline is None:
            record = self.record
            if without:
                record = LicenceRecord(record.licence, tuple(f for f in record.facts if f.fact_id not in without))
            timeline = self._timelines[key] = build_timeline(record, mode)
        return timeline


class _Words:
    """An explanation being written: sentences, and the facts they name (kept in order, without repeats)."""

    def __init__(self, file: LicenceFile | None) -> None:
        self.file = file
        self.sentences: list[str] = []
        self.fact_ids: dict[str, None] = {}

    def say(self, sentence: str) -> None:
        self.sentences.append(sentence)

    def fact(self, fact_id: str | None) -> str:
        if fact_id is None or self.file is None:
            return ""
        self.fact_ids[fact_id] = None
        return fact_reference(fact_id, self.file.facts)

    def movement(self, movement: Movement) -> str:
        assert self.file is not None
        if movement.fact_id is not None:
            self.fact_ids[movement.fact_id] = None
        return movement_text(movement, self.file.facts)

    def movements(self, movements: Iterable[Movement]) -> str:
        return "; ".join(self.movement(m) for m in movements)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def _figures(balance: int, ceiling: int | None, status: Status) -> str:
    points = f"{balance}/{ceiling}" if ceiling is not None else f"{balance}"
    return f"{points} point(s), {status.value}"


def _agrees(row: ExtractRow, state: DayState) -> bool:
    """The extract shows this state: same balance and status, and the same ceiling when the extract gives one."""
    return (row.balance == state.balance and row.status is state.status
            and (row.ceiling is None or row.ceiling == state.ceiling))


# -- one row ------------------------------------------------------------------------------------------------


def reconcile_row(row: ExtractRow, file: LicenceFile | None) -> ReconciliationRow:
    """Classify and explain one extract row against the licence's file (None: not in the ledger)."""
    if file is None:
        return ReconciliationRow(
            row.licence_number, row.extract_date, Kind.UNKNOWN_LICENCE,
            f"Licence {row.licence_number} is not in the ledger: no fact has been recorded under this number, so "
            f"the préfecture's figures ({_figures(row.balance, row.ceiling, row.status)} on "
            f"{row.extract_date.isoformat()}) cannot be checked.",
            line=row.line, extract_balance=row.balance, extract_status=row.status, extract_ceiling=row.ceiling,
        )
    day = row.extract_date
    legal_timeline = file.timeline(Mode.LEGAL)
    legal = legal_timeline.state_on(day)
    administrative = file.timeline(Mode.ADMINISTRATIVE).state_on(day)
    words = _Words(file)

    def report(kind: Kind, missing: tuple[MissingStage, ...] = ()) -> ReconciliationRow:
        return ReconciliationRow(
            row.licence_number, day, kind, words.text, line=row.line, extract_balance=row.balance,
            extract_status=row.status, extract_ceiling=row.ceiling, ledger_balance=legal.balance,
            ledger_status=legal.status, ledger_ceiling=legal.ceiling, administrative_balance=administrative.balance,
            administrative_status=administrative.status, missing_stages=missing, fact_ids=tuple(words.fact_ids),
        )

    if legal.status is Status.NOT_OBTAINED:
        words.say(f"On {day.isoformat()} the licence had not been obtained yet: the ledger records it as obtained "
                  f"on {file.record.licence.obtained_on.isoformat()} "
                  f"({words.fact(file.record.licence.fact_id)}); the préfecture shows "
                  f"{_figures(row.balance, row.ceiling, row.status)}.")
        return report(Kind.BALANCE_MISMATCH)

    if row.balance == legal.balance and row.status is legal.status:
        _explain_match(words, row, legal_timeline, legal)
        return report(Kind.MATCH)

    candidates = _missing_stage_sets(row, file, legal_timeline)
    if row.status is Status.INVALIDATED and legal.status is Status.VALID:
        contested = _explain_contestable(words, row, file, legal_timeline, legal, administrative)
        if contested:
            missing, _ = _first_agreeing(row, file, candidates, Mode.LEGAL)
            if missing:
                _explain_missing_stages(words, row, missing, in_contestation=True)
            return report(Kind.INVALIDATION_CONTESTABLE, missing)

    for mode in (Mode.LEGAL, Mode.ADMINISTRATIVE):
        if mode is Mode.ADMINISTRATIVE and _agrees(row, administrative):
            _explain_administrative(words, row, file, legal, administrative)
            return report(Kind.ADMINISTRATIVE_PRACTICE)
        missing, without = _first_agreeing(row, file, candidates, mode)
        if without is not None:
            them = "it" if len(missing) == 1 else "them"
            _explain_missing_stages(words, row, missing)
            words.say(f"Without {them} the ledger's {mode.value} balance on {day.isoformat()} is "
                      f"{_figures(without.balance, without.ceiling, without.status)}, as in the extract; the legal "
                      f"balance with {them} is {_figures(legal.balance, legal.ceiling, legal.status)}.")
            if mode is Mode.ADMINISTRATIVE:
                _explain_administrative(words, row, file, legal, administrative, lead=False)
            return report(_stage_kind(missing), missing)

    _explain_mismatch(words, row, file, legal_timeline, legal, administrative)
    return report(Kind.BALANCE_MISMATCH)


def _first_agreeing(
    row: ExtractRow, file: LicenceFile, candidates: list[tuple[MissingStage, ...]], mode: Mode
) -> tuple[tuple[MissingStage, ...], DayState | None]:
    """The first set of missing stages without which the `mode` reading agrees with the extract, and that
    reading's state on the extract date; ((), None) if none does."""
    for stages in candidates:
        without = file.timeline(mode, frozenset(s.fact_id for s in stages)).state_on(row.extract_date)
        if _agrees(row, without):
            return stages, without
    return (), None


def _stage_kind(stages: tuple[MissingStage, ...]) -> Kind:
    """Overdue as soon as one missing stage is past its deadline: the préfecture is late on it."""
    return Kind.STAGE_OVERDUE if any(s.overdue for s in stages) else Kind.STAGE_PENDING


def _crediting_stages(row: ExtractRow, file: LicenceFile, legal: Timeline) -> list[MissingStage]:
    """The stages that credited points (legal mode) with effect on or before the extract date, oldest first."""
    stages = []
    for movement in legal.movements_until(row.extract_date):
        if movement.rule != "stage_credit" or movement.delta <= 0 or movement.fact_id is None:
            continue
        fact = file.facts.get(movement.fact_id)
        if not isinstance(fact, StageCompleted):
            continue
        deadline = attestation_deadline(fact.last_day)
        stages.append(MissingStage(fact.fact_id, fact.evidence_ref, fact.first_day, fact.last_day, movement.on,
                                   movement.delta, deadline, row.extract_date > deadline))
    return stages


def _missing_stage_sets(row: ExtractRow, file: LicenceFile, legal: Timeline) -> list[tuple[MissingStage, ...]]:
    """Which stages the préfecture may lack, most likely first.

    With `last_stage_effective_on` the extract says which stages it has: it lacks exactly those effective
    after that date. Without it, the préfecture's file is assumed to stop at some stage: it lacks the latest
    one, or the latest two, … (attestations arrive in order; an older stage lacking while a newer one is
    recorded would not be a transmission delay).
    """
    stages = _crediting_stages(row, file, legal)
    if row.last_stage_effective_on is not None:
        after = tuple(s for s in stages if s.effective_on > row.last_stage_effective_on)
        return [after] if after else []
    return [tuple(stages[-k:]) for k in range(1, len(stages) + 1)]


# -- explanations -------------------------------------------------------------------------------------------


def _explain_match(words: _Words, row: ExtractRow, legal_timeline: Timeline, legal: DayState) -> None:
    words.say(f"The préfecture's file agrees with the ledger's legal balance on {row.extract_date.isoformat()}: "
              f"{_figures(legal.balance, legal.ceiling, legal.status)}.")
    movements = legal_timeline.movements_until(row.extract_date)
    if movements:
        words.say(f"Last movement: {words.movement(movements[-1])}.")
    _note_ceiling(words, row, legal)
    _note_last_stage(words, row)


def _note_ceiling(words: _Words, row: ExtractRow, legal: DayState) -> None:
    if row.ceiling is not None and row.ceiling != legal.ceiling:
        words.say(f"The préfecture shows a ceiling of {row.ceiling}, the ledger {legal.ceiling} (R223-1: 6 plus "
                  f"the majorations obtained during probation, 12 after it).")


def _note_last_stage(words: _Words, row: ExtractRow) -> None:
    """Compare the préfecture's last stage with the stages the ledger knows."""
    recorded = row.last_stage_effective_on
    if recorded is None or words.file is None:
        return
    stages = [f for f in words.file.record.facts if isinstance(f, StageCompleted)]
    if not any(s.last_day + timedelta(days=1) == recorded for s in stages):
        known = ", ".join(f"{stage_days(s)} ({words.fact(s.fact_id)})" for s in stages) or "none"
        words.say(f"The préfecture records a stage effective {recorded.isoformat()}, which the ledger does not know "
                  f"(stages in the ledger: {known}).")


def _explain_missing_stages(
    words: _Words, row: ExtractRow, stages: tuple[MissingStage, ...], *, in_contestation: bool = False
) -> None:
    day = row.extract_date
    lead = ("The préfecture's file also seems to lack" if in_contestation
            else "The préfecture's file does not show the credit of")
    described = []
    for stage in stages:
        timing = (f"{(day - stage.deadline).days} day(s) late on {day.isoformat()}: the préfecture is late"
                  if stage.overdue else
                  f"not yet due on {day.isoformat()}: the attestation may still be in transit")
        described.append(
            f"the stage {stage.first_day.isoformat()}–{stage.last_day.isoformat()} ({words.fact(stage.fact_id)}), "
            f"{stage.credit:+d} point(s) effective {stage.effective_on.isoformat()} (the day after its last day, "
            f"R223-8 III; L223-6 al. 4); its attestation should be recorded by {stage.deadline.isoformat()} "
            f"(15 days to reach the préfet + 1 month to record it, R223-8): {timing}")
    words.say(f"{lead} " + "; ".join(described) + ".")
    if row.last_stage_effective_on is not None:
        words.say(f"The préfecture's last recorded stage is effective {row.last_stage_effective_on.isoformat()}.")


def _explain_contestable(
    words: _Words, row: ExtractRow, file: LicenceFile, legal_timeline: Timeline, legal: DayState,
    administrative: DayState,
) -> bool:
    """Words for an invalidation the ledger does not support; False when the 48SI was effective (a reissue…)."""
    day = row.extract_date
    start = legal.licence_started_on or file.record.licence.obtained_on
    letters = sorted((f for f in file.record.facts if isinstance(f, LetterNotified)
                      and f.code is LetterCode.L48SI and start <= f.notified_on <= day),
                     key=lambda f: (f.notified_on, f.order_key))
    void = {a.fact_id for a in legal_timeline.anomalies if a.kind == "void_48si" and a.on <= day}
    void_letters = [letter for letter in letters if letter.fact_id in void]
    reissued = start != file.record.licence.obtained_on
    if void_letters:
        for letter in void_letters:
            balance = legal_timeline.state_on(letter.notified_on).balance
            words.say(f"The préfecture shows the licence invalidated on {day.isoformat()}, but the lettre 48SI "
                      f"notified {letter.notified_on.isoformat()} ({words.fact(letter.fact_id)}) is void: the legal "
                      f"balance that day was {balance} point(s), and a 48SI takes effect only on a zero balance "
                      f"(L223-1; CE 29 sept. 2023 n° 461479; rules A.6).")
            restoring = restoring_movements(legal_timeline, letter.notified_on)
            if restoring:
                words.say(f"The balance was positive again before the notification because of: "
                          f"{words.movements(restoring)}.")
            else:
                words.say("The legal balance had not fallen to 0 before the notification.")
    elif not letters and not reissued:
        if legal.balance == 0:
            since = zero_since(legal_timeline, day)
            words.say(f"The préfecture shows the licence invalidated on {day.isoformat()}, but no lettre 48SI is "
                      f"recorded as notified by then: the legal balance is 0"
                      + (f" since {words.movement(since)}" if since else "")
                      + ", yet until a 48SI is notified the licence keeps its validity and a stage can still "
                        "restore points (L223-1; L223-5; rules A.6).")
        else:
            words.say(f"The préfecture shows the licence invalidated on {day.isoformat()}, but no lettre 48SI is "
                      f"recorded as notified by then and the legal balance is "
                      f"{_figures(legal.balance, legal.ceiling, legal.status)}: nothing invalidates the licence "
                      f"(L223-1; L223-5).")
    else:
        return False
    if administrative.status is Status.INVALIDATED:
        words.say(f"Administrative practice counts it invalidated "
                  f"({_figures(administrative.balance, administrative.ceiling, administrative.status)}).")
    return True


def restoring_movements(timeline: Timeline, day: date) -> tuple[Movement, ...]:
    """The credits since the balance last stood at 0, up to `day` (empty if it never fell to 0)."""
    found: list[Movement] = []
    for movement in reversed(timeline.movements_until(day)):
        if movement.balance == 0:
            return tuple(reversed(found))
        if movement.delta > 0:
            found.append(movement)
    return ()


def zero_since(timeline: Timeline, day: date) -> Movement | None:
    """The movement that brought the balance to the 0 it still shows on `day` (None if it is not 0)."""
    since = None
    for movement in reversed(timeline.movements_until(day)):
        if movement.balance != 0:
            break
        if movement.delta != 0 or since is None:
            since = movement
    return since


def _explain_administrative(
    words: _Words, row: ExtractRow, file: LicenceFile, legal: DayState, administrative: DayState,
    *, lead: bool = True,
) -> None:
    day = row.extract_date
    if lead:
        words.say(f"The préfecture's figures are those of administrative practice: on {day.isoformat()} the "
                  f"ledger's administrative balance is "
                  f"{_figures(administrative.balance, administrative.ceiling, administrative.status)}, its legal "
                  f"balance {_figures(legal.balance, legal.ceiling, legal.status)}. The FNPC takes each automatic "
                  f"decision on its own date with the withdrawals whose date de valeur is before it, and never "
                  f"undoes it; the law reads offences by their commission date (rules A.1).")
    legal_moves = file.timeline(Mode.LEGAL).movements_until(day)
    admin_moves = file.timeline(Mode.ADMINISTRATIVE).movements_until(day)
    legal_keys = {_decision(m) for m in legal_moves}
    admin_keys = {_decision(m) for m in admin_moves}
    legal_only = [m for m in legal_moves if _decision(m) not in admin_keys][:DIFFERENCES_QUOTED]
    admin_only = [m for m in admin_moves if _decision(m) not in legal_keys][:DIFFERENCES_QUOTED]
    if legal_only:
        words.say(f"Legal reading: {words.movements(legal_only)}.")
    if admin_only:
        words.say(f"Administrative practice: {words.movements(admin_only)}.")


def _decision(movement: Movement) -> tuple[date, str, str | None, int]:
    """A movement as a decision, whatever balance it led to: the two modes differ where decisions differ."""
    return (movement.on, movement.rule, movement.fact_id, movement.delta)


def _explain_mismatch(
    words: _Words, row: ExtractRow, file: LicenceFile, legal_timeline: Timeline, legal: DayState,
    administrative: DayState,
) -> None:
    day = row.extract_date
    admin = _figures(administrative.balance, administrative.ceiling, administrative.status)
    words.say(f"The préfecture shows {_figures(row.balance, row.ceiling, row.status)} on {day.isoformat()}; the "
              f"ledger's legal balance is {_figures(legal.balance, legal.ceiling, legal.status)} and its "
              f"administrative balance {admin}; no missing stage nor administrative practice accounts for the "
              f"difference.")
    before = legal_timeline.movements_until(day)
    after = legal_timeline.movements_after(day)
    if before:
        words.say(f"Ledger movements up to {day.isoformat()}: {words.movements(before[-MOVEMENTS_BEFORE:])}.")
    if after:
        words.say(f"Next: {words.movements(after[:MOVEMENTS_AFTER])}.")
    if legal.status is Status.INVALIDATED and row.status is Status.VALID and legal.invalidated_on is not None:
        words.say(f"The ledger counts the licence invalidated since the lettre 48SI notified "
                  f"{legal.invalidated_on.isoformat()} (L223-1; L223-5).")
    earlier = _last_time_at(before, row.balance)
    if earlier is not None and earlier + 1 < len(before):
        started, ended = before[earlier], before[earlier + 1]
        words.say(f"The legal balance was {row.balance} from {started.on.isoformat()} until "
                  f"{ended.on.isoformat()}: the préfecture's file may not show the movements since "
                  f"(first: {words.movement(ended)}).")
    later = next((m for m in after if m.balance == row.balance), None)
    if later is not None and earlier is None:
        words.say(f"The legal balance becomes {row.balance} only on {later.on.isoformat()}: the préfecture's file "
                  f"may show a movement in advance.")
    _note_ceiling(words, row, legal)
    _note_last_stage(words, row)


def _last_time_at(movements: tuple[Movement, ...], balance: int) -> int | None:
    """Index of the latest movement that left the balance at `balance` (the start of the last period at it)."""
    for index in range(len(movements) - 1, -1, -1):
        if movements[index].balance == balance:
            return index
    return None


def missing_row(file: LicenceFile, on: date | None) -> ReconciliationRow:
    """A ledger licence the extract does not list, with its legal balance on the extract's date when known."""
    words = _Words(file)
    licence = file.record.licence
    lead = (f"Licence {file.licence_number} is in the ledger (obtained {licence.obtained_on.isoformat()}, "
            f"{words.fact(licence.fact_id)}) but the préfecture's extract does not list it.")
    if on is None:
        words.say(lead)
        return ReconciliationRow(file.licence_number, None, Kind.MISSING_FROM_EXTRACT, words.text,
                                 fact_ids=tuple(words.fact_ids))
    legal = file.timeline(Mode.LEGAL).state_on(on)
    administrative = file.timeline(Mode.ADMINISTRATIVE).state_on(on)
    words.say(f"{lead} On {on.isoformat()} (the extract's date) its legal balance is "
              f"{_figures(legal.balance, legal.ceiling, legal.status)}.")
    return ReconciliationRow(
        file.licence_number, on, Kind.MISSING_FROM_EXTRACT, words.text, ledger_balance=legal.balance,
        ledger_status=legal.status, ledger_ceiling=legal.ceiling, administrative_balance=administrative.balance,
        administrative_status=administrative.status, fact_ids=tuple(words.fact_ids),
    )


# -- a whole extract ----------------------------------------------------------------------------------------

LoadRecord = Callable[[str], LicenceRecord | None]


@dataclass(slots=True)
class ReconciliationSummary:
    """What one run produced: rows per kind and unreadable lines. Bounded: one counter per kind."""

    counts: Counter[Kind] = field(default_factory=Counter)
    bad_rows: int = 0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def as_json(self) -> dict[str, int]:
        return {**{kind.value: self.counts[kind] for kind in Kind}, "unreadable_rows": self.bad_rows}


class Reconciliation:
    """Reconcile one extract, streaming: rows in, report rows (and unreadable lines) out, in the extract's order.

    `load(number)` returns a licence's record or None; only the current licence's file is kept, so memory is
    bounded by one licence whatever the extract's size. With `include_missing`, the licence numbers seen are
    kept (bounded by the number of licences) and, after the last row, each ledger licence from
    `licence_numbers()` that the extract did not list gives a `missing_from_extract` row, on the latest
    extract date seen.
    """

    def __init__(
        self, load: LoadRecord, *, include_missing: bool = False,
        licence_numbers: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        if include_missing and licence_numbers is None:
            raise ValueError("include_missing needs the ledger's licence numbers")
        self.load = load
        self.include_missing = include_missing
        self.licence_numbers = licence_numbers
        self.summary = ReconciliationSummary()

    def run(self, items: Iterable[ExtractRow | BadRow]) -> Iterator[ReconciliationRow | BadRow]:
        seen: set[str] = set()
        latest: date | None = None
        current: LicenceFile | None = None
        current_number: str | None = None
        for item in items:
            if isinstance(item, BadRow):
                self.summary.bad_rows += 1
                if self.include_missing and item.licence_number:
                    seen.add(item.licence_number)
                yield item
                continue
            if item.licence_number != current_number:
                record = self.load(item.licence_number)
                current = LicenceFile(record) if record is not None else None
                current_number = item.licence_number
            if self.include_missing:
                seen.add(item.licence_number)
                latest = item.extract_date if latest is None else max(latest, item.extract_date)
            result = reconcile_row(item, current)
            self.summary.counts[result.kind] += 1
            yield result
        if not self.include_missing:
            return
        assert self.licence_numbers is not None
        for number in self.licence_numbers():
            if number in seen:
                continue
            record = self.load(number)
            if record is None:
                continue
            result = missing_row(LicenceFile(record), latest)
            self.summary.counts[result.kind] += 1
            yield result


def ledger_loader(ledger: PointsLedger) -> LoadRecord:
    """Read records from the ledger (one round trip per licence); None for a number it does not hold."""

    def load(licence_number: str) -> LicenceRecord | None:
        try:
            return ledger.get_record(licence_number)
        except LicenceNotFound:
            return None

    return load


def reconcile_with_ledger(ledger: PointsLedger, *, include_missing: bool = False) -> Reconciliation:
    """A reconciliation against everything the ledger knows now."""
    return Reconciliation(ledger_loader(ledger), include_missing=include_missing,
                          licence_numbers=ledger.licence_numbers)
