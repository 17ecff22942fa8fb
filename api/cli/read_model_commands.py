"""`points-ledger read-model status | catch-up | rebuild`: the PostgreSQL balance read model, by hand.

`serve` keeps the read model caught up in the background; these commands are for the operator: see how far
behind it is, catch it up after a bulk import, rebuild it after a change of interpretation of the law (in this
process, in local processes, or on Dask workers). Each long step shows a progress bar. On SQLite there is no
read model (the reports fold on demand): the commands say so and exit 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.cli.store_commands import BAD_INPUT, fail, open_ledger
from api.settings import get_settings
from ledger.application import PointsLedger
from ledger.fact_index import FactIndex
from projections.read_model import BalanceReadModel, read_model_lag
from projections.read_model import Progress as Done
from projections.read_model_rebuild import PartitionRunner

read_model_app = typer.Typer(name="read-model", help="The PostgreSQL balance read model: status, catch-up, "
                                                     "rebuild.", no_args_is_help=True)


@contextmanager
def _model() -> Iterator[BalanceReadModel]:
    with open_ledger(get_settings()) as ledger:
        yield _read_model_of(ledger)


def _read_model_of(ledger: PointsLedger) -> BalanceReadModel:
    try:
        model = BalanceReadModel(ledger)
    except ValueError:
        fail("read-model: the read model lives on PostgreSQL; on SQLite the reports fold on demand "
             "(POINTS_LEDGER_DATABASE_URL)", BAD_INPUT)
    model.create_tables()
    return model


def _bar(console: Console) -> Progress:
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), console=console)


@read_model_app.command("status")
def status() -> None:
    """The read model's position, the ledger's last event and the lag between them (events not reflected)."""
    with _model() as model:
        state = model.status()
        indexed = FactIndex(model.ledger).position()
    typer.echo(f"read model {state.name}: position {state.position}, ledger head {state.head}, lag {state.lag} "
               f"event(s) ({'current' if state.current else 'behind: run points-ledger read-model catch-up'})")
    typer.echo(f"fact index: position {indexed}, lag {read_model_lag(indexed, state.head)} event(s)")


@read_model_app.command("catch-up")
def catch_up() -> None:
    """Project every event recorded after the read model's position, then index the facts (the audit queries'
    side table); resumable: a page at a time."""
    console = Console(stderr=True)
    with _model() as model, _bar(console) as bar:
        state = model.status()
        task = bar.add_task("Catching up", total=state.lag, detail="")
        events = licences = 0
        while (page := model.catch_up(max_pages=1)).events:
            events += page.events
            licences += page.licences
            bar.update(task, completed=min(events, state.lag), detail=f"{licences} licence(s) refolded")
        bar.update(task, completed=state.lag)
        position = model.position()
        index = FactIndex(model.ledger)
        index_task = bar.add_task("Indexing facts", total=read_model_lag(index.position(), state.head), detail="")
        while indexed := index.catch_up(max_pages=1)[1]:
            bar.advance(index_task, indexed)
    console.print(f"read model at position {position}: {events} event(s), {licences} licence(s) projected")


@read_model_app.command("rebuild")
def rebuild(
    workers: Annotated[int, typer.Option("--workers", min=1, help="Local processes folding in parallel (with "
                                                                  "--dask: the LocalCluster's workers).")] = 1,
    dask: Annotated[bool, typer.Option("--dask", help="Use Dask: a LocalCluster of --workers processes.")] = False,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="An existing Dask cluster, e.g. "
                                                                      "tcp://10.0.0.5:8786.")] = None,
    partitions: Annotated[int | None, typer.Option("--partitions", min=1, help="Hash ranges of licences "
                                                                               "(default 8 per worker).")] = None,
) -> None:
    """Fold every licence into a new table and swap it in (after a change of interpretation of the law)."""
    console = Console(stderr=True)
    with _model() as model, _runner(dask, workers, scheduler) as runner, _bar(console) as bar:
        task = bar.add_task("Rebuilding", total=partitions or 8 * workers, detail="")

        def advance(done: Done) -> None:
            bar.update(task, completed=done.partitions_done, total=done.partitions,
                       detail=f"{done.licences} licence(s), {done.events} event(s)")

        result = model.rebuild(workers, partitions=partitions, runner=runner, on_partition=advance)
    console.print(f"read model rebuilt at position {result.position}: {result.licences} licence(s), "
                  f"{result.events} event(s)")


@contextmanager
def _runner(dask: bool, workers: int, scheduler: str | None) -> Iterator[PartitionRunner | None]:
    """None (local processes), or a Dask runner on a new LocalCluster or on the cluster at `scheduler`."""
    if scheduler is None and not dask:
        yield None
        return
    from projections.distributed import dask_runner

    with ExitStack() as stack:
        try:
            runner = stack.enter_context(dask_runner(scheduler=scheduler) if scheduler
                                         else dask_runner(workers=workers))
        except (OSError, TimeoutError) as error:
            fail(f"--scheduler: cannot reach the Dask cluster: {error}", 1)
        yield runner


def register(app: typer.Typer) -> None:
    app.add_typer(read_model_app)
