"""The state the fold carries from day to day, in named records (docs/law.md A.13, A.14).

`LicenceState` is the licence in force (balance, ceiling, status, probation, the anchor of its full
reconstitution); `PersonState` what follows the person across licences (stage spacing, effective 48SIs) and what
each withdrawal actually took (A.20). The fold (projections/timeline.py) changes them only by applying decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ledger.law.capital import ProbationPlan
from ledger.values import Status, Training
from projections.timeline_result import Row


@dataclass(frozen=True, slots=True)
class LicenceDocument:
    """One licence of the person: the first, or one obtained again after an invalidation."""

    index: int
    start: date
    training: Training
    plan: ProbationPlan | None


@dataclass(slots=True)
class LicenceState:
    """The licence in force at the end of the day being processed."""

    licence: LicenceDocument | None = None
    balance: int = 0
    ceiling: int = 0
    status: Status = Status.NOT_OBTAINED
    majorations: int = 0
    probation_end: date | None = None
    probation_over: bool = True
    anchor: date | None = None
    serious_record: bool = False
    reconstitution_due: date | None = None
    last_full_reconstitution: date | None = None
    invalidated_on: date | None = None
    surrendered_on: date | None = None
    new_licence_not_before: date | None = None

    @property
    def active(self) -> bool:
        """A licence in force that has not lost its validity: the only one decisions apply to."""
        return self.licence is not None and self.status is Status.VALID

    def is_current(self, licence: LicenceDocument) -> bool:
        return self.licence is licence and self.active

    def in_probation(self, day: date) -> bool:
        plan = self.licence.plan if self.licence else None
        return plan is not None and self.probation_end is not None and plan.start <= day < self.probation_end

    def row(self, day: date, last_crediting_stage: date | None) -> Row:
        licence = self.licence
        plan = licence.plan if licence else None
        return (day, self.balance, self.ceiling, self.status, licence.start if licence else None,
                plan.start if plan else None, self.probation_end if plan else None, self.majorations,
                last_crediting_stage, self.invalidated_on, self.surrendered_on, self.new_licence_not_before)


@dataclass(slots=True)
class PersonState:
    """What follows the person whatever the licence (A.3, A.15) and what each withdrawal took (A.20)."""

    last_crediting_stage: date | None = None
    effective_48si: list[date] = field(default_factory=list)
    taken: dict[str, int] = field(default_factory=dict)
    single_point_returned: set[str] = field(default_factory=set)
