"""What the licence page and the statement show, gathered from the projections (no law here: only reads).

One call builds the two timelines (legal, administrative) as known at `known_at` with
`projections.balance.timeline_for`, reads the day's balance off the chosen reading's timeline
(`balance_from_timeline`, the same function as `GET /licences/{number}/balance`), the statement
(`projections.history.statement`, as `GET …/history`), and the chart's geometry. The French sentences about
facts are formatting of the facts' own fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from api.http.ui import wording
from api.http.ui.chart import Chart, FactMark, build_chart
from ledger import kinds
from ledger.facts import CORRECTABLE, LicenceRecord, StageCompleted
from ledger.law import stage_recovery
from ledger.values import Mode
from projections.balance import Balance, balance_as_of, balance_from_timeline, missing_letters, timeline_for
from projections.explanation import Movement
from projections.history import FactEntry, Statement, statement


@dataclass(frozen=True, slots=True)
class MovementRow:
    """A line of the movements table: the movement and the fact behind it (if any)."""

    movement: Movement
    fact: FactEntry | None
    fact_text: str


@dataclass(frozen=True, slots=True)
class LicencePage:
    number: str
    on: date
    known_at: datetime | None
    mode: Mode
    balance: Balance
    statement: Statement
    rows: tuple[MovementRow, ...]
    chart: Chart
    anomalies: tuple[str, ...]
    now_known: Balance | None  # the same day with everything recorded since, when `known_at` is given


def _value(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return wording.short_date(value)
    return str(value)


def _offence(dates: Mapping[str, date], details: Mapping[str, Any]) -> str:
    text = str(details.get("description") or "Infraction")
    return (f"{text} (commise le {wording.short_date(dates.get('committed_on'))}, date de valeur "
            f"{wording.short_date(dates.get('established_on'))})")


def _stage(dates: Mapping[str, date], details: Mapping[str, Any]) -> str:
    case = wording.label(wording.STAGE_CASES, _value(details.get("case", "")))
    place = f", {details['place']}" if details.get("place") else ""
    return (f"Stage {case} du {wording.short_date(dates.get('first_day'))} au "
            f"{wording.short_date(dates.get('last_day'))}{place}")


def _letter(dates: Mapping[str, date], details: Mapping[str, Any]) -> str:
    letter = wording.upper_first(wording.label(wording.LETTERS, _value(details.get("code", ""))))
    return f"{letter} notifiée le {wording.short_date(dates.get('notified_on'))}"


def _annulment(dates: Mapping[str, date], details: Mapping[str, Any]) -> str:
    return (f"Annulation de l'infraction {details.get('offence_id')} décidée le "
            f"{wording.short_date(dates.get('decided_on'))}")


def _surrender(dates: Mapping[str, date], details: Mapping[str, Any]) -> str:
    return f"Permis remis le {wording.short_date(dates.get('surrendered_on'))}"


def _obtained(what: str) -> Callable[[Mapping[str, date], Mapping[str, Any]], str]:
    def sentence(dates: Mapping[str, date], details: Mapping[str, Any]) -> str:
        training = wording.label(wording.TRAININGS, _value(details.get("training", "")))
        return f"{what} le {wording.short_date(dates.get('obtained_on'))}" + (f" ({training})" if training else "")
    return sentence


_RECTIFIED_LABELS = {field.name: field.spec.label for field in kinds.RECTIFICATION.fields}


def _rectification(dates: Mapping[str, date], details: Mapping[str, Any]) -> str:
    corrected = ", ".join(f"{_RECTIFIED_LABELS[name]} : {_value(dates.get(name, details.get(name)))}"
                          for name in CORRECTABLE if dates.get(name, details.get(name)) is not None)
    return (f"Rectification du fait {details.get('rectified_id')} le "
            f"{wording.short_date(dates.get('rectified_on'))} ({details.get('reason')})"
            + (f" : {corrected}" if corrected else ""))


# One sentence per declared kind of fact (`ledger.kinds`), from the fact's own fields;
# tests/test_fact_kinds.py fails when a declared kind has none.
SENTENCES: dict[str, Callable[[Mapping[str, date], Mapping[str, Any]], str]] = {
    kinds.OFFENCE.name: _offence, kinds.STAGE.name: _stage, kinds.LETTER.name: _letter,
    kinds.ANNULMENT.name: _annulment, kinds.SURRENDER.name: _surrender,
    kinds.LICENCE.name: _obtained("Permis délivré"), kinds.REISSUE.name: _obtained("Nouveau permis obtenu"),
    kinds.RECTIFICATION.name: _rectification,
}


def fact_text(entry: FactEntry) -> str:
    """A fact in a French sentence, from its own fields (the kind's label for a kind the table lacks)."""
    sentence = SENTENCES.get(entry.kind)
    if sentence is None:
        return wording.label(wording.FACT_KINDS, entry.kind)
    return sentence(entry.legal_dates, entry.details)


def _marks(entries: tuple[FactEntry, ...], record: LicenceRecord) -> list[FactMark]:
    """Offences at their date de valeur, stages on their day of effect (the law's, R223-8 III, on the record as
    known and corrected), letters when notified."""
    stages = {f.fact_id: f for f in record.facts if isinstance(f, StageCompleted)}
    marks: list[FactMark] = []
    for entry in entries:
        if entry.kind == "offence" and "established_on" in entry.legal_dates:
            marks.append(FactMark(entry.legal_dates["established_on"], "offence", fact_text(entry)))
        elif entry.kind == "stage" and entry.fact_id in stages:
            effect = stage_recovery.stage_effective_on(stages[entry.fact_id])
            marks.append(FactMark(effect, "stage", fact_text(entry)))
        elif entry.kind == "letter":
            marks.append(FactMark(entry.legal_dates["notified_on"], "letter", fact_text(entry)))
    return marks


def anomaly_sentences(balance: Balance) -> tuple[str, ...]:
    """Anomalies and letters the law expected but the file lacks, in plain French."""
    sentences = [f"{wording.upper_first(wording.long_date(a.on))} : {wording.ANOMALIES.get(a.kind, a.detail)}"
                 for a in balance.anomalies]
    sentences += [f"{wording.upper_first(wording.label(wording.LETTERS, letter.code.value))} attendue à partir du "
                  f"{wording.long_date(letter.due_from)} : aucune n'est enregistrée."
                  for letter in missing_letters(balance)]
    return tuple(sentences)


def licence_page(record: LicenceRecord, on: date, known_at: datetime | None, mode: Mode) -> LicencePage:
    """Everything the licence page shows for one day, one moment of knowledge and one reading."""
    timelines = {m: timeline_for(record, known_at, m) for m in Mode}
    balance = balance_from_timeline(timelines[mode], record, on, known_at)
    relevé = statement(record, on, known_at, mode)
    facts = {entry.fact_id: entry for entry in relevé.facts}
    rows = tuple(MovementRow(m, facts.get(m.fact_id or ""), fact_text(facts[m.fact_id])
                             if m.fact_id in facts else "") for m in relevé.movements)
    marks = _marks(relevé.facts, record.known_at(known_at))
    chart = build_chart(timelines[Mode.LEGAL], timelines[Mode.ADMINISTRATIVE], on, marks)
    now_known = balance_as_of(record, on, None, mode, with_forecast=False) if known_at is not None else None
    return LicencePage(record.licence_number, on, known_at, mode, balance, relevé, rows, chart,
                       anomaly_sentences(balance), now_known)
