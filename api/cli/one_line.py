"""Every refusal of the command line is one line on stderr: `points-ledger COMMAND: FIELD: REASON`.

Click draws a framed box with a usage reminder for a bad option, a missing file or an unknown choice, and a
setting that pydantic refuses would surface as a traceback. `OneLineGroup` runs the commands in Click's
non-standalone mode and prints those problems itself, as one line with the README's exit status: 2 for bad
input (options, arguments, settings), 1 for an interruption. A command's own failures already use `fail()`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import typer
from typer._click.exceptions import (  # typer vendors Click: its exceptions are not `click`'s
    BadParameter,
    ClickException,
    MissingParameter,
    NoArgsIsHelpError,
)
from typer.core import TyperGroup

from api.settings import SettingsError

BAD_INPUT = 2
FAILED = 1


def fail(message: str, code: int, *, command: str = "") -> NoReturn:
    """Print `points-ledger[ COMMAND]: MESSAGE` on stderr and exit with `code`."""
    prefix = f"points-ledger {command}".strip()
    typer.echo(f"{prefix}: {' '.join(message.split())}", err=True)
    raise typer.Exit(code)


def _command_path(error: ClickException) -> str:
    path = getattr(getattr(error, "ctx", None), "command_path", None)
    return path if isinstance(path, str) and path else "points-ledger"


def _parameter_name(error: BadParameter) -> str:
    param = error.param
    if error.param_hint is not None:
        hint = error.param_hint
        return hint if isinstance(hint, str) else " / ".join(hint)
    opts = getattr(param, "opts", None)
    if param is not None and param.param_type_name == "option" and opts:
        return str(max(opts, key=len))
    if param is not None:
        return str(param.metavar or param.name or "argument").strip("{}").lower()
    return "value"


def one_line(error: ClickException) -> str:
    """Click's message for `error` on one line, naming the option or argument first, without pydantic's
    "Value error," prefix."""
    if isinstance(error, BadParameter) and not isinstance(error, MissingParameter):
        message = f"{_parameter_name(error)}: {error.message.removeprefix('Value error, ')}"
    else:
        message = error.format_message()
    return " ".join(message.split())


class OneLineGroup(TyperGroup):
    """The root group of `points-ledger`: refusals as one line (see the module docstring)."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, windows_expand_args: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as error:
            sys.exit(error.exit_code)  # the help was printed when the error was made
        except ClickException as error:
            _exit_with(f"{_command_path(error)}: {one_line(error)}", error.exit_code)
        except SettingsError as error:
            _exit_with(f"points-ledger: {error}", BAD_INPUT)
        except typer.Abort:
            _exit_with("points-ledger: interrupted", FAILED)
        sys.exit(result if isinstance(result, int) else 0)


def _exit_with(message: str, code: int) -> NoReturn:
    typer.echo(" ".join(message.split()), err=True)
    sys.exit(code)
