"""`points-ledger tokens create | list | revoke`: the bearer tokens of the HTTP API.

Tokens live hashed in the configured store (`POINTS_LEDGER_DATABASE_URL`, table `api_tokens`).
`tokens create` prints the token alone on stdout — so `TOKEN=$(points-ledger tokens create --role …)` works —
and what it is on stderr; the token cannot be shown again. Exit 2 for a bad option, 1 for an unknown id or a
store that cannot be used.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import psycopg
import typer
from rich.console import Console
from rich.table import Table

from api.clock import now_utc
from api.settings import get_settings
from api.token_store import Role, TokenError, TokenStore
from ledger.errors import InvalidFact

BAD_INPUT = 2
FAILED = 1
STORE_ERRORS = (sqlite3.Error, psycopg.Error, OSError)

tokens_app = typer.Typer(name="tokens", help="Bearer tokens of the HTTP API (stored hashed, revocable).",
                         no_args_is_help=True)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"points-ledger tokens: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def _store() -> Iterator[TokenStore]:
    try:
        store = TokenStore.for_url(get_settings().database_url)
    except InvalidFact as error:
        _fail(f"{error.field}: {error.reason} (POINTS_LEDGER_DATABASE_URL)", BAD_INPUT)
    except STORE_ERRORS as error:
        _fail(f"cannot open the token table: {' '.join(str(error).split())}", FAILED)
    try:
        yield store
    except STORE_ERRORS as error:
        _fail(f"token table: {' '.join(str(error).split())}", FAILED)
    finally:
        store.close()


@tokens_app.command("create")
def create(
    role: Annotated[Role, typer.Option(help="prefecture, organiser, auditor or driver.")],
    agrement: Annotated[str | None, typer.Option(help="Organiser: the agrément number it records stages under.")]
    = None,
    licence: Annotated[str | None, typer.Option(help="Driver: the licence number it may read.")] = None,
    subject: Annotated[str | None, typer.Option(
        help="Who the token speaks for; recorded as `recorded_by` on its writes (default: role:binding).")] = None,
) -> None:
    """Create a token; print it (once) on stdout."""
    with _store() as store:
        try:
            issued = store.create(role, now=now_utc(), subject=subject, agrement=agrement, licence=licence)
        except TokenError as error:
            _fail(str(error), BAD_INPUT)
    info = issued.info
    binding = f" agrément={info.agrement}" if info.agrement else f" licence={info.licence}" if info.licence else ""
    typer.echo(f"token {info.id}: role={info.role.value}{binding} subject={info.subject!r} "
               "(shown once: keep it)", err=True)
    typer.echo(issued.token)


@tokens_app.command("list")
def list_tokens() -> None:
    """Every token, active or revoked (never the secrets)."""
    with _store() as store:
        infos = store.list()
    table = Table("id", "role", "subject", "agrément", "licence", "created", "revoked")
    for info in infos:
        table.add_row(info.id, info.role.value, info.subject, info.agrement or "", info.licence or "",
                      info.created_at.isoformat(timespec="seconds"),
                      info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else "")
    Console(width=160).print(table)


@tokens_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id (see `tokens list`).")]) -> None:
    """Revoke a token: it is refused (401) from now on; its row stays for the audit."""
    with _store() as store:
        try:
            info = store.revoke(token_id, now=now_utc())
        except TokenError as error:
            _fail(str(error), FAILED)
    assert info.revoked_at is not None
    typer.echo(f"token {info.id} ({info.role.value}, {info.subject!r}) revoked at "
               f"{info.revoked_at.isoformat(timespec='seconds')}")


def register(app: typer.Typer) -> None:
    """Add the `tokens` group to the main app."""
    app.add_typer(tokens_app)
