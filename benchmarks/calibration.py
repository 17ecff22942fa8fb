"""Measure a generated population against the national statistics it is calibrated on.

Every figure is a rate per licence held on the reference date, scaled to the ~40 M licences of France, so a
sample of a few thousand licences can be compared with the yearly national counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ledger.facts import LicenceRecord, OffenceEstablished, StageCompleted
from ledger.law.vocabulary import Rule
from ledger.values import Status
from projections.timeline import build_timeline

NATIONAL_LICENCES = 40_000_000


@dataclass(frozen=True, slots=True)
class Calibration:
    """The population's figures for one year, next to the national ones."""

    licences: int
    events_per_licence: float
    share_at_12: float  # valid licences at 12 points at the end of the year
    offences: float  # point-losing offences established in the year, scaled to 40 M licences
    points: float  # points withdrawn in the year, scaled
    stages: float  # stages completed in the year, scaled
    invalidations: float  # effective 48SI in the year, scaled

    @property
    def points_per_offence(self) -> float:
        return self.points / self.offences if self.offences else 0.0

    def rows(self) -> list[tuple[str, str, str]]:
        """(figure, population, national) for printing."""
        return [
            ("licences in the sample", f"{self.licences:,}", "≈ 40 M"),
            ("events per licence", f"{self.events_per_licence:.2f}", "—"),
            ("valid licences at 12 points", f"{self.share_at_12:.1%}", "≈ 79 %"),
            ("offences with withdrawal / year", f"{self.offences / 1e6:.2f} M", "6.3 M (2024)"),
            ("points withdrawn / year", f"{self.points / 1e6:.2f} M", "11.7 M (2024)"),
            ("points per offence", f"{self.points_per_offence:.2f}", "1.86"),
            ("stages / year", f"{self.stages / 1e3:.0f} k", "≈ 320 k"),
            ("invalidations (48SI) / year", f"{self.invalidations / 1e3:.1f} k", "≈ 48 k"),
        ]


def calibrate(records: Iterable[LicenceRecord], year: int = 2024) -> Calibration:
    """Fold every licence and count what happened in `year` (legal mode)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    held = events = at_12 = valid = offences = points = stages = invalidations = 0
    for record in records:
        if record.licence.obtained_on > end:
            continue
        held += 1
        events += 1 + len(record.facts)
        timeline = build_timeline(record)
        state = timeline.state_on(end)
        if state.status is Status.VALID:
            valid += 1
            at_12 += state.balance == 12
        withdrawn = {m.fact_id: -m.delta for m in timeline.movements
                     if m.rule is Rule.WITHDRAWAL and start <= m.on <= end}
        offences += sum(1 for f in record.facts if isinstance(f, OffenceEstablished) and withdrawn.get(f.fact_id))
        points += sum(withdrawn.values())
        stages += sum(1 for f in record.facts if isinstance(f, StageCompleted) and start <= f.last_day <= end)
        invalidations += sum(1 for m in timeline.movements if m.rule is Rule.INVALIDATION and start <= m.on <= end)
    scale = NATIONAL_LICENCES / held if held else 0.0
    return Calibration(held, events / held if held else 0.0, at_12 / valid if valid else 0.0,
                       offences * scale, points * scale, stages * scale, invalidations * scale)
