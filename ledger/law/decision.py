"""A.1–A.22 — what a rule decides on one day: the rule that decided, the points it moves and why.

A rule function of `ledger.law` returns a `Decision`; the fold (projections/timeline.py) applies it to the day's
state and records it as a movement. Decisions that move nothing (a blocked return, a void 48SI) are decisions
too, so every fact is explained.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.law.vocabulary import AnomalyKind, Rule


@dataclass(frozen=True, slots=True)
class Decision:
    """One decision: `points` is the change of balance; `article` overrides the rule's own when more precise."""

    rule: Rule
    points: int
    detail: str
    fact_id: str | None = None
    article: str | None = None
    anomaly: AnomalyKind | None = None

    @property
    def cited(self) -> str:
        """A.1 — the article the movement shows: the decision's own, else the rule's."""
        return self.article or self.rule.article
