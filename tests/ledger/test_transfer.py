"""Export and import (`ledger.transfer`): a round trip between stores reproduces every stream event for event;
re-importing writes nothing; a bad or conflicting line names its line and field and nothing is written.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from ledger.application import PointsLedger
from ledger.storage import storage_env
from ledger.transfer import InvalidLine, export_events, export_lines, import_lines
from ledger.values import LetterCode, OffenceClass
from tests.conftest import StoreFactory
from tests.ledger import builders as build
from tests.ledger.builders import d
from tests.ledger.stores import all_streams, application_sequence


def fill(ledger: PointsLedger) -> list[str]:
    """Three licences written in interleaved order, with every fact type; returns their numbers."""
    numbers = ["100975312481", "230775004512", "150669104203"]
    for number, obtained_on in zip(numbers, ("2009-05-14", "2023-07-03", "2015-03-02"), strict=True):
        ledger.create_licence(build.a_licence(number=number, obtained_on=obtained_on))
    offence = build.an_offence("2024-06-03", "2024-07-01")
    ledger.record(numbers[0], offence)
    ledger.record(numbers[1], build.an_offence("2024-04-12", "2024-05-02", points=3))
    ledger.record(numbers[0], build.a_speeding("2024-09-21", "2024-10-15"))
    ledger.record(numbers[1], build.a_letter(LetterCode.L48N, "2024-05-21"))
    ledger.record(numbers[0], build.an_annulment(offence.fact_id, "2024-11-18"))
    ledger.record(numbers[2], build.an_offence("2022-01-15", "2022-06-30", points=6, offence_class=OffenceClass.DELIT))
    ledger.record(numbers[1], build.a_stage("2024-07-08", "2024-07-09"))
    for fact in (build.a_letter(LetterCode.L48SI, "2023-01-09"), build.a_surrender("2023-01-18"),
                 build.a_reissue("2023-07-25")):
        ledger.record(numbers[2], fact)
    return numbers


def export_text(ledger: PointsLedger) -> str:
    out = io.StringIO()
    export_events(ledger, out)
    return out.getvalue()


@pytest.fixture
def source(any_store_url: str) -> Any:
    ledger = PointsLedger(storage_env(any_store_url))
    fill(ledger)
    yield ledger
    ledger.close()


@pytest.fixture
def empty_target(sqlite_url: str) -> Any:
    ledger = PointsLedger(storage_env(sqlite_url))
    yield ledger
    ledger.close()


@pytest.mark.postgres
@pytest.mark.parametrize(("from_kind", "to_kind"), [("sqlite", "postgresql"), ("postgresql", "sqlite")],
                         ids=["sqlite-to-postgresql", "postgresql-to-sqlite"])
def test_a_round_trip_between_stores_reproduces_every_stream_event_for_event(
    new_store_url: StoreFactory, from_kind: str, to_kind: str
) -> None:
    source = PointsLedger(storage_env(new_store_url(from_kind)))
    target = PointsLedger(storage_env(new_store_url(to_kind)))
    numbers = fill(source)

    report = import_lines(target, export_text(source).splitlines())

    assert (report.read, report.written, report.skipped, report.licences) == (13, 13, 0, 3)
    assert all_streams(target) == all_streams(source)
    for number in numbers:
        assert target.get_record(number) == source.get_record(number)
    assert [(n.originator_id, n.originator_version) for n in target.notifications()] == \
           [(n.originator_id, n.originator_version) for n in source.notifications()]
    assert list(export_lines(target)) == list(export_lines(source))
    source.close()
    target.close()


def test_every_line_carries_the_stream_the_version_the_topic_and_the_timestamp(source: PointsLedger) -> None:
    lines = [json.loads(line) for line in export_lines(source)]
    events = [event for number in source.licence_numbers() for event in source.licence_events(number)]

    assert all(set(line) == {"originator_id", "originator_version", "topic", "state"} for line in lines)
    assert sorted((line["originator_id"], line["originator_version"]) for line in lines) == \
           sorted((str(e.originator_id), e.originator_version) for e in events)
    first = lines[0]
    assert first["topic"] == "points-ledger:LicenceObtained"
    assert first["state"]["timestamp"]["_data_"] == events[0].timestamp.isoformat()
    assert first["state"]["obtained_on"] == {"_type_": "date_iso", "_data_": "2009-05-14"}


def test_the_export_follows_the_application_sequence(source: PointsLedger) -> None:
    lines = [json.loads(line) for line in export_lines(source, page_size=3)]
    assert [(line["originator_id"], line["originator_version"]) for line in lines] == \
           [(str(n.originator_id), n.originator_version) for n in source.notifications()]


def test_re_importing_the_same_export_writes_nothing(source: PointsLedger, empty_target: PointsLedger) -> None:
    lines = export_text(source).splitlines()
    import_lines(empty_target, lines)
    before = application_sequence(empty_target)

    report = import_lines(empty_target, lines)

    assert (report.read, report.written, report.skipped, report.licences) == (13, 0, 13, 0)
    assert application_sequence(empty_target) == before


def test_importing_into_the_store_it_came_from_writes_nothing(source: PointsLedger) -> None:
    before = application_sequence(source)
    report = import_lines(source, export_text(source).splitlines())
    assert report.written == 0 and report.skipped == 13
    assert application_sequence(source) == before


def test_an_import_completes_a_store_that_holds_the_first_part(
    source: PointsLedger, empty_target: PointsLedger
) -> None:
    lines = export_text(source).splitlines()
    import_lines(empty_target, lines[:6])

    report = import_lines(empty_target, lines)

    assert (report.written, report.skipped) == (7, 6)
    assert all_streams(empty_target) == all_streams(source)


def test_blank_lines_are_ignored(source: PointsLedger, empty_target: PointsLedger) -> None:
    lines = export_text(source).splitlines()
    report = import_lines(empty_target, ["", *lines[:3], "   ", *lines[3:], ""])
    assert report.read == 13 and report.written == 13


Edit = Callable[[dict[str, Any]], None]


def _set_state(name: str, value: Any) -> Edit:
    def edit(line: dict[str, Any]) -> None:
        line["state"][name] = value
    return edit


def _drop_state(name: str) -> Edit:
    def edit(line: dict[str, Any]) -> None:
        del line["state"][name]
    return edit


def _set(key: str, value: Any) -> Edit:
    def edit(line: dict[str, Any]) -> None:
        line[key] = value
    return edit


# (line to edit, 1-based; the edit; the field the error must name). Line 4 is the first offence (version 2).
BAD_LINES: dict[str, tuple[int, Edit, str]] = {
    "unknown topic": (4, _set("topic", "points-ledger:OffenceForgiven"), "topic"),
    "missing state field": (4, _drop_state("fact_id"), "state.fact_id"),
    "unexpected state field": (4, _set_state("colour", "red"), "state.colour"),
    "date written as plain text": (4, _set_state("committed_on", "2024-06-03"), "state.committed_on"),
    "points written as text": (4, _set_state("points", "4"), "state.points"),
    "unknown offence class": (4, _set_state("offence_class", "C9"), "state.offence_class"),
    "undecodable state": (4, _set_state("timestamp", {"_type_": "no_such_type", "_data_": 1}), "state"),
    "stream id that is not a UUID": (4, _set("originator_id", "licence-1"), "originator_id"),
    "version zero": (4, _set("originator_version", 0), "originator_version"),
    "a gap in the versions": (4, _set("originator_version", 3), "originator_version"),
    "a licence whose stream id is not its number's": (1, _set_state("licence_number", "999"), "originator_id"),
    "unknown training": (1, _set_state("training", "online"), "state.training"),
    "missing key": (4, lambda line: line.pop("topic"), "topic"),
    "unexpected key": (4, _set("position", 4), "position"),
}


@pytest.mark.parametrize(("number", "edit", "field_name"), BAD_LINES.values(), ids=BAD_LINES.keys())
def test_a_bad_line_names_its_line_and_field_and_nothing_is_written(
    source: PointsLedger, empty_target: PointsLedger, number: int, edit: Edit, field_name: str
) -> None:
    lines = export_text(source).splitlines()
    line = json.loads(lines[number - 1])
    edit(line)
    lines[number - 1] = json.dumps(line)

    with pytest.raises(InvalidLine) as raised:
        import_lines(empty_target, lines)

    assert (raised.value.line, raised.value.field) == (number, field_name)
    assert str(raised.value).startswith(f"line {number}: {field_name}: ")
    assert application_sequence(empty_target) == []


def test_a_line_that_is_not_json_names_its_line(source: PointsLedger, empty_target: PointsLedger) -> None:
    lines = export_text(source).splitlines()
    lines[2] = lines[2][:-5]
    with pytest.raises(InvalidLine) as raised:
        import_lines(empty_target, lines)
    assert (raised.value.line, raised.value.field) == (3, "json")
    assert application_sequence(empty_target) == []


def test_a_stream_that_does_not_start_with_its_licence_is_refused(
    source: PointsLedger, empty_target: PointsLedger
) -> None:
    lines = export_text(source).splitlines()
    offence_of_first_licence = lines[3]
    with pytest.raises(InvalidLine) as raised:
        import_lines(empty_target, [offence_of_first_licence])
    assert (raised.value.line, raised.value.field) == (1, "originator_version")

    licence_line = json.loads(lines[0])
    licence_line["originator_version"] = 2
    with pytest.raises(InvalidLine) as raised:
        import_lines(empty_target, [lines[0], json.dumps(licence_line)])
    assert (raised.value.line, raised.value.field) == (2, "topic")
    assert application_sequence(empty_target) == []


def test_a_different_event_at_an_existing_version_is_an_error_naming_line_and_field(
    source: PointsLedger, empty_target: PointsLedger
) -> None:
    lines = export_text(source).splitlines()
    import_lines(empty_target, lines)
    before = application_sequence(empty_target)
    changed = json.loads(lines[3])
    changed["state"]["points"] = 2
    lines[3] = json.dumps(changed)

    with pytest.raises(InvalidLine) as raised:
        import_lines(empty_target, lines)

    assert (raised.value.line, raised.value.field) == (4, "state.points")
    assert application_sequence(empty_target) == before


def test_a_different_recording_time_at_an_existing_version_is_a_conflict(
    source: PointsLedger, empty_target: PointsLedger
) -> None:
    lines = export_text(source).splitlines()
    import_lines(empty_target, lines)
    changed = json.loads(lines[0])
    changed["state"]["timestamp"]["_data_"] = "2020-01-01T00:00:00+00:00"

    with pytest.raises(InvalidLine) as raised:
        import_lines(empty_target, [json.dumps(changed)])

    assert (raised.value.line, raised.value.field) == (1, "state.timestamp")


def test_a_conflict_late_in_the_file_writes_none_of_the_lines_before_it(
    source: PointsLedger, empty_target: PointsLedger
) -> None:
    lines = export_text(source).splitlines()
    import_lines(empty_target, lines[:1])
    before = application_sequence(empty_target)
    other_licence = json.loads(lines[0])
    other_licence["state"]["evidence_ref"] = "ANOTHER-DOSSIER"

    with pytest.raises(InvalidLine) as raised:
        import_lines(empty_target, [*lines[1:], json.dumps(other_licence)])

    assert raised.value.line == 13
    assert application_sequence(empty_target) == before


def test_an_offence_exported_before_the_registration_date_existed_imports_as_registered_on_its_dv(
    source: PointsLedger, empty_target: PointsLedger
) -> None:
    lines = export_text(source).splitlines()
    offence_line = json.loads(lines[3])
    assert offence_line["state"]["class_version"] == 2
    del offence_line["state"]["class_version"]
    del offence_line["state"]["registered_on"]
    lines[3] = json.dumps(offence_line)

    import_lines(empty_target, lines)

    offence = next(f for f in empty_target.get_record("100975312481").facts if f.fact_id == offence_line["state"]
                   ["fact_id"])
    assert offence.registered_on is None  # type: ignore[union-attr]


def test_the_national_file_registration_date_survives_a_round_trip(
    ledger: PointsLedger, empty_target: PointsLedger
) -> None:
    ledger.create_licence(build.a_licence(number="100975312481", obtained_on="2009-05-14"))
    offence = build.an_offence("2015-01-10", "2015-04-15", registered_on=d("2016-02-09"))
    ledger.record("100975312481", offence)

    import_lines(empty_target, export_text(ledger).splitlines())

    copied = empty_target.get_record("100975312481").facts[0]
    assert copied == ledger.get_record("100975312481").facts[0]
    assert copied.registered_on == d("2016-02-09")  # type: ignore[union-attr]
