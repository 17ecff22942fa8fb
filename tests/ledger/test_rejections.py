"""Every rule of `ledger.validation` and of the aggregate, on both stores: a rejected fact raises `InvalidFact`
naming the field, and the store is exactly as it was (every stored row compared before and after).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from ledger.application import PointsLedger
from ledger.errors import InvalidFact, LicenceAlreadyExists, LicenceNotFound
from ledger.facts import LegalFact, LicenceObtained
from ledger.values import LetterCode, OffenceClass
from tests.ledger.builders import (
    NUMBER,
    a_letter,
    a_licence,
    a_reissue,
    a_speeding,
    a_stage,
    a_surrender,
    an_annulment,
    an_offence,
    d,
)
from tests.ledger.stores import application_sequence

OFFENCE_ID = "offence-under-test"


def invalidated() -> list[LegalFact]:
    """A licence handed in after a 48SI, with no new licence yet."""
    return [a_letter(LetterCode.L48SI, "2023-10-01"), a_surrender("2023-10-10")]


def with_offence() -> list[LegalFact]:
    return [an_offence("2023-03-10", "2023-03-20", fact_id=OFFENCE_ID)]


@dataclass(frozen=True)
class Rejection:
    """Facts recorded first (on a licence obtained 2010-06-01), then the rejected fact and the field it names."""

    bad: Callable[[], LegalFact]
    field: str
    before: Callable[[], list[LegalFact]] = field(default=list)


REJECTIONS: dict[str, Rejection] = {
    "date de valeur before the commission date": Rejection(
        lambda: an_offence("2023-03-10", "2023-03-09"), "established_on"),
    "offence committed before the licence was obtained": Rejection(
        lambda: an_offence("2010-05-31", "2010-06-15"), "committed_on"),
    "points above six": Rejection(lambda: an_offence(points=7), "points"),
    "negative points": Rejection(lambda: an_offence(points=-1), "points"),
    "délit withdrawing fewer than six points": Rejection(
        lambda: an_offence(points=4, offence_class=OffenceClass.DELIT), "points"),
    "unknown offence class": Rejection(lambda: an_offence(offence_class="C9"), "class"),
    "points without a class": Rejection(lambda: an_offence(points=3, offence_class=None), "class"),
    "neither points nor speeding facts": Rejection(lambda: an_offence(points=None, offence_class=None), "points"),
    "both points and speeding facts": Rejection(
        lambda: an_offence(points=1, offence_class=OffenceClass.C4, speeding=a_speeding().speeding), "speeding"),
    "speed limit of zero": Rejection(lambda: a_speeding(limit_kmh=0), "speeding.limit_kmh"),
    "excess speed of zero": Rejection(lambda: a_speeding(excess_kmh=0), "speeding.excess_kmh"),
    "empty interception group": Rejection(lambda: an_offence(interception="  "), "interception"),
    "description over 500 characters": Rejection(lambda: an_offence(description="x" * 501), "description"),
    "stage days not consecutive": Rejection(lambda: a_stage("2023-06-01", "2023-06-03"), "last_day"),
    "stage of a single day": Rejection(lambda: a_stage("2023-06-01", "2023-06-01"), "last_day"),
    "stage ending before it starts": Rejection(lambda: a_stage("2023-06-02", "2023-06-01"), "last_day"),
    "stage before the licence was obtained": Rejection(lambda: a_stage("2010-05-30", "2010-05-31"), "first_day"),
    "unknown stage case": Rejection(lambda: a_stage(case="optional"), "case"),
    "unknown letter code": Rejection(lambda: a_letter(code="49"), "code"),
    "letter code given as a bare string": Rejection(lambda: a_letter(code="48SI"), "code"),
    "letter notified before the licence was obtained": Rejection(
        lambda: a_letter(notified_on="2010-01-01"), "notified_on"),
    "annulment of an unknown offence": Rejection(lambda: an_annulment("no-such-offence"), "offence"),
    "annulment naming a stage, not an offence": Rejection(
        lambda: an_annulment("stage-1"), "offence", lambda: [a_stage(fact_id="stage-1")]),
    "second annulment of the same offence": Rejection(
        lambda: an_annulment(OFFENCE_ID, "2023-10-01"), "offence",
        lambda: [*with_offence(), an_annulment(OFFENCE_ID, "2023-09-01")]),
    "annulment decided before the offence was committed": Rejection(
        lambda: an_annulment(OFFENCE_ID, "2023-03-01"), "decided_on", with_offence),
    "surrender without a 48SI": Rejection(lambda: a_surrender("2023-10-10"), "on"),
    "surrender before the 48SI": Rejection(
        lambda: a_surrender("2023-09-30"), "on", lambda: [a_letter(LetterCode.L48SI, "2023-10-01")]),
    "second surrender after the same 48SI": Rejection(lambda: a_surrender("2023-10-20"), "on", invalidated),
    "surrender before the licence was obtained": Rejection(lambda: a_surrender("2009-01-01"), "on"),
    "new licence before the surrender": Rejection(lambda: a_reissue("2023-10-05"), "obtained_on", invalidated),
    "second new licence after the same 48SI": Rejection(
        lambda: a_reissue("2024-08-01"), "obtained_on", lambda: [*invalidated(), a_reissue("2024-06-01")]),
    "new licence with an unknown training": Rejection(lambda: a_reissue(training="online"), "training", invalidated),
    "national file registration before the date de valeur": Rejection(
        lambda: an_offence("2023-03-10", "2023-03-20", registered_on=d("2023-03-19")), "registered_on"),
    "empty evidence reference": Rejection(lambda: an_offence(evidence_ref=""), "evidence_ref"),
    "blank evidence reference": Rejection(lambda: a_stage(evidence_ref="   "), "evidence_ref"),
    "evidence reference over 200 characters": Rejection(lambda: a_letter(evidence_ref="E" * 201), "evidence_ref"),
    "empty recorded_by": Rejection(lambda: an_offence(recorded_by=""), "recorded_by"),
    "blank recorded_by": Rejection(lambda: a_letter(recorded_by="  "), "recorded_by"),
    "fact id already used on the licence": Rejection(
        lambda: a_letter(fact_id=OFFENCE_ID), "id", with_offence),
}


@pytest.mark.parametrize("case", REJECTIONS.values(), ids=REJECTIONS.keys())
def test_a_rejected_fact_names_its_field_and_leaves_the_store_unchanged(
    ledger: PointsLedger, case: Rejection
) -> None:
    ledger.create_licence(a_licence(obtained_on="2010-06-01"))
    for fact in case.before():
        ledger.record(NUMBER, fact)
    before = application_sequence(ledger)
    bad = case.bad()

    with pytest.raises(InvalidFact) as raised:
        ledger.record(NUMBER, bad)

    assert raised.value.field == case.field
    assert raised.value.reason
    assert application_sequence(ledger) == before
    assert bad.evidence_ref not in {f.evidence_ref for f in ledger.get_record(NUMBER).facts}


LICENCE_REJECTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "empty licence number": ({"number": ""}, "licence_number"),
    "licence number over 64 characters": ({"number": "9" * 65}, "licence_number"),
    "licence obtained before 1900": ({"obtained_on": "1899-12-31"}, "obtained_on"),
    "formation complémentaire before the licence": (
        {"obtained_on": "2020-06-01", "complementary_training_on": d("2020-05-31")},
        "complementary_training_on"),
    "unknown training": ({"training": "self-taught"}, "training"),
    "empty evidence reference": ({"evidence_ref": ""}, "evidence_ref"),
    "empty recorded_by": ({"recorded_by": " "}, "recorded_by"),
}


@pytest.mark.parametrize(("changes", "field_name"), LICENCE_REJECTIONS.values(), ids=LICENCE_REJECTIONS.keys())
def test_a_rejected_licence_names_its_field_and_writes_nothing(
    ledger: PointsLedger, changes: dict[str, Any], field_name: str
) -> None:
    ledger.create_licence(a_licence(number="OTHER-LICENCE"))
    before = application_sequence(ledger)

    with pytest.raises(InvalidFact) as raised:
        ledger.create_licence(a_licence(**changes))

    assert raised.value.field == field_name
    assert application_sequence(ledger) == before


def test_recording_on_an_empty_licence_number_names_the_field(ledger: PointsLedger) -> None:
    with pytest.raises(InvalidFact) as raised:
        ledger.record("  ", an_offence())
    assert raised.value.field == "licence_number"
    assert application_sequence(ledger) == []


def test_recording_on_an_unknown_licence_writes_nothing(ledger: PointsLedger) -> None:
    with pytest.raises(LicenceNotFound):
        ledger.record(NUMBER, an_offence())
    assert application_sequence(ledger) == []
    assert not ledger.exists(NUMBER)


def test_a_second_licence_with_the_same_number_and_other_content_is_refused(ledger: PointsLedger) -> None:
    ledger.create_licence(a_licence(obtained_on="2010-06-01"))
    before = application_sequence(ledger)

    with pytest.raises(LicenceAlreadyExists):
        ledger.create_licence(a_licence(obtained_on="2011-06-01"))

    assert application_sequence(ledger) == before


def test_the_same_licence_number_with_spaces_is_the_same_stream(ledger: PointsLedger) -> None:
    licence: LicenceObtained = a_licence()
    ledger.create_licence(licence)
    ledger.record(f" {NUMBER} ", an_offence())
    assert ledger.version_of(NUMBER) == 2


def test_facts_after_a_new_licence_are_accepted_again(ledger: PointsLedger) -> None:
    ledger.create_licence(a_licence(obtained_on="2010-06-01"))
    for fact in [*invalidated(), a_reissue("2024-06-01")]:
        ledger.record(NUMBER, fact)

    offence = ledger.record(NUMBER, an_offence("2024-07-01", "2024-07-20"))
    stage = ledger.record(NUMBER, a_stage("2024-09-02", "2024-09-03"))

    assert offence.created and stage.created
    assert ledger.version_of(NUMBER) == 6


def test_facts_after_a_surrender_without_a_new_licence_are_recorded(ledger: PointsLedger) -> None:
    """A.21: whether the surrendered licence was still in force depends on its 48SI being effective, in the mode
    computed; the ledger records the facts and the projection decides (scenarios Y20 and Y50)."""
    ledger.create_licence(a_licence(obtained_on="2010-06-01"))
    for fact in invalidated():
        ledger.record(NUMBER, fact)

    offence = ledger.record(NUMBER, an_offence("2023-11-02", "2023-11-20"))
    stage = ledger.record(NUMBER, a_stage("2023-11-02", "2023-11-03"))

    assert offence.created and stage.created


def test_a_new_licence_without_any_48si_is_recorded_for_the_projection_to_flag(ledger: PointsLedger) -> None:
    """A.21: a new licence with no effective 48SI before it starts nothing, whether the 48SI was void or absent;
    the ledger records what the préfecture did (scenario Y48)."""
    ledger.create_licence(a_licence(obtained_on="2010-06-01"))

    assert ledger.record(NUMBER, a_reissue("2024-06-01")).created
