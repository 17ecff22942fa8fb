"""How the ledger's movements and facts read for a préfecture agent (reconciliation and audit reports).

Sentences are English with the French terms of art kept (stage, date de valeur, lettre 48SI); every movement
names its date, its rule and article, and the fact behind it with its evidence reference, so an agent can find
the paper it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import assert_never

from ledger import facts as f
from ledger.facts import AnyFact, Fact, StageCompleted
from ledger.law.vocabulary import Rule
from projections.explanation import Movement

# The rule's French wording, from the law's vocabulary (ledger/law/vocabulary.py).
RULE_WORDS: Mapping[Rule, str] = {rule: rule.wording for rule in Rule}


def fact_reference(fact_id: str | None, facts: Mapping[str, Fact]) -> str:
    """'fact ID, evidence REF': what an agent needs to find the paper behind a movement."""
    if fact_id is None:
        return ""
    fact = facts.get(fact_id)
    if fact is None or not fact.evidence_ref:
        return f"fact {fact_id}"
    return f"fact {fact_id}, evidence {fact.evidence_ref}"


def movement_day(movement: Movement) -> str:
    """The movement's date with its legal name: date de valeur, date d'effet of a stage, 48SI notification."""
    day = movement.on.isoformat()
    if movement.rule.is_withdrawal:
        return f"date de valeur {day}"
    if movement.rule.is_stage:
        return f"effective {day}"
    if movement.rule.is_forty_eight_si:
        return f"lettre 48SI notified {day}"
    return day


def movement_text(movement: Movement, facts: Mapping[str, Fact]) -> str:
    """One movement in a sentence: when, what, how many points, the balance after, the article, the fact."""
    words = RULE_WORDS[movement.rule]
    reference = fact_reference(movement.fact_id, facts)
    return (f"{movement_day(movement)}: {words} {movement.delta:+d} → {movement.balance}/{movement.ceiling} "
            f"({movement.article}{'; ' + reference if reference else ''}) — {movement.detail}")


def movements_text(movements: Iterable[Movement], facts: Mapping[str, Fact]) -> str:
    return "; ".join(movement_text(m, facts) for m in movements)


def fact_summary(fact: AnyFact) -> str:
    """A fact's legal content in a few words (audit reports, the demo's output); one case per kind."""
    match fact:
        case f.LicenceObtained():
            complementary = fact.complementary_training_on
            return (f"licence obtained {fact.obtained_on.isoformat()} ({fact.training.value}"
                    + (f", formation complémentaire {complementary.isoformat()}" if complementary else "") + ")")
        case f.OffenceEstablished():
            return offence_summary(fact)
        case f.StageCompleted():
            return f"{fact.case.value} stage {stage_days(fact)}"
        case f.LetterNotified():
            return f"lettre {fact.code.value} notified {fact.notified_on.isoformat()}"
        case f.OffenceAnnulled():
            return f"annulment of offence {fact.offence_id} decided {fact.decided_on.isoformat()}"
        case f.LicenceSurrendered():
            return f"licence surrendered {fact.surrendered_on.isoformat()}"
        case f.LicenceReissued():
            return f"new licence obtained {fact.obtained_on.isoformat()} ({fact.training.value})"
        case f.FactRectified():
            changes = ", ".join(f"{name} → {value}" for name, value in fact.corrections().items())
            return f"rectification of {fact.rectified_id} ({fact.reason}): {changes}"
        case _:
            assert_never(fact)


def offence_summary(fact: f.OffenceEstablished) -> str:
    weight = (f"{fact.points} point(s), {fact.offence_class.value}" if fact.points is not None
              and fact.offence_class is not None else
              f"speeding {fact.speeding.excess_kmh} km/h over {fact.speeding.limit_kmh}" if fact.speeding
              else "")
    registered = (f", registered in the national file on {fact.registered_on.isoformat()}"
                  if fact.registered_on is not None and fact.registered_on != fact.established_on else "")
    return (f"offence committed {fact.committed_on.isoformat()}, date de valeur "
            f"{fact.established_on.isoformat()}" + registered + (f", {weight}" if weight else ""))


def stage_days(stage: StageCompleted) -> str:
    return f"{stage.first_day.isoformat()}–{stage.last_day.isoformat()}"
