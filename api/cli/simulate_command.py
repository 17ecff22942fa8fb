"""`points-ledger simulate FILE...`: evaluate scenario files (tests/scenarios/FORMAT.md), write nothing.

Exit 0 when every expectation holds, 1 when one does not, 2 when a file is invalid (the message names the
file, the event and the field). Every file is reported: a file the law cannot fold (a defect of the product,
never of the file) is that file's error — its expectations do not hold (exit 1) — and the run goes on.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ledger.values import Mode
from projections.balance import Balance, balance_from_timeline, timeline_for
from projections.scenario import Scenario, ScenarioError, ScenarioResult, evaluate, load_scenario


def read_scenario(path: Path) -> Scenario:
    """Load one scenario file; every problem becomes a `ScenarioError` naming the file."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(source, "file", "file", error.strerror or str(error)) from None
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError(source, f"line {error.lineno}", "json", error.msg) from None
    return load_scenario(data, source)


def _print_result(result: ScenarioResult) -> None:
    mark = "ok  " if result.ok else "FAIL"
    typer.echo(f"{mark} {result.scenario.title}  ({result.scenario.source})")
    for r in result.results:
        e = r.expectation
        axes = f"on {e.on.isoformat()}" + (f" known_at {e.known_at.isoformat()}" if e.known_at else "")
        axes += f" [{e.mode.value}]"
        parts = [f"{k}: expected {v!r}, got {r.actual.get(k)!r}" for k, v in e.expected.items()]
        typer.echo(f"  {'ok  ' if r.ok else 'FAIL'} {axes}: " + "; ".join(parts))


def _explained(scenario: Scenario, on: date, mode: Mode) -> Balance:
    timeline = timeline_for(scenario.record, None, mode)
    return balance_from_timeline(timeline, scenario.record, on, None)


def _explanation_json(scenario: Scenario, on: date, mode: Mode) -> dict[str, Any]:
    """The same explanation as the text output, as JSON (`--json --explain DATE`)."""
    balance = _explained(scenario, on, mode)
    return {
        "on": on.isoformat(), "mode": mode.value, "points": balance.points, "ceiling": balance.ceiling,
        "status": balance.status.value,
        "movements": [{"on": m.on.isoformat(), "delta": m.delta, "balance": m.balance, "ceiling": m.ceiling,
                       "rule": m.rule, "article": m.article, "fact_id": m.fact_id, "detail": m.detail}
                      for m in balance.movements],
        "scheduled": [{"on": c.on.isoformat(), "kind": c.kind, "points": c.points, "article": c.article}
                      for c in balance.scheduled],
    }


def _print_explanation(scenario: Scenario, on: date, mode: Mode) -> None:
    balance = _explained(scenario, on, mode)
    state = balance.state
    typer.echo(f"  explanation on {on.isoformat()} [{mode.value}]: {state.balance}/{state.ceiling} points, "
               f"{state.status.value}")
    for m in balance.movements:
        typer.echo(f"    {m.on.isoformat()} {m.delta:+d} = {m.balance:>2}/{m.ceiling:<2} {m.rule} ({m.article})"
                   f"{' [' + m.fact_id + ']' if m.fact_id else ''} — {m.detail}")
    for change in balance.scheduled:
        typer.echo(f"    next: {change.on.isoformat()} {change.kind} {change.points:+d} ({change.article})")


def _report_fold_error(scenario: Scenario, error: Exception, as_json: bool) -> None:
    reason = f"the law could not fold this file: {type(error).__name__}: {error}"
    if as_json:
        typer.echo(json.dumps({"file": scenario.source, "title": scenario.title, "ok": False,
                               "error": {"where": "fold", "field": "", "reason": reason}}, ensure_ascii=False))
    else:
        typer.echo(f"FAIL {scenario.title}  ({scenario.source}): {reason}")


def simulate(
    files: Annotated[list[Path], typer.Argument(help="Scenario JSON files.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file, one per line.")] = False,
    explain: Annotated[str | None, typer.Option("--explain", metavar="DATE",
                                                help="Print the movements behind the balance on DATE.")] = None,
    mode: Annotated[Mode, typer.Option(help="Mode of the --explain output.")] = Mode.LEGAL,
) -> None:
    """Evaluate scenario files: print each expectation with the computed value."""
    explain_on = None
    if explain is not None:
        try:
            explain_on = date.fromisoformat(explain)
        except ValueError:
            typer.echo(f"--explain: {explain!r} is not a date YYYY-MM-DD", err=True)
            raise typer.Exit(2) from None
    all_ok, any_invalid = True, False
    for path in files:
        try:
            scenario = read_scenario(path)
        except ScenarioError as error:
            any_invalid = True
            if as_json:
                typer.echo(json.dumps({"file": error.source, "ok": False, "error": {
                    "where": error.where, "field": error.field, "reason": error.reason}}, ensure_ascii=False))
            else:
                typer.echo(f"invalid scenario: {error}", err=True)
            continue
        try:
            result = evaluate(scenario)
        except Exception as error:  # one file's failure must not hide the others' results
            all_ok = False
            _report_fold_error(scenario, error, as_json)
            continue
        all_ok = all_ok and result.ok
        if as_json:
            line = {"file": scenario.source, **result.as_json()}
            if explain_on is not None:
                line["explanation"] = _explanation_json(scenario, explain_on, mode)
            typer.echo(json.dumps(line, ensure_ascii=False))
        else:
            _print_result(result)
            if explain_on is not None:
                _print_explanation(scenario, explain_on, mode)
    raise typer.Exit(2 if any_invalid else 0 if all_ok else 1)


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
