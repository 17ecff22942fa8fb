"""Classify a préfecture extract row against the ledger: which `Kind` of difference it is, on what evidence.

Each row is judged **as of its extract date**, against everything the ledger knows now (no `known_at`): the
legal balance is the truth, the administrative one reproduces how the FNPC decides (docs/law.md A.1). `classify`
decides the kind, first rule that applies (docs/decisions/0005-reconciliation.md):

1. `unknown_licence` — the number is not in the ledger (decided by the caller: there is no file to classify);
2. `match` — extract balance and status equal the legal ones;
3. `invalidation_contestable` — the extract says invalidated, the ledger says valid, and the lettre 48SI that
   would have invalidated it is void (legal balance positive on its notification day) or was never notified;
4. `stage_pending` / `stage_overdue` — the extract equals the legal balance recomputed without the latest
   crediting stage(s) (those after `last_stage_effective_on` when the extract gives it): pending while the
   extract date is on or before last day + 15 days + 1 month (R223-8), overdue after;
5. `administrative_practice` — the extract equals the administrative balance and status (and ceiling, if
   given); a pending/overdue stage on top of administrative practice is still a stage kind;
6. `balance_mismatch` — anything else.

The sentences that explain a `Verdict` are in `projections.reconciliation.explanations`; the report rows and
the streaming run over a whole extract in `projections.reconciliation.run`. Everything here is pure.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from ledger.facts import Fact, LetterNotified, LicenceRecord, OffenceEstablished, StageCompleted
from ledger.law.stage_recovery import attestation_deadline
from ledger.law.vocabulary import AnomalyKind, Rule
from ledger.values import LetterCode, Mode, Status
from projections.explanation import DayState
from projections.reconciliation.extract import ExtractRow
from projections.timeline import Timeline, build_timeline


class Kind(StrEnum):
    """What a report row says about one licence (docs/formats/prefecture-extract.md, exactly these values)."""

    MATCH = "match"
    UNKNOWN_LICENCE = "unknown_licence"
    MISSING_FROM_EXTRACT = "missing_from_extract"
    STAGE_PENDING = "stage_pending"
    STAGE_OVERDUE = "stage_overdue"
    INVALIDATION_CONTESTABLE = "invalidation_contestable"
    ADMINISTRATIVE_PRACTICE = "administrative_practice"
    BALANCE_MISMATCH = "balance_mismatch"
    LEDGER_ERROR = "ledger_error"  # the ledger cannot fold this licence (a damaged stream, an impossible date)


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


class LicenceFile:
    """One licence's record and the timelines the reconciliation reads, folded on first use.

    Kept only while consecutive extract rows concern this licence. Besides the legal and administrative
    timelines it folds the record without some stages ("what the préfecture would show if it lacked them"):
    those sets are suffixes of the licence's crediting stages, so there are at most 2 × (stages + 1) folds.
    """

    def __init__(self, record: LicenceRecord) -> None:
        self.record = record = record.rectified()  # the law and the comparison read the corrected facts
        self.facts: dict[str, Fact] = {record.licence.fact_id: record.licence}
        self.facts.update((f.fact_id, f) for f in record.facts)
        self._timelines: dict[tuple[Mode, frozenset[str]], Timeline] = {}
        self._offences = any(isinstance(f, OffenceEstablished) for f in record.facts)

    @property
    def licence_number(self) -> str:
        return self.record.licence_number

    def timeline(self, mode: Mode, without: frozenset[str] = frozenset()) -> Timeline:
        key = (mode, without)
        timeline = self._timelines.get(key)
        if timeline is None:
            if mode is Mode.ADMINISTRATIVE and not self._offences:
                timeline = self._timelines[key] = _as_administrative(self.timeline(Mode.LEGAL, without))
                return timeline
            record = self.record
            if without:
                record = LicenceRecord(record.licence, tuple(f for f in record.facts if f.fact_id not in without))
            timeline = self._timelines[key] = build_timeline(record, mode)
        return timeline


def _as_administrative(legal: Timeline) -> Timeline:
    """The administrative reading of a licence without any offence: the two modes differ only in which
    offences interrupt a window (committed vs established, docs/law.md A.1; `ledger.law.interruption` and the
    blocked full reconstitution), so without an offence the administrative fold is the legal one, day for
    day. Reusing it saves one fold per row (tests/reconciliation/test_fold_sharing.py proves the equality
    on a generated population)."""
    administrative = copy.copy(legal)
    administrative.mode = Mode.ADMINISTRATIVE
    return administrative


@dataclass(frozen=True, slots=True)
class Verdict:
    """The kind of one extract row and what decided it, for the explanation to put into words.

    `legal` and `administrative` are the ledger's two readings on the extract date. For the stage kinds,
    `reading` is the reading that agrees with the extract once the `missing` stages are left out, and `without`
    its state then. For `invalidation_contestable`, `void_letters` are the void lettres 48SI (empty: none was
    notified) and `missing` the stages the préfecture also seems to lack.
    """

    kind: Kind
    legal: DayState
    administrative: DayState
    missing: tuple[MissingStage, ...] = ()
    reading: Mode | None = None
    without: DayState | None = None
    void_letters: tuple[LetterNotified, ...] = ()


def classify(row: ExtractRow, file: LicenceFile) -> Verdict:
    """The kind of an extract row of a licence the ledger holds: the first rule of the module docstring that
    applies (a licence not yet obtained on the extract date is a `balance_mismatch`)."""
    legal_timeline = file.timeline(Mode.LEGAL)
    legal = legal_timeline.state_on(row.extract_date)
    administrative = file.timeline(Mode.ADMINISTRATIVE).state_on(row.extract_date)
    if legal.status is Status.NOT_OBTAINED:
        return Verdict(Kind.BALANCE_MISMATCH, legal, administrative)
    if row.balance == legal.balance and row.status is legal.status:
        return Verdict(Kind.MATCH, legal, administrative)

    candidates = _missing_stage_sets(row, file, legal_timeline)
    if row.status is Status.INVALIDATED and legal.status is Status.VALID:
        void_letters = _contestable_letters(row, file, legal_timeline, legal)
        if void_letters is not None:
            missing, _ = _first_agreeing(row, file, candidates, Mode.LEGAL)
            return Verdict(Kind.INVALIDATION_CONTESTABLE, legal, administrative, missing, void_letters=void_letters)

    for mode in (Mode.LEGAL, Mode.ADMINISTRATIVE):
        if mode is Mode.ADMINISTRATIVE and _agrees(row, administrative):
            return Verdict(Kind.ADMINISTRATIVE_PRACTICE, legal, administrative)
        missing, without = _first_agreeing(row, file, candidates, mode)
        if without is not None:
            return Verdict(_stage_kind(missing), legal, administrative, missing, reading=mode, without=without)
    return Verdict(Kind.BALANCE_MISMATCH, legal, administrative)


def _agrees(row: ExtractRow, state: DayState) -> bool:
    """The extract shows this state: same balance and status, and the same ceiling when the extract gives one."""
    return (row.balance == state.balance and row.status is state.status
            and (row.ceiling is None or row.ceiling == state.ceiling))


def _contestable_letters(
    row: ExtractRow, file: LicenceFile, legal_timeline: Timeline, legal: DayState
) -> tuple[LetterNotified, ...] | None:
    """Why the ledger does not support the préfecture's invalidation: the void lettres 48SI of the current
    licence notified by the extract date, or () when none was notified on the first licence; None when a 48SI
    did take effect (an invalidation followed by a reissue the préfecture does not show is no contestation)."""
    day = row.extract_date
    start = legal.licence_started_on or file.record.licence.obtained_on
    letters = sorted((f for f in file.record.facts if isinstance(f, LetterNotified)
                      and f.code is LetterCode.L48SI and start <= f.notified_on <= day),
                     key=lambda f: (f.notified_on, f.order_key))
    void = {a.fact_id for a in legal_timeline.anomalies if a.kind is AnomalyKind.VOID_48SI and a.on <= day}
    void_letters = tuple(letter for letter in letters if letter.fact_id in void)
    if void_letters:
        return void_letters
    reissued = start != file.record.licence.obtained_on
    return () if not letters and not reissued else None


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
        if movement.rule is not Rule.STAGE_CREDIT or movement.delta <= 0 or movement.fact_id is None:
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
