"""`points-ledger tokens create | list | rotate | revoke`: the bearer tokens of the HTTP API.

Tokens live hashed in the configured store (`POINTS_LEDGER_DATABASE_URL`, table `api_tokens`).
`tokens create` and `tokens rotate` print the token alone on stdout — so `TOKEN=$(points-ledger tokens create
--role …)` works — and what it is on stderr; the token cannot be shown again. A token expires after
`--expires-in` days (365 by default; 0: never); `tokens list` shows its state, expiry and last use. Exit 2 for
a bad option, an unknown id or a licence the ledger does not hold; 1 for a store that cannot be used.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated, NoReturn

import psycopg
import typer
from eventsourcing.persistence import PersistenceError
from rich.console import Console
from rich.table import Table

from api.cli.store_commands import open_ledger
from api.clock import now_utc
from api.settings import get_settings
from api.token_store import VERIFIED_FOR, Role, TokenError, TokenInfo, TokenStore
from ledger.application import PointsLedger

BAD_INPUT = 2
FAILED = 1
STORE_ERRORS = (sqlite3.Error, psycopg.Error, PersistenceError, OSError)
DEFAULT_LIFETIME_DAYS = 365

tokens_app = typer.Typer(name="tokens", help="Bearer tokens of the HTTP API (stored hashed, revocable).",
                         no_args_is_help=True)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"points-ledger tokens: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def _store() -> Iterator[tuple[TokenStore, PointsLedger]]:
    """The token table of the configured store, through the ledger's connections, and the ledger itself."""
    with open_ledger(get_settings()) as ledger:
        try:
            store = TokenStore.for_ledger(ledger)
        except STORE_ERRORS as error:
            _fail(f"cannot open the token table: {' '.join(str(error).split())}", FAILED)
        try:
            yield store, ledger
        except STORE_ERRORS as error:
            _fail(f"token table: {' '.join(str(error).split())}", FAILED)
        finally:
            store.close()


def _expiry(now: datetime, days: int) -> datetime | None:
    return now + timedelta(days=days) if days else None


def _describe(info: TokenInfo) -> str:
    binding = f" agrément={info.agrement}" if info.agrement else f" licence={info.licence}" if info.licence else ""
    expires = info.expires_at.isoformat(timespec="seconds") if info.expires_at else "never"
    return f"role={info.role.value}{binding} subject={info.subject!r} expires={expires}"


ExpiresIn = Annotated[int, typer.Option("--expires-in", metavar="DAYS", min=0, max=3650,
                                        help="Days before the token expires (0: never).")]


@tokens_app.command("create")
def create(
    role: Annotated[Role, typer.Option(help="prefecture, organiser, auditor or driver.")],
    agrement: Annotated[str | None, typer.Option(help="Organiser: the agrément number it records stages under.")]
    = None,
    licence: Annotated[str | None, typer.Option(help="Driver: the licence number it may read.")] = None,
    subject: Annotated[str | None, typer.Option(
        help="Who the token speaks for; recorded as `recorded_by` on its writes (default: role:binding).")] = None,
    expires_in: ExpiresIn = DEFAULT_LIFETIME_DAYS,
) -> None:
    """Create a token; print it (once) on stdout."""
    now = now_utc()
    with _store() as (store, ledger):
        if licence is not None and licence.strip() and not ledger.exists(licence.strip()):
            _fail(f"--licence: the ledger holds no licence {licence.strip()!r}", BAD_INPUT)
        try:
            issued = store.create(role, now=now, subject=subject, agrement=agrement, licence=licence,
                                  expires_at=_expiry(now, expires_in))
        except TokenError as error:
            _fail(str(error), BAD_INPUT)
    typer.echo(f"token {issued.info.id}: {_describe(issued.info)} (shown once: keep it)", err=True)
    typer.echo(issued.token)


@tokens_app.command("list")
def list_tokens() -> None:
    """Every token, usable, expired or revoked, with its expiry and last use (never the secrets)."""
    now = now_utc()
    with _store() as (store, _):
        infos = store.list()
    table = Table("id", "role", "subject", "binding", "state", "created", "expires", "last used", "revoked",
                  "rotated from")
    for info in infos:
        table.add_row(info.id, info.role.value, info.subject, info.agrement or info.licence or "",
                      info.state_at(now), _moment(info.created_at), _moment(info.expires_at) or "never",
                      _moment(info.last_used_at) or "never", _moment(info.revoked_at), info.rotated_from or "")
    Console(width=200).print(table)


def _moment(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


@tokens_app.command("rotate")
def rotate(
    token_id: Annotated[str, typer.Argument(metavar="ID", help="The token to replace (see `tokens list`).")],
    grace: Annotated[int, typer.Option("--grace", metavar="MINUTES", min=0, max=60 * 24 * 30,
                                       help="Minutes the old token keeps working (0: revoked now).")] = 0,
    expires_in: Annotated[int | None, typer.Option(
        "--expires-in", metavar="DAYS", min=0, max=3650,
        help="Days before the new token expires (default: the old token's lifetime; 0: never).")] = None,
) -> None:
    """Replace a token by a new one with the same role, subject and binding; print the new one (once)."""
    now = now_utc()
    with _store() as (store, _):
        try:
            issued, old = store.rotate(token_id, now=now, grace=timedelta(minutes=grace),
                                       expires_at=_expiry(now, expires_in or 0), same_lifetime=expires_in is None)
        except TokenError as error:
            _fail(str(error), BAD_INPUT)
    ends = f"revoked at {_moment(old.revoked_at)}" if old.revoked_at else f"expires at {_moment(old.expires_at)}"
    typer.echo(f"token {issued.info.id} replaces {old.id} ({ends}): {_describe(issued.info)} "
               "(shown once: keep it)", err=True)
    typer.echo(issued.token)


@tokens_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id (see `tokens list`).")]) -> None:
    """Revoke a token: refused (401) from now on, by a running service within VERIFIED_FOR (it trusts a token it
    has just checked for that long, decision 0057); its row stays for the audit."""
    with _store() as (store, _):
        try:
            info = store.revoke(token_id, now=now_utc())
        except TokenError as error:
            _fail(str(error), BAD_INPUT)
    assert info.revoked_at is not None
    typer.echo(f"token {info.id} ({info.role.value}, {info.subject!r}) revoked at "
               f"{info.revoked_at.isoformat(timespec='seconds')}; a running service refuses it within "
               f"{VERIFIED_FOR.total_seconds():.0f} s")


def register(app: typer.Typer) -> None:
    """Add the `tokens` group to the main app."""
    app.add_typer(tokens_app)
