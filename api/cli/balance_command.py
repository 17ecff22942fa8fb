"""`points-ledger balance NUMBER [--on DAY] [--known-at MOMENT] [--mode M]`: a licence's points on a day, explained.

The same projection as `GET /licences/{number}/balance`: the balance at the end of `--on` (default today in
Paris), as the ledger knew it at `--known-at` (a day counts that whole day, UTC), in the legal or administrative
reading. Exit 2 for a bad option, 1 when the store cannot answer: no such licence, or none recorded yet at
`--known-at`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

import typer

from api.cli.store_commands import BAD_INPUT, STORE_FAILED, fail, open_ledger
from api.clock import today_in_paris
from api.settings import get_settings
from ledger.errors import LicenceNotFound, LicenceNotYetRecorded
from ledger.values import Mode
from projections.balance import balance_as_of


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date YYYY-MM-DD", BAD_INPUT)


def _moment(value: str | None) -> datetime | None:
    """`--known-at`: a day (its end, UTC) or an ISO moment with its offset."""
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time.max, tzinfo=UTC)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--known-at: {value!r} is neither a date nor an ISO date-time", BAD_INPUT)
    if moment.tzinfo is None:
        fail(f"--known-at: {value!r} needs its UTC offset", BAD_INPUT)
    return moment


def balance(
    number: Annotated[str, typer.Argument(help="The licence number.")],
    on: Annotated[str | None, typer.Option("--on", help="The legal date YYYY-MM-DD (default: today).")] = None,
    known_at: Annotated[str | None, typer.Option("--known-at", help="As the ledger knew it then.")] = None,
    mode: Annotated[Mode, typer.Option(help="legal (default) or administrative.")] = Mode.LEGAL,
) -> None:
    """Print the balance on a day and the movements behind it."""
    day = _day(on, "--on") or today_in_paris()
    moment = _moment(known_at)
    with open_ledger(get_settings()) as ledger:
        try:
            result = balance_as_of(ledger.get_record(number), day, moment, mode, with_forecast=False)
        except (LicenceNotFound, LicenceNotYetRecorded) as error:
            fail(str(error), STORE_FAILED)
    state = result.state
    typer.echo(f"{result.licence_number} on {day.isoformat()} [{mode.value}]: {state.balance}/{state.ceiling} "
               f"points, {state.status.value}")
    for m in result.movements:
        typer.echo(f"  {m.on.isoformat()} {m.delta:+d} = {m.balance}/{m.ceiling} {m.rule} ({m.article}) — {m.detail}")


def register(app: typer.Typer) -> None:
    app.command("balance")(balance)
