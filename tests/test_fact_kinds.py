"""Every kind of fact declared in `ledger.kinds` is handled everywhere a fact goes (docs/architecture.md).

Adding a kind to `LegalFact` without finishing the checklist fails here: its declaration, its stored event
(and the round trip through it), its checks, its JSON form (API body and scenario reader), its write route,
its place in the audit trail and the history, and its wording. mypy catches a missing `match` case
(`assert_never`); these tests catch what a type cannot: a table or a route left out.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, date, datetime
from typing import Any

import pytest

from api.http.app import create_app
from api.http.fact_bodies import BODIES
from api.http.ui import licence_view, wording
from ledger import facts, kinds
from ledger.declaration import Kind, check_fields, content_fields, stored_state
from ledger.events import EVENT_CLASSES, EVENT_TYPES, FACT_EVENTS
from ledger.json_form import content_from_json
from ledger.validation import check_fact
from ledger.values import LetterCode
from projections.history import statement
from projections.scenario import EVENT_KINDS
from projections.wording import fact_summary
from tests.builders import (
    a_letter,
    a_licence,
    a_rectification,
    a_reissue,
    a_stage,
    a_surrender,
    an_annulment,
    an_offence,
    d,
)

AT = datetime(2024, 1, 1, tzinfo=UTC)
LEGAL_FACT_CLASSES = set(typing.get_args(facts.LegalFact))
KIND_IDS = [kind.name for kind in kinds.ALL_KINDS]


def example_fact(kind: Kind[Any]) -> Any:
    """A fact of `kind` read from its declared example (the API body's JSON form)."""
    return kind.fact(fact_id=f"{kind.name}-1", recorded_at=AT, recorded_by="test",
                     evidence_ref=kind.example["evidence_ref"], **content_from_json(kind, kind.example))


def test_every_legal_fact_class_is_declared_as_a_kind_and_every_kind_is_a_legal_fact() -> None:
    assert {kind.fact for kind in kinds.FACT_KINDS} == LEGAL_FACT_CLASSES
    assert len({kind.name for kind in kinds.ALL_KINDS}) == len(kinds.ALL_KINDS)
    assert len({kind.route for kind in kinds.ALL_KINDS}) == len(kinds.ALL_KINDS)


@pytest.mark.parametrize("kind", kinds.ALL_KINDS, ids=KIND_IDS)
def test_every_kind_has_its_event_class_with_exactly_the_declared_stored_fields(kind: Kind[Any]) -> None:
    event_class = EVENT_CLASSES[kind.topic]
    assert EVENT_TYPES[kind.topic] == kind.name
    stored = {f.name for f in dataclasses.fields(event_class)} - {
        "originator_id", "originator_version", "timestamp", "originator_topic", "fact_id", "recorded_by",
        "evidence_ref"}
    assert stored == set(stored_state(example_fact(kind)))
    assert (kind in kinds.FACT_KINDS) == (kind.topic in FACT_EVENTS)


@pytest.mark.parametrize("kind", kinds.ALL_KINDS, ids=KIND_IDS)
def test_every_kind_declares_its_fields_legal_date_label_evidence_and_example(kind: Kind[Any]) -> None:
    declared = content_fields(kind.fact)
    assert declared, "a kind without legal content"
    assert all(decl.spec.label for decl in declared)
    assert kind.legal_date in {decl.name for decl in declared}
    assert next(d for d in declared if d.name == kind.legal_date).base is date
    assert kind.label and kind.evidence and kind.summary
    check_fields(example_fact(kind))


@pytest.mark.parametrize("kind", kinds.ALL_KINDS, ids=KIND_IDS)
def test_every_kind_has_a_generated_body_that_makes_the_same_fact_as_the_scenario_reader(kind: Kind[Any]) -> None:
    body = BODIES[kind.name].model_validate(dict(kind.example))
    made = body.to_fact(AT, "test")
    expected = example_fact(kind)
    assert dataclasses.replace(made, fact_id=expected.fact_id) == expected
    if kind in kinds.FACT_KINDS:
        assert EVENT_KINDS[kind.name] is kind


def test_every_kind_has_its_write_route() -> None:
    paths = {path for path, operations in create_app().openapi()["paths"].items() if "post" in operations}
    assert "/licences" in paths
    assert {f"/licences/{{number}}/{kind.route}" for kind in kinds.FACT_KINDS} <= paths


LICENCE = a_licence(obtained_on="2000-01-01")
ONE_OF_EACH: list[facts.LegalFact] = [
    an_offence("2020-01-10", "2020-02-01", fact_id="o1"), a_stage("2020-06-01", fact_id="st1"),
    a_letter(LetterCode.L48SI, "2021-01-05"), an_annulment("o1", "2020-12-01"), a_surrender("2021-01-20"),
    a_reissue("2021-09-01"), a_rectification("st1", "2021-10-01", first_day=d("2020-06-08"), last_day=d("2020-06-09")),
]


def test_one_fact_of_each_kind_is_checked_listed_in_the_history_and_worded() -> None:
    assert {type(f) for f in ONE_OF_EACH} == LEGAL_FACT_CLASSES
    for fact in ONE_OF_EACH:
        check_fact(fact, LICENCE, [other for other in ONE_OF_EACH if other is not fact])
        assert fact_summary(fact)
    relevé = statement(facts.LicenceRecord(LICENCE, tuple(ONE_OF_EACH)), d("2022-01-01"))
    assert {entry.kind for entry in relevé.facts} == {kind.name for kind in kinds.ALL_KINDS}


def test_every_kind_has_its_french_sentence_on_the_licence_page() -> None:
    assert set(licence_view.SENTENCES) == {kind.name for kind in kinds.ALL_KINDS}
    relevé = statement(facts.LicenceRecord(LICENCE, tuple(ONE_OF_EACH)), d("2022-01-01"))
    for entry in relevé.facts:
        text = licence_view.fact_text(entry)
        assert text and text != wording.label(wording.FACT_KINDS, entry.kind), entry.kind
        assert "None" not in text, text

