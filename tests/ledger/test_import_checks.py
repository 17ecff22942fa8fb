"""`points-ledger import` runs the checks every other way in runs: a line the API would refuse is refused, named
by its line and stored field, and nothing of the file is written (one transaction), on both stores.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger import transfer
from ledger.application import PointsLedger
from ledger.storage import storage_env
from ledger.transfer import InvalidLine, export_lines, import_lines
from tests.conftest import StoreFactory
from tests.ledger.builders import a_licence, an_offence
from tests.ledger.stores import all_streams, application_sequence
from tests.ledger.test_cli_ledger import assert_clean_failure, points_ledger
from tests.ledger.test_transfer import fill

NUMBER = "120575300123"
Edit = Callable[[dict[str, Any]], None]


def _state(field: str, value: Any) -> Edit:
    def edit(line: dict[str, Any]) -> None:
        line["state"][field] = value
    return edit


def _date(field: str, day: str) -> Edit:
    return _state(field, {"_type_": "date_iso", "_data_": day})


@pytest.fixture
def exported(sqlite_url: str) -> list[str]:
    """A licence (line 1) and one offence (line 2), as `export` writes them."""
    source = PointsLedger(storage_env(sqlite_url))
    source.create_licence(a_licence(number=NUMBER, obtained_on="2010-06-01"))
    source.record(NUMBER, an_offence("2024-03-02", "2024-03-20"))
    lines = list(export_lines(source))
    source.close()
    return lines


@pytest.fixture
def target(any_store_url: str) -> Iterator[PointsLedger]:
    ledger = PointsLedger(storage_env(any_store_url))
    yield ledger
    ledger.close()


# Each edit makes line 2 (the offence) an event the API refuses: (edit, field named).
REFUSED: dict[str, tuple[Edit, str]] = {
    "minus 50 points": (_state("points", -50), "state.points"),
    "a million points": (_state("points", 1_000_000), "state.points"),
    "a délit that is not 6 points": (_state("offence_class", "delit"), "state.points"),
    "committed in year 1": (_date("committed_on", "0001-01-01"), "state.committed_on"),
    "a date de valeur in 9999": (_date("established_on", "9999-12-31"), "state.established_on"),
    "a date de valeur before the commission": (_date("established_on", "2024-03-01"), "state.established_on"),
    "an empty evidence reference": (_state("evidence_ref", ""), "state.evidence_ref"),
    "a 100k-character description": (_state("description", "x" * 100_000), "state.description"),
    "an empty recorded_by": (_state("recorded_by", " "), "state.recorded_by"),
    "a fact id the API cannot name": (_state("fact_id", "a b"), "state.fact_id"),
    "speeding without its limit bound": (lambda line: line["state"].update(
        points=None, offence_class=None, speeding_limit_kmh=0, speeding_excess_kmh=12), "state.speeding_limit_kmh"),
    "an offence before the licence": (_date("committed_on", "2009-01-01"), "state.committed_on"),
}


@pytest.mark.parametrize(("edit", "field_name"), REFUSED.values(), ids=REFUSED.keys())
def test_import_refuses_what_the_api_refuses_naming_line_and_field_and_writes_nothing(
    exported: list[str], target: PointsLedger, edit: Edit, field_name: str
) -> None:
    line = json.loads(exported[1])
    edit(line)

    with pytest.raises(InvalidLine) as raised:
        import_lines(target, [exported[0], json.dumps(line)])

    assert (raised.value.line, raised.value.field) == (2, field_name)
    assert application_sequence(target) == []


def test_a_licence_obtained_before_1900_is_refused(exported: list[str], target: PointsLedger) -> None:
    line = json.loads(exported[0])
    _date("obtained_on", "1899-12-31")(line)
    with pytest.raises(InvalidLine) as raised:
        import_lines(target, [json.dumps(line)])
    assert (raised.value.line, raised.value.field) == (1, "state.obtained_on")
    assert application_sequence(target) == []


def test_the_same_fact_twice_on_its_evidence_is_refused(exported: list[str], target: PointsLedger) -> None:
    again = json.loads(exported[1])
    again["originator_version"] = 3
    again["state"]["fact_id"] = "another-id"
    with pytest.raises(InvalidLine) as raised:
        import_lines(target, [*exported, json.dumps(again)])
    assert (raised.value.line, raised.value.field) == (3, "state.evidence_ref")
    assert application_sequence(target) == []


@pytest.mark.parametrize("kind", [pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_refused_line_after_many_written_batches_leaves_the_store_as_it_was(
    new_store_url: StoreFactory, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = PointsLedger(storage_env(new_store_url("sqlite")))
    fill(source)
    lines = list(export_lines(source))
    source.close()
    monkeypatch.setattr(transfer, "WRITE_BATCH", 2)
    bad = json.loads(lines[-1])
    bad["originator_version"] = 99
    target = PointsLedger(storage_env(new_store_url(kind)))
    target.create_licence(a_licence(number="OTHER-LICENCE"))
    before = application_sequence(target)

    with pytest.raises(InvalidLine):
        import_lines(target, [*lines, json.dumps(bad)])

    assert application_sequence(target) == before
    target.close()


@pytest.mark.postgres
def test_streams_forgotten_to_bound_memory_are_read_again_from_the_transaction(
    sqlite_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = PointsLedger(storage_env(sqlite_url))
    fill(source)
    lines = list(export_lines(source))
    monkeypatch.setattr(transfer, "STREAMS_KEPT", 1)
    monkeypatch.setattr(transfer, "WRITE_BATCH", 3)
    target = PointsLedger(storage_env(pg_url))

    report = import_lines(target, lines)

    assert (report.read, report.written, report.licences) == (len(lines), len(lines), 3)
    assert all_streams(target) == all_streams(source)
    assert import_lines(target, lines).written == 0
    source.close()
    target.close()


def test_the_command_refuses_a_bad_line_in_one_line_with_exit_2(
    exported: list[str], tmp_path: Path, any_store_url: str
) -> None:
    line = json.loads(exported[1])
    line["state"]["points"] = -50
    path = tmp_path / "export.jsonl"
    path.write_text(exported[0] + "\n" + json.dumps(line) + "\n", encoding="utf-8")

    done = points_ledger(any_store_url, "import", str(path), cwd=tmp_path)

    assert_clean_failure(done, 2, f"{path}: line 2: state.points: must be between 0 and 6 (L223-2); "
                                  "nothing was written")
    target = PointsLedger(storage_env(any_store_url))
    assert application_sequence(target) == []
    target.close()
