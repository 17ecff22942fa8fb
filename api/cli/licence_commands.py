"""`points-ledger balance NUMBER` and `points-ledger history NUMBER`: one licence, for an agent at a terminal.

They print, in French, the same projections the HTTP routes answer (`projections.balance.balance_as_of`, the
route `GET /licences/{number}/balance`; `projections.history.statement`, `GET /licences/{number}/history`):
the law is computed there, this module only words it. `--on` is the legal date (default: today in Paris),
`--known-at` reads the ledger as it was at a moment (a date means the end of that day, UTC), `--mode` the
legal or the administrative reading. Exit 2 for a bad option or an unknown licence, 1 when the store fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from api.cli.store_commands import BAD_INPUT, STORE_FAILED, fail, open_ledger
from api.clock import today_in_paris
from api.settings import get_settings
from ledger.errors import LicenceNotFound, LicenceNotYetRecorded
from ledger.facts import LicenceRecord
from ledger.values import Mode, Status
from projections.balance import Balance, balance_as_of
from projections.explanation import Anomaly, Movement
from projections.history import Statement, statement
from projections.scenario import end_of_day

STATUS = {Status.VALID: "valide", Status.INVALIDATED: "invalidé (solde nul, lettre 48SI)",
          Status.NOT_OBTAINED: "pas encore obtenu"}
MODE = {Mode.LEGAL: "lecture légale", Mode.ADMINISTRATIVE: "lecture administrative"}
DATES = {"obtained_on": "obtenu le", "committed_on": "commise le", "established_on": "date de valeur",
         "registered_on": "inscrite le", "first_day": "du", "last_day": "au", "notified_on": "notifiée le",
         "decided_on": "décidée le", "surrendered_on": "remis le", "on": "le", "complementary_training_on":
         "formation complémentaire le"}
KINDS = {"licence": "permis", "offence": "infraction", "stage": "stage", "letter": "lettre",
         "annulment": "annulation", "surrender": "restitution du permis", "reissue": "nouveau permis"}

NumberArgument = Annotated[str, typer.Argument(metavar="NUMBER", help="The licence number.")]
OnOption = Annotated[str | None, typer.Option("--on", metavar="DATE",
                                              help="Legal date YYYY-MM-DD (default: today in Paris).")]
KnownAtOption = Annotated[str | None, typer.Option(
    "--known-at", metavar="MOMENT", help="Only facts recorded by then: ISO 8601 datetime, or a date (its end, UTC).")]
ModeOption = Annotated[Mode, typer.Option(help="legal (default) or administrative.")]


def _on(value: str | None) -> date:
    if value is None:
        return today_in_paris()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--on: {value!r} is not a date YYYY-MM-DD", BAD_INPUT)


def _known_at(value: str | None) -> datetime | None:
    """The `known_at` cut, read like the API's `known_at` (a date is the end of that day, UTC)."""
    if value is None:
        return None
    try:
        return end_of_day(date.fromisoformat(value)) if len(value) == 10 else _aware(datetime.fromisoformat(value))
    except ValueError:
        fail(f"--known-at: {value!r} is neither a date YYYY-MM-DD nor an ISO 8601 datetime", BAD_INPUT)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _record(number: str, known_at: datetime | None) -> LicenceRecord:
    with open_ledger(get_settings()) as ledger:
        try:
            record = ledger.get_record(number.strip())
        except LicenceNotFound:
            fail(f"number: the ledger holds no licence {number.strip()!r}", BAD_INPUT)
    return record


def _points(balance: int, ceiling: int) -> str:
    return f"{balance}/{ceiling} point{'s' if balance > 1 else ''}"


def movement_line(movement: Movement) -> str:
    """`2024-03-20  -4 → 8/12  retrait (L223-1; L223-2) [red-light] — detail`."""
    fact = f" [{movement.fact_id}]" if movement.fact_id else ""
    return (f"{movement.on.isoformat()}  {movement.delta:+d} → {movement.balance}/{movement.ceiling}  "
            f"{movement.rule.wording} ({movement.article}){fact} — {movement.detail}")


def _anomaly_lines(anomalies: Iterable[Anomaly]) -> list[str]:
    return [f"  ! {a.on.isoformat()} {a.kind.wording}{' [' + a.fact_id + ']' if a.fact_id else ''} — {a.detail}"
            for a in anomalies]


def balance_text(balance: Balance, *, explain: bool) -> list[str]:
    """The balance in French, line by line (the same answer as `GET /licences/{number}/balance`)."""
    state = balance.state
    known = f", connu au {balance.known_at.isoformat()}" if balance.known_at else ""
    lines = [f"Permis {balance.licence_number} — solde au {balance.on.isoformat()} ({MODE[balance.mode]}{known})",
             f"  {_points(state.balance, state.ceiling)}, {STATUS[state.status]}"]
    if state.in_probation and state.probation_end is not None:
        lines.append(f"  période probatoire jusqu'au {state.probation_end.isoformat()}")
    stage = balance.stage
    if stage.earliest_effective_on is not None and stage.points_now:
        lines.append(f"  stage : un stage prendrait effet au plus tôt le {stage.earliest_effective_on.isoformat()} "
                     f"et créditerait {stage.points_now} point(s)")
    lines += [f"  à venir : {c.on.isoformat()} {c.rule.wording} {c.points:+d} ({c.article})"
              for c in balance.scheduled]
    lines += [f"  lettre {letter.code.value} attendue depuis le {letter.due_from.isoformat()}, non notifiée "
              f"— {letter.reason}" for letter in balance.letters if letter.notified_on is None]
    lines += _anomaly_lines(balance.anomalies)
    if explain:
        lines.append("  mouvements :")
        lines += [f"    {movement_line(m)}" for m in balance.movements]
    return lines


def statement_text(relevé: Statement) -> list[str]:
    """The relevé intégral in French (the same answer as `GET /licences/{number}/history`)."""
    state = relevé.state
    known = f", connu au {relevé.known_at.isoformat()}" if relevé.known_at else ""
    lines = [f"Relevé du permis {relevé.licence_number} au {relevé.on.isoformat()} ({MODE[relevé.mode]}{known})",
             f"  solde : {_points(state.balance, state.ceiling)}, {STATUS[state.status]}", "", "Faits enregistrés :"]
    for fact in relevé.facts:
        dates = ", ".join(f"{DATES.get(name, name)} {day.isoformat()}" for name, day in fact.legal_dates.items())
        lines.append(f"  {KINDS.get(fact.kind, fact.kind)} [{fact.fact_id}] {dates}")
        lines.append(f"      enregistré le {fact.recorded_at.isoformat(timespec='seconds')} par {fact.recorded_by}, "
                     f"pièce {fact.evidence_ref}")
    lines += ["", "Mouvements :", *(f"  {movement_line(m)}" for m in relevé.movements)]
    lines += _anomaly_lines(relevé.anomalies)
    return lines


def balance(number: NumberArgument, on: OnOption = None, known_at: KnownAtOption = None,
            mode: ModeOption = Mode.LEGAL,
            explain: Annotated[bool, typer.Option("--explain", help="List every movement behind the balance.")]
            = False) -> None:
    """A licence's balance on a day, in French (as GET /licences/{number}/balance)."""
    day, moment = _on(on), _known_at(known_at)
    record = _record(number, moment)
    try:
        answer = balance_as_of(record, day, moment, mode)
    except LicenceNotYetRecorded as error:  # the ledger did not know the licence then (exit 1, as the API's 404)
        fail(str(error), STORE_FAILED)
    typer.echo("\n".join(balance_text(answer, explain=explain)))


def history(number: NumberArgument, on: OnOption = None, known_at: KnownAtOption = None,
            mode: ModeOption = Mode.LEGAL) -> None:
    """A licence's relevé: every fact and every movement, in French (as GET /licences/{number}/history)."""
    day, moment = _on(on), _known_at(known_at)
    record = _record(number, moment)
    try:
        relevé = statement(record, day, moment, mode)
    except LicenceNotYetRecorded as error:
        fail(str(error), STORE_FAILED)
    typer.echo("\n".join(statement_text(relevé)))


def register(app: typer.Typer) -> None:
    """Add `balance` and `history` to the main app."""
    app.command("balance")(balance)
    app.command("history")(history)
