"""Shape checks of facts, before anything is written (the ledger validates; projections interpret).

Each check raises `InvalidFact(field, reason)`. They are pure and read only the licence's other facts, so the
aggregate (facts recorded so far) and the scenario loader (every fact of the file, in any order) share them.
They check the shape of a fact — dates in order, values in range, references that exist — never the law's
outcome (whether a 48SI was effective is for the projection to say).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import assert_never

from ledger.declaration import check_fields, content_fields, declared_fields
from ledger.errors import InvalidFact
from ledger.facts import (
    CORRECTABLE,
    FactRectified,
    LegalFact,
    LetterNotified,
    LicenceObtained,
    LicenceRecord,
    LicenceReissued,
    LicenceSurrendered,
    OffenceAnnulled,
    OffenceEstablished,
    StageCompleted,
)
from ledger.law import offence_catalogue
from ledger.law.in_force import before_points_system
from ledger.values import LetterCode, OffenceClass

DELIT_POINTS = 6  # L223-2 I: a délit withdraws 6 points


def check_text(field: str, value: str, *, required: bool = True, max_length: int = 200) -> None:
    if required and not value.strip():
        raise InvalidFact(field, "must not be empty")
    if len(value) > max_length:
        raise InvalidFact(field, f"must be at most {max_length} characters")


def check_licence(licence: LicenceObtained) -> None:
    """The licence itself: a number and a plausible date; the formation complémentaire after obtaining."""
    check_text("licence_number", licence.licence_number, max_length=64)
    check_fields(licence)
    fc = licence.complementary_training_on
    if fc is not None and fc < licence.obtained_on:
        raise InvalidFact("complementary_training_on", "must not be before the licence was obtained")


def _not_before_licence(field: str, day: date, licence: LicenceObtained) -> None:
    if day < licence.obtained_on:
        raise InvalidFact(field, f"{day.isoformat()} is before the licence was obtained "
                                 f"({licence.obtained_on.isoformat()})")


def check_offence(offence: OffenceEstablished, licence: LicenceObtained, others: Iterable[LegalFact]) -> None:
    """An established offence: date de valeur on/after commission, points 0–6 and consistent with the class
    (a délit is 6, L223-2 I), either points and class or speeding facts, not on a surrendered licence.
    """
    if offence.established_on < offence.committed_on:
        raise InvalidFact("established_on", "the date de valeur cannot be before the commission date")
    if offence.registered_on is not None and offence.registered_on < offence.established_on:
        raise InvalidFact("registered_on", "the national file cannot register a withdrawal before its date de "
                                           "valeur (established_on)")
    _not_before_licence("committed_on", offence.committed_on, licence)
    if offence.offence_kind is not None:
        if offence.points is not None or offence.offence_class is not None or offence.speeding is not None:
            raise InvalidFact("kind", "give either a kind, speeding facts, or points and class — only one")
        if offence.offence_kind not in offence_catalogue.CATALOGUE:
            raise InvalidFact("kind", f"unknown offence kind {offence.offence_kind!r}: one of "
                                      f"{', '.join(offence_catalogue.known_kinds())}")
        if not before_points_system(offence.committed_on) and offence_catalogue.scale_of(
                offence.offence_kind, offence.committed_on, offence.established_on) is None:
            raise InvalidFact("kind", f"{offence.offence_kind} carried no points on {offence.committed_on}")
    elif offence.speeding is not None:
        if offence.points is not None or offence.offence_class is not None:
            raise InvalidFact("speeding", "give either speeding facts or points and class, not both")
    else:
        if offence.points is None:
            raise InvalidFact("points", "required (or give speeding facts or an offence kind)")
        if offence.offence_class is None:
            raise InvalidFact("class", "required with points: C1…C5 or delit")
        if offence.offence_class is OffenceClass.DELIT and offence.points != DELIT_POINTS:
            raise InvalidFact("points", "a délit withdraws 6 points (L223-2 I)")


def check_stage(stage: StageCompleted, licence: LicenceObtained, others: Iterable[LegalFact]) -> None:
    """R223-5 — a stage lasts two consecutive days, not before the licence.

    A stage (or an offence) after a surrender is recorded: whether the licence was still in force then depends
    on whether its 48SI was effective, in the mode computed (A.6, A.21), which is the projection's to say."""
    if (stage.last_day - stage.first_day).days != 1:
        raise InvalidFact("last_day", "a stage lasts two consecutive days (R223-5): last_day = first_day + 1")
    _not_before_licence("first_day", stage.first_day, licence)


def check_letter(letter: LetterNotified, licence: LicenceObtained) -> None:
    """A letter of a known code (47, 48, 48M, 48N, 48SI), not before the licence."""
    _not_before_licence("notified_on", letter.notified_on, licence)


def check_annulment(annulment: OffenceAnnulled, licence: LicenceObtained, others: Iterable[LegalFact]) -> None:
    """An annulment names a recorded offence, once, and is decided on/after its commission."""
    facts = list(others)
    offence = next((f for f in facts if isinstance(f, OffenceEstablished) and f.fact_id == annulment.offence_id),
                   None)
    if offence is None:
        raise InvalidFact("offence", f"no offence {annulment.offence_id!r} on this licence")
    if any(isinstance(f, OffenceAnnulled) and f.offence_id == annulment.offence_id
           and f.fact_id != annulment.fact_id for f in facts):
        raise InvalidFact("offence", f"offence {annulment.offence_id!r} is already annulled")
    if annulment.decided_on < offence.committed_on:
        raise InvalidFact("decided_on", "an annulment cannot be decided before the offence was committed")
    _not_before_licence("decided_on", annulment.decided_on, licence)


def check_surrender(surrender: LicenceSurrendered, licence: LicenceObtained, others: Iterable[LegalFact]) -> None:
    """L223-5 — a licence is surrendered after a 48SI was notified, once per invalidation."""
    facts = list(others)
    _not_before_licence("on", surrender.surrendered_on, licence)
    letters = [f.notified_on for f in facts if isinstance(f, LetterNotified) and f.code is LetterCode.L48SI
               and f.notified_on <= surrender.surrendered_on]
    if not letters:
        raise InvalidFact("on", "no 48SI was notified on or before this date")
    last_letter = max(letters)
    if any(isinstance(f, LicenceSurrendered) and f.fact_id != surrender.fact_id
           and last_letter <= f.surrendered_on <= surrender.surrendered_on for f in facts):
        raise InvalidFact("on", "the licence was already surrendered after that 48SI")


def check_reissue(reissue: LicenceReissued, licence: LicenceObtained, others: Iterable[LegalFact]) -> None:
    """L223-5 — a new licence comes after the surrender when one was recorded, once per 48SI.

    Whether a 48SI preceded it, whether that 48SI was effective and the waiting period respected is for the
    projection to say in each mode (A.21: a new licence without an effective invalidation starts nothing and is
    flagged, whether the 48SI was void or absent): the ledger records what the préfecture did.
    """
    facts = list(others)
    letters = [f.notified_on for f in facts if isinstance(f, LetterNotified) and f.code is LetterCode.L48SI
               and f.notified_on < reissue.obtained_on]
    last_letter = max(letters, default=licence.obtained_on)
    surrenders = [f.surrendered_on for f in facts if isinstance(f, LicenceSurrendered)
                  and f.surrendered_on >= last_letter]
    if surrenders and reissue.obtained_on <= min(surrenders):
        raise InvalidFact("obtained_on", "the licence was surrendered on "
                                         f"{min(surrenders).isoformat()}: a new licence comes after the surrender")
    if any(isinstance(f, LicenceReissued) and f.fact_id != reissue.fact_id and last_letter < f.obtained_on
           for f in facts):
        raise InvalidFact("obtained_on", "a new licence was already obtained after that 48SI")


def _target(rectification: FactRectified, record: LicenceRecord) -> LicenceObtained | StageCompleted | LetterNotified:
    """The fact a rectification corrects, as already rectified: the licence, a stage or a letter."""
    if rectification.rectified_id == record.licence.fact_id:
        return record.licence
    target = next((f for f in record.facts if f.fact_id == rectification.rectified_id), None)
    if target is None:
        raise InvalidFact("fact", f"no fact {rectification.rectified_id!r} on this licence")
    if not isinstance(target, StageCompleted | LetterNotified):
        raise InvalidFact("fact", "only a letter, a stage or the licence is rectified; an offence is annulled "
                                  "(and recorded again), other facts are recorded anew")
    return target


def check_rectification(rectification: FactRectified, licence: LicenceObtained,
                        others: Iterable[LegalFact]) -> None:
    """Issue 13 — a rectification names a letter, a stage or the licence, corrects fields that kind has, and
    the corrected fact passes that kind's own checks against the licence's other facts."""
    record = LicenceRecord(licence, tuple(others)).rectified()
    target = _target(rectification, record)
    corrections = rectification.corrections()
    if not corrections:
        raise InvalidFact("fact", f"give at least one corrected field: {', '.join(CORRECTABLE)}")
    has = {decl.name for decl in content_fields(type(target))}
    for name in corrections:
        if name not in has:
            label = next(d.json for d in declared_fields(FactRectified) if d.name == name)
            raise InvalidFact(label, f"a {type(target).__name__} has no {name} to rectify")
    corrected = replace(target, **corrections)
    if corrected == target:
        raise InvalidFact("fact", "the rectification changes nothing")
    if isinstance(corrected, LicenceObtained):
        check_licence(corrected)
    else:
        check_fact(corrected, record.licence, [f for f in record.facts if f.fact_id != corrected.fact_id])


def check_fact(fact: LegalFact, licence: LicenceObtained, others: Iterable[LegalFact], *,
               as_rectified: bool = False, fields_checked: bool = False) -> None:
    """Bound the fact's fields by their declaration, then the check of its kind. `others`: the licence's
    other facts (read with their rectifications applied; `as_rectified`: the caller knows there are none, so
    `licence` and `others` are read as they are; `fields_checked`: the caller saw
    `declaration.certainly_valid(fact)`, so the fields are not bounded again). A kind without its case here is a
    mypy error (`assert_never`)."""
    if not fields_checked:
        check_fields(fact)
    if not as_rectified:
        known = LicenceRecord(licence, tuple(others)).rectified()
        licence, others = known.licence, known.facts
    match fact:
        case OffenceEstablished():
            check_offence(fact, licence, others)
        case StageCompleted():
            check_stage(fact, licence, others)
        case LetterNotified():
            check_letter(fact, licence)
        case OffenceAnnulled():
            check_annulment(fact, licence, others)
        case LicenceSurrendered():
            check_surrender(fact, licence, others)
        case LicenceReissued():
            check_reissue(fact, licence, others)
        case FactRectified():
            check_rectification(fact, licence, others)
        case _:
            assert_never(fact)
