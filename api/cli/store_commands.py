"""`points-ledger serve | demo | export | import`: the store's own commands.

Every command opens the store named by `POINTS_LEDGER_DATABASE_URL` (read by `api.settings`, default
`sqlite:///points-ledger.sqlite`) and calls the ledger; none holds any law. A problem is one line on stderr that
names the field and the reason, and a non-zero exit: 2 for bad input (a bad URL, file or line), 1 when the
store cannot be used or changed under us. No traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, NoReturn, TextIO

import psycopg
import typer
from eventsourcing.persistence import IntegrityError, PersistenceError

from api.cli.demo_licences import DemoLicence, demo_licences
from api.cli.progress import import_progress
from api.clock import now_utc, today_in_paris
from api.logs import configure_logging, job, logger
from api.observed_ledger import ObservedLedger
from api.settings import Settings, get_settings
from api.token_store import Role, TokenStore
from ledger.application import PointsLedger, Recorded
from ledger.bulk_import import DEFAULT_BATCH_SIZE
from ledger.errors import InvalidFact, LedgerError
from ledger.storage import storage_env
from ledger.transfer import export_events, import_lines
from projections.balance import balance_as_of
from projections.wording import fact_summary

BAD_INPUT = 2
STORE_FAILED = 1
APP_FACTORY = "api.http.app:create_app"
WORKER_HEALTHCHECK_SECONDS = 60  # a worker process answers its supervisor's ping within this, or is restarted


def fail(message: str, code: int) -> NoReturn:
    typer.echo(f"points-ledger: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def open_ledger(settings: Settings) -> Iterator[PointsLedger]:
    """The configured store, closed on exit; its problems become one-line messages."""
    try:
        env = storage_env(settings.database_url, pool_size=settings.pool_size)
    except InvalidFact as error:
        fail(f"{error.field}: {error.reason} (POINTS_LEDGER_DATABASE_URL)", BAD_INPUT)
    try:
        ledger = ObservedLedger(env)
    except (PersistenceError, psycopg.Error, OSError) as error:
        fail(f"database_url: cannot open the store: {one_line(error)}", STORE_FAILED)
    try:
        yield ledger
    except IntegrityError as error:
        fail(f"store: another writer changed the same licence meanwhile ({one_line(error)}); run it again",
             STORE_FAILED)
    except (PersistenceError, psycopg.Error) as error:
        fail(f"store: {one_line(error)}", STORE_FAILED)
    finally:
        ledger.close()


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


# -- serve ------------------------------------------------------------------------------------------------


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (default: POINTS_LEDGER_HOST, "
                                                  "127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default: POINTS_LEDGER_PORT, 8000).",
                                             min=1, max=65535)] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: POINTS_LEDGER_WORKERS, 1); "
                                                     "each opens POINTS_LEDGER_POOL_SIZE connections.",
                                                min=1, max=64)] = None,
) -> None:
    """Run the HTTP service (uvicorn) on the configured store, with /metrics on its own listener."""
    import uvicorn

    from api import metrics

    settings = get_settings()
    with open_ledger(settings):
        pass  # fail here, in one line, rather than inside uvicorn's startup with a traceback
    workers = workers or settings.workers
    configure_logging(settings.log_format, settings.log_level or "info")
    multiprocess_dir = metrics.prepare_multiprocess(workers)
    try:
        _start_metrics(settings, multiprocess_dir)
        # An import string and a factory: each worker process builds its own app, ledger and pool.
        # uvicorn's supervisor kills a worker that does not answer its ping within the health-check timeout
        # (5 s by default), then starts another: on a loaded host a worker still importing, or busy folding a
        # long record, missed it and was killed in a loop, dropping requests and reopening its pool each time.
        uvicorn.run(APP_FACTORY, factory=True, host=host or settings.host, port=port or settings.port,
                    workers=workers, access_log=False, log_level=settings.log_level or "info",
                    timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS)
    finally:
        metrics.remove_multiprocess(multiprocess_dir)


def _start_metrics(settings: Settings, multiprocess_dir: Path | None) -> None:
    """The /metrics listener. A port the operator chose must work (else exit 1); the default one may be taken
    by another service on the host: then a warning, and the service runs without it."""
    from api import metrics

    if not settings.metrics_port:
        return
    where = f"{settings.metrics_host}:{settings.metrics_port}"
    try:
        metrics.serve_metrics(settings.metrics_host, settings.metrics_port, multiprocess_dir)
    except OSError as error:
        reason = f"cannot listen on {where} ({error.strerror or error})"
        if "metrics_port" in settings.model_fields_set:
            fail(f"metrics_port: {reason}; POINTS_LEDGER_METRICS_PORT=0 turns /metrics off", STORE_FAILED)
        logger().warning("metrics unavailable", reason=reason, hint="set POINTS_LEDGER_METRICS_PORT")
        return
    logger().info("metrics listening", url=f"http://{where}/metrics")


# -- demo -------------------------------------------------------------------------------------------------


def _mark(recorded: Recorded) -> str:
    return "recorded" if recorded.created else "present "


def record_demo_licence(ledger: PointsLedger, demo: DemoLicence) -> tuple[int, int]:
    """Record one demo licence, printing each fact; returns (facts written, facts already present)."""
    licence = demo.licence
    typer.echo(f"\n{licence.licence_number} — {demo.title}")
    results = [ledger.create_licence(licence)]
    typer.echo(f"  {_mark(results[0])}  {fact_summary(licence)}  [{licence.evidence_ref}]")
    for fact in demo.facts:
        result = ledger.record(licence.licence_number, fact)
        results.append(result)
        typer.echo(f"  {_mark(result)}  {fact_summary(fact)}  [{fact.evidence_ref}]")
    balance = balance_as_of(ledger.get_record(licence.licence_number), today_in_paris())
    typer.echo(f"  balance on {balance.on}: {balance.points}/{balance.ceiling} points, {balance.status.value}")
    written = sum(1 for r in results if r.created)
    return written, len(results) - written


def demo(
    then_serve: Annotated[bool, typer.Option(
        "--serve", help="Then create an auditor token valid one day, print the web page to open and the token to "
                        "sign in with, and run the service (Ctrl-C stops it).")] = False,
) -> None:
    """Record a handful of realistic licences in the configured store and print their balance today, then how
    to open each one's page in the web interface (with --serve: open it now)."""
    settings = get_settings()
    with open_ledger(settings) as ledger:
        typer.echo(f"store: {settings.database_url}")
        written = present = 0
        try:
            licences = demo_licences(now_utc())
            for licence in licences:
                new, old = record_demo_licence(ledger, licence)
                written, present = written + new, present + old
        except LedgerError as error:
            fail(str(error), BAD_INPUT)
        typer.echo(f"\n{written} facts recorded, {present} already present.")
        numbers = [d.licence.licence_number for d in licences]
        if not then_serve:
            typer.echo(web_interface_help(settings, numbers))
            return
        token = demo_token(ledger)
    base = f"http://{settings.host}:{settings.port}"
    typer.echo(f"\nWeb interface (in French): open {base}/ui/ and sign in with this token (an auditor's, valid "
               f"one day; `points-ledger tokens revoke` ends it sooner):\n  {token}\n"
               f"then search a licence, e.g. {base}/ui/licences/{numbers[0]} — Ctrl-C stops the service.",
               nl=True)
    serve(host=None, port=None, workers=None)


def demo_token(ledger: PointsLedger) -> str:
    """A fresh auditor token for the demo's visitor, valid one day (a new one each run: secrets are not kept)."""
    now = now_utc()
    store = TokenStore.for_ledger(ledger)
    try:
        issued = store.create(Role.AUDITOR, now=now, subject="Démo (points-ledger demo --serve)",
                              expires_at=now + timedelta(days=1))
    finally:
        store.close()
    return issued.token


def program_name() -> str:
    """How the user called this command (`.venv/bin/points-ledger`), to print commands they can paste."""
    called = Path(sys.argv[0])
    if called.name != "points-ledger":
        return "points-ledger"
    try:
        return str(called.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(called)


def web_interface_help(settings: Settings, numbers: list[str]) -> str:
    """Where each demo licence's page is and how to sign in (nothing is created: the demo stays idempotent)."""
    command = program_name()
    base = f"http://{settings.host}:{settings.port}"
    pages = "\n".join(f"  {base}/ui/licences/{number}" for number in numbers)
    return (f"\nWeb interface (in French): start the service, create a token, open a licence's page and paste "
            f"the token in the sign-in form:\n"
            f"  {command} serve &\n"
            f"  {command} tokens create --role auditor --subject \"Démo\"\n"
            f"{pages}\n"
            f"(a driver token, `tokens create --role driver --licence NUMBER`, opens that licence only)")


# -- export / import --------------------------------------------------------------------------------------


def export(
    out: Annotated[Path | None, typer.Option("--out", help="Write to FILE instead of standard output.",
                                             metavar="FILE", dir_okay=False)] = None,
) -> None:
    """Write every event of every licence as JSON lines, in recording order."""
    with open_ledger(get_settings()) as ledger, job("export", out=str(out or "stdout")) as log:
        if out is None:
            count = export_events(ledger, sys.stdout)
            sys.stdout.flush()
        else:
            try:
                with out.open("w", encoding="utf-8") as stream:
                    count = export_events(ledger, stream)
            except OSError as error:
                fail(f"out: cannot write {out}: {error.strerror or error}", BAD_INPUT)
        log.count = count
        typer.echo(f"exported {count} events", err=True)


@contextmanager
def _opened(source: str) -> Iterator[TextIO]:
    """The export to read, as a stream of lines (standard input for '-')."""
    if source == "-":
        yield sys.stdin
        return
    try:
        with Path(source).open(encoding="utf-8") as stream:
            yield stream
    except OSError as error:
        fail(f"file: cannot read {source}: {error.strerror or error}", BAD_INPUT)


def import_(
    source: Annotated[str, typer.Argument(metavar="[FILE|-]", help="An export; '-' or nothing reads stdin.")] = "-",
    bulk: Annotated[bool, typer.Option("--bulk", help="FILE is a national backfill (docs/formats/backfill.md), "
                                                      "written by binary COPY; resumable.")] = False,
    backfill_format: Annotated[str | None, typer.Option("--format", help="With --bulk: jsonl or csv (default: from "
                                                                         "the file's suffix).")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="With --bulk: licences per "
                                                                        "transaction.")] = DEFAULT_BATCH_SIZE,
) -> None:
    """Write the events of an export into the configured store, in one transaction: every line is checked as the
    API checks a fact, and one refused line writes nothing. Idempotent: present events are skipped.

    With --bulk, FILE is a backfill of facts instead (see docs/formats/backfill.md), written by binary COPY."""
    if bulk:
        if source == "-":
            fail("--bulk: name the backfill file (its size drives the progress bar)", BAD_INPUT)
        from api.cli.bulk_commands import bulk_import

        bulk_import(Path(source), backfill_format, batch_size)
        return
    name = source if source != "-" else "stdin"
    total = Path(source).stat().st_size if source != "-" and Path(source).is_file() else None
    with (open_ledger(get_settings()) as ledger, _opened(source) as stream, import_progress(total) as progress,
          job("import", file=source) as log):
        try:
            report = import_lines(ledger, log.counted(stream), lambda _lines: progress(stream))
        except InvalidFact as error:
            fail(f"{name}: {error}; nothing was written", BAD_INPUT)
        except UnicodeDecodeError as error:
            fail(f"file: {name} is not UTF-8 text ({error.reason}); nothing was written", BAD_INPUT)
        log.totals.update(written=report.written, skipped=report.skipped)
    typer.echo(f"read {report.read} events: {report.written} written, {report.skipped} already present, "
               f"{report.licences} licences written to")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("serve")(serve)
    app.command("demo")(demo)
    app.command("export")(export)
    app.command("import")(import_)
