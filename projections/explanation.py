"""What a projection says about a licence: movements, letters expected, anomalies, and the state on a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.law.vocabulary import AnomalyKind, Rule
from ledger.values import LetterCode, Status


@dataclass(frozen=True, slots=True)
class Movement:
    """One decision of the law on one day: `delta` points, the rule that decided and its article.

    The deltas of all movements up to a day sum to the balance of that day. Decisions that moved nothing (a
    stage at the ceiling, a void 48SI, a 0-point offence) are movements of 0, so every fact is explained.
    """

    on: date
    delta: int
    rule: Rule
    article: str
    fact_id: str | None
    detail: str
    balance: int
    ceiling: int


@dataclass(frozen=True, slots=True)
class ExpectedLetter:
    """A letter the law expects after a movement (A.17), and the letter that answered it, if any."""

    code: LetterCode
    due_from: date
    reason: str
    fact_id: str | None
    notified_on: date | None = None
    notified_fact_id: str | None = None


@dataclass(frozen=True, slots=True)
class Anomaly:
    """Something in the file the law does not support: a void 48SI, a reissue without invalidation…"""

    on: date
    kind: AnomalyKind
    detail: str
    fact_id: str | None


@dataclass(frozen=True, slots=True)
class DayState:
    """The licence at the end of one day's processing (A.14)."""

    on: date
    balance: int
    ceiling: int
    status: Status
    licence_started_on: date | None
    probation_start: date | None
    probation_end: date | None
    majorations: int
    last_crediting_stage_on: date | None
    invalidated_on: date | None
    surrendered_on: date | None
    new_licence_not_before: date | None

    @property
    def in_probation(self) -> bool:
        return (
            self.probation_start is not None
            and self.probation_end is not None
            and self.probation_start <= self.on < self.probation_end
        )

    @property
    def zero_pending(self) -> bool:
        """Balance 0 and no effective 48SI yet: still valid, a stage can still save it (A.6)."""
        return self.status is Status.VALID and self.balance == 0 and self.ceiling > 0
