"""The `points-ledger` command (typer): serve, demo, export/import, balance, simulate, tokens, reconcile, reports.

Each group of commands lives in its own module and registers itself here; they all call the same ledger and
projection functions as the HTTP routes.
"""

from __future__ import annotations

import typer

from api.cli import (
    integrity_commands,
    licence_commands,
    read_model_commands,
    report_commands,
    simulate_command,
    store_commands,
    token_commands,
)
from api.cli.one_line import OneLineGroup
from api.logs import configure_logging
from api.settings import get_settings

app = typer.Typer(
    name="points-ledger",
    help="Event-sourced ledger of French driving-licence points (permis à points).",
    no_args_is_help=True,
    add_completion=False,
    cls=OneLineGroup,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Event-sourced ledger of French driving-licence points. Store: POINTS_LEDGER_DATABASE_URL."""
    settings = get_settings()  # a bad setting stops every command, in one line (OneLineGroup)
    configure_logging(settings.log_format, settings.log_level or "warning")


for module in (store_commands, licence_commands, simulate_command, token_commands, report_commands,
               read_model_commands, integrity_commands):
    module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
