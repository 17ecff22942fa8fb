"""The `points-ledger` command (typer): serve, demo, export/import, balance, simulate, tokens, reconcile, reports.

Each group of commands lives in its own module and registers itself here; they all call the same ledger and
projection functions as the HTTP routes.
"""

from __future__ import annotations

import typer

from api.cli import balance_command, report_commands, simulate_command, store_commands, token_commands
from api.cli.one_line import OneLineGroup

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


for module in (store_commands, balance_command, simulate_command, token_commands, report_commands):
    module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
