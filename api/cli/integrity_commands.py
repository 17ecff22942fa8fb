"""`points-ledger verify | checkpoint | migrate-chain | keygen`: the tamper evidence of the ledger.

- `verify [--licence N] [--against DIGEST_FILE]` recomputes every chain (progress on stderr), prints one line per
  problem naming the licence and the version, and exits 3 when anything was tampered with;
- `checkpoint [--out FILE]` records a signed ledger digest (key: `POINTS_LEDGER_SIGNING_KEY_FILE`) and exports it;
- `migrate-chain` chains the licences written before the chain existed;
- `keygen --out FILE` writes a new Ed25519 signing key (PEM);
- `access-log [--licence N] [--subject S]` prints the RGPD access log (who consulted which licence, when, how).

Exit codes: 0 fine, 1 the store failed, 2 bad input, 3 the ledger was tampered with.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.access_log import AccessLog
from api.cli.store_commands import BAD_INPUT, fail, open_ledger
from api.clock import now_utc
from api.settings import get_settings
from ledger.application import PointsLedger
from ledger.chain_store import backfill_chain, chain_tables, unchained_streams
from ledger.checkpoints import InvalidDigest, create_checkpoint, digest_lines, read_digest
from ledger.events import LicenceWasObtained
from ledger.licence import licence_id
from ledger.verify import verify_ledger

TAMPERED = 3


def load_signing_key(path: str | None) -> Ed25519PrivateKey:
    """The Ed25519 key named by the settings (exit 2 naming the setting when it is missing or not a key)."""
    if not path:
        fail("signing_key_file: not set (POINTS_LEDGER_SIGNING_KEY_FILE; create one with points-ledger keygen)",
             BAD_INPUT)
    try:
        key = load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        fail(f"signing_key_file: cannot read an unencrypted PEM key from {path}: {error}", BAD_INPUT)
    if not isinstance(key, Ed25519PrivateKey):
        fail(f"signing_key_file: {path} is not an Ed25519 key", BAD_INPUT)
    return key


def licence_numbers(ledger: PointsLedger) -> dict[UUID, str]:
    """Every stream's licence number (read from the first events)."""
    numbers: dict[UUID, str] = {}
    for notification in ledger.notifications(topics=(LicenceWasObtained.TOPIC,)):
        event: Any = ledger.mapper.to_domain_event(notification)
        numbers[event.originator_id] = event.licence_number
    return numbers


def number_reader(ledger: PointsLedger) -> Any:
    def number(stream: UUID) -> str | None:
        try:
            first = next(iter(ledger.events.get(stream, lte=1)), None)
        except Exception:  # a damaged first event: name the stream instead
            return None
        return first.licence_number if isinstance(first, LicenceWasObtained) else None

    return number


def _count_events(ledger: PointsLedger, stream: UUID | None) -> int:
    recorder: Any = ledger.recorder
    tables = chain_tables(recorder)
    with recorder.datastore.transaction(commit=False) as curs:
        if stream is None:
            curs.execute(tables.sql("SELECT COUNT(*) AS n FROM {events}"))
        else:
            curs.execute(tables.sql("SELECT COUNT(*) AS n FROM {events} WHERE originator_id = ?"),
                         (tables.id_param(stream),))
        return int(curs.fetchone()["n"])


def verify(
    licence: Annotated[str | None, typer.Option("--licence", help="Verify this licence only.")] = None,
    against: Annotated[Path | None, typer.Option("--against", metavar="DIGEST_FILE", dir_okay=False,
                                                 help="Compare with an exported checkpoint digest.")] = None,
) -> None:
    """Recompute every licence's hash chain; name any edited, inserted, deleted or reordered event."""
    digest = None
    if against is not None:
        try:
            digest = read_digest(against.read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError) as error:
            fail(f"against: cannot read {against}: {error}", BAD_INPUT)
        except InvalidDigest as error:
            fail(f"against: {error}", BAD_INPUT)
    with open_ledger(get_settings()) as ledger:
        stream = licence_id(licence) if licence is not None else None
        if stream is not None and not ledger.exists(licence or ""):
            fail(f"licence: {licence!r} is not in the ledger", BAD_INPUT)
        columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TextColumn("events"),
                   TimeElapsedColumn())
        with Progress(*columns, transient=True, console=None, redirect_stdout=False) as progress:
            task = progress.add_task("verify", total=_count_events(ledger, stream))
            result = verify_ledger(ledger.recorder, number_reader(ledger), stream=stream, digest=digest,
                                   progress=lambda n: progress.advance(task, n))
    for problem in result.problems:
        typer.echo(problem.text())
    for problem_text in result.ledger_problems:
        typer.echo(problem_text)
    summary = f"verified {result.events} events of {result.streams} licences"
    if result.ok:
        typer.echo(f"{summary}: every chain intact", err=True)
        return
    typer.echo(f"{summary}: {len(result.problems) + len(result.ledger_problems)} problem(s)", err=True)
    raise typer.Exit(TAMPERED)


def checkpoint(
    out: Annotated[Path | None, typer.Option("--out", metavar="FILE", dir_okay=False,
                                             help="Also export the digest (signed root and leaves) here.")] = None,
) -> None:
    """Record a signed digest of the whole ledger (a Merkle root over every licence's chain head)."""
    settings = get_settings()
    key = load_signing_key(settings.signing_key_file)
    with open_ledger(settings) as ledger:
        made, heads = create_checkpoint(ledger.recorder, key, now_utc())
        numbers = licence_numbers(ledger) if out is not None else {}
    if out is not None:
        try:
            with out.open("w", encoding="utf-8") as stream:
                for line in digest_lines(made, heads, numbers):
                    stream.write(line + "\n")
        except OSError as error:
            fail(f"out: cannot write {out}: {error.strerror or error}", BAD_INPUT)
    typer.echo(f"checkpoint {made.id}: {made.events} events, {made.streams} licences, root {made.root}")


def migrate_chain() -> None:
    """Chain the licences recorded before the hash chain existed (run once after upgrading; idempotent)."""
    with open_ledger(get_settings()) as ledger:
        streams = unchained_streams(ledger.recorder)
        chained = backfill_chain(ledger.recorder, streams)
    typer.echo(f"chained {chained} events of {len(streams)} licences")


def keygen(
    out: Annotated[Path, typer.Option("--out", metavar="FILE", dir_okay=False, help="Where to write the key.")],
) -> None:
    """Write a new Ed25519 signing key (PEM) for checkpoints; prints its public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    try:
        if out.exists():
            fail(f"out: {out} exists; refusing to overwrite a key", BAD_INPUT)
        out.write_bytes(pem)
        out.chmod(0o600)
    except OSError as error:
        fail(f"out: cannot write {out}: {error.strerror or error}", BAD_INPUT)
    from ledger.checkpoints import public_key_hex

    sys.stdout.write(public_key_hex(key) + "\n")


def access_log(
    licence: Annotated[str | None, typer.Option("--licence", help="Only consultations of this licence.")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="Only this token subject.")] = None,
    after: Annotated[int, typer.Option("--after", min=0, help="Last id already read.")] = 0,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="How many entries.")] = 100,
) -> None:
    """The RGPD access log: who consulted which licence, when, by which route (one JSON line each)."""
    with open_ledger(get_settings()) as ledger:
        log = AccessLog.for_ledger(ledger)
        try:
            entries = log.query(licence_number=licence, subject=subject, after=after, limit=limit)
        finally:
            log.close()
    for entry in entries:
        typer.echo(json.dumps(entry.as_json(), ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
    app.command("checkpoint")(checkpoint)
    app.command("migrate-chain")(migrate_chain)
    app.command("keygen")(keygen)
    app.command("access-log")(access_log)
