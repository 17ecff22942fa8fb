"""The sentences of a reconciliation report: why a row has its kind, for a préfecture agent.

`explain(row, file, verdict)` words a `projections.reconciliation.classify.Verdict`: the figures on both sides, the
ledger's movements that account for the difference (dates, rules, articles), and the facts behind them with their
evidence references, collected in `fact_ids` so that a reader can find the papers. The wording of a single movement
or fact is `projections.wording`'s, shared with the audit reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ledger.facts import LetterNotified, StageCompleted
from ledger.values import Mode, Status
from projections.explanation import DayState, Movement
from projections.reconciliation.classify import Kind, LicenceFile, MissingStage, Verdict
from projections.reconciliation.extract import ExtractRow
from projections.timeline import Timeline
from projections.wording import fact_reference, movement_text, stage_days

MOVEMENTS_BEFORE = 3  # movements quoted before the extract date in a balance_mismatch explanation
MOVEMENTS_AFTER = 2
DIFFERENCES_QUOTED = 6  # legal/administrative decisions quoted in an administrative_practice explanation


@dataclass(frozen=True, slots=True)
class Explanation:
    """A row's explanation and the facts it names, in the order it names them."""

    text: str
    fact_ids: tuple[str, ...]


class _Words:
    """An explanation being written: sentences, and the facts they name (kept in order, without repeats)."""

    def __init__(self, file: LicenceFile) -> None:
        self.file = file
        self.sentences: list[str] = []
        self.fact_ids: dict[str, None] = {}

    def say(self, sentence: str) -> None:
        self.sentences.append(sentence)

    def fact(self, fact_id: str | None) -> str:
        if fact_id is None:
            return ""
        self.fact_ids[fact_id] = None
        return fact_reference(fact_id, self.file.facts)

    def movement(self, movement: Movement) -> str:
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


def explain(row: ExtractRow, file: LicenceFile, verdict: Verdict) -> Explanation:
    """Why `row` has the kind `verdict` gives it, in sentences that name the facts, dates and articles."""
    words = _Words(file)
    legal, administrative = verdict.legal, verdict.administrative
    if legal.status is Status.NOT_OBTAINED:
        words.say(f"On {row.extract_date.isoformat()} the licence had not been obtained yet: the ledger records it "
                  f"as obtained on {file.record.licence.obtained_on.isoformat()} "
                  f"({words.fact(file.record.licence.fact_id)}); the préfecture shows "
                  f"{_figures(row.balance, row.ceiling, row.status)}.")
    elif verdict.kind is Kind.MATCH:
        _explain_match(words, row, file, legal)
    elif verdict.kind is Kind.INVALIDATION_CONTESTABLE:
        _explain_contestable(words, row, file, legal, administrative, verdict.void_letters)
        if verdict.missing:
            _explain_missing_stages(words, row, verdict.missing, in_contestation=True)
    elif verdict.kind is Kind.ADMINISTRATIVE_PRACTICE:
        _explain_administrative(words, row, file, legal, administrative)
    elif verdict.reading is not None and verdict.without is not None:  # stage_pending, stage_overdue
        _explain_stage_kind(words, row, file, verdict, verdict.reading, verdict.without)
    else:
        _explain_mismatch(words, row, file, legal, administrative)
    return Explanation(words.text, tuple(words.fact_ids))


def explain_unknown(row: ExtractRow) -> str:
    """A row whose licence number the ledger does not hold."""
    return (f"Licence {row.licence_number} is not in the ledger: no fact has been recorded under this number, so "
            f"the préfecture's figures ({_figures(row.balance, row.ceiling, row.status)} on "
            f"{row.extract_date.isoformat()}) cannot be checked.")


def explain_missing(file: LicenceFile, on: date | None) -> Explanation:
    """A ledger licence the extract does not list, with its legal balance on the extract's date when known."""
    words = _Words(file)
    licence = file.record.licence
    lead = (f"Licence {file.licence_number} is in the ledger (obtained {licence.obtained_on.isoformat()}, "
            f"{words.fact(licence.fact_id)}) but the préfecture's extract does not list it.")
    if on is None:
        words.say(lead)
    else:
        legal = file.timeline(Mode.LEGAL).state_on(on)
        words.say(f"{lead} On {on.isoformat()} (the extract's date) its legal balance is "
                  f"{_figures(legal.balance, legal.ceiling, legal.status)}.")
    return Explanation(words.text, tuple(words.fact_ids))


# -- the sentences of each kind -----------------------------------------------------------------------------


def _explain_match(words: _Words, row: ExtractRow, file: LicenceFile, legal: DayState) -> None:
    movements = file.timeline(Mode.LEGAL).movements_until(row.extract_date)
    last = words.movement(movements[-1]) if movements else None
    for sentence in match_sentences(row, legal.balance, legal.ceiling, legal.status, last):
        words.say(sentence)
    _note_last_stage(words, row)


def match_sentences(row: ExtractRow, balance: int, ceiling: int, status: Status,
                    last_movement: str | None) -> list[str]:
    """A matching row's explanation, from the legal state and the worded last movement alone: the fold and the
    read model (which stores both) word it with this same function, so their reports are identical."""
    sentences = [f"The préfecture's file agrees with the ledger's legal balance on {row.extract_date.isoformat()}: "
                 f"{_figures(balance, ceiling, status)}."]
    if last_movement is not None:
        sentences.append(f"Last movement: {last_movement}.")
    note = _ceiling_note(row, ceiling)
    if note is not None:
        sentences.append(note)
    return sentences


def _ceiling_note(row: ExtractRow, ceiling: int) -> str | None:
    if row.ceiling is not None and row.ceiling != ceiling:
        return (f"The préfecture shows a ceiling of {row.ceiling}, the ledger {ceiling} (R223-1: 6 plus "
                f"the majorations obtained during probation, 12 after it).")
    return None


def _note_ceiling(words: _Words, row: ExtractRow, legal: DayState) -> None:
    note = _ceiling_note(row, legal.ceiling)
    if note is not None:
        words.say(note)


def _note_last_stage(words: _Words, row: ExtractRow) -> None:
    """Compare the préfecture's last stage with the stages the ledger knows."""
    recorded = row.last_stage_effective_on
    if recorded is None:
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


def _explain_stage_kind(
    words: _Words, row: ExtractRow, file: LicenceFile, verdict: Verdict, reading: Mode, without: DayState
) -> None:
    legal = verdict.legal
    them = "it" if len(verdict.missing) == 1 else "them"
    _explain_missing_stages(words, row, verdict.missing)
    words.say(f"Without {them} the ledger's {reading.value} balance on {row.extract_date.isoformat()} is "
              f"{_figures(without.balance, without.ceiling, without.status)}, as in the extract; the legal "
              f"balance with {them} is {_figures(legal.balance, legal.ceiling, legal.status)}.")
    if reading is Mode.ADMINISTRATIVE:
        _explain_administrative(words, row, file, legal, verdict.administrative, lead=False)


def _explain_contestable(
    words: _Words, row: ExtractRow, file: LicenceFile, legal: DayState, administrative: DayState,
    void_letters: tuple[LetterNotified, ...],
) -> None:
    """Words for an invalidation the ledger does not support: the void lettres 48SI, or none notified at all."""
    day = row.extract_date
    legal_timeline = file.timeline(Mode.LEGAL)
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
    elif legal.balance == 0:
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
    if administrative.status is Status.INVALIDATED:
        words.say(f"Administrative practice counts it invalidated "
                  f"({_figures(administrative.balance, administrative.ceiling, administrative.status)}).")


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
    words: _Words, row: ExtractRow, file: LicenceFile, legal: DayState, administrative: DayState
) -> None:
    day = row.extract_date
    legal_timeline = file.timeline(Mode.LEGAL)
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


# -- readings of a timeline that explanations quote (the audit reports too) ---------------------------------

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
