"""How long does the law take to fold one licence of ~30 facts for one date? (issue: the law engine)

Run: `python benchmarks/fold_one_licence.py`. Prints the cost of `balance_as_of` (with and without the forecast)
and of `build_timeline` alone, against a baseline measured in the same run: a plain Python loop that sums the
points of the same 30 facts (the least any fold must do), so the ratio says what the law's bookkeeping costs.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger.facts import LegalFact, LicenceObtained, LicenceRecord, OffenceEstablished, Speeding, StageCompleted
from ledger.values import Mode, OffenceClass, StageCase
from projections.balance import balance_as_of
from projections.timeline import build_timeline


def thirty_fact_licence() -> LicenceRecord:
    """A long career: 24 offences of every kind over 25 years, 6 stages."""
    start = date(1999, 3, 1)
    recorded = datetime(2000, 1, 1, tzinfo=UTC)
    licence = LicenceObtained(fact_id="L", recorded_at=recorded, licence_number="BENCH", obtained_on=start)
    facts: list[LegalFact] = []
    for i in range(24):
        committed = start + timedelta(days=120 + i * 380)
        common: dict[str, Any] = {
            "fact_id": f"o{i}", "recorded_at": recorded + timedelta(days=i), "evidence_ref": f"PV{i}",
            "committed_on": committed, "established_on": committed + timedelta(days=20 + i % 50)}
        if i % 3 == 0:
            facts.append(OffenceEstablished(**common, speeding=Speeding(80 if i % 2 else 50, 5 + (i * 7) % 45)))
        else:
            facts.append(OffenceEstablished(**common, points=1 + i % 4, offence_class=OffenceClass.C4,
                                            interception="g" if i in (4, 5) else None))
    for k in range(6):
        first = start + timedelta(days=700 + k * 1400)
        facts.append(StageCompleted(fact_id=f"s{k}", recorded_at=recorded, evidence_ref=f"ATT{k}",
                                    first_day=first, last_day=first + timedelta(days=1), case=StageCase.VOLUNTARY))
    return LicenceRecord(licence, tuple(facts))


def per_call(fn: Callable[[], object], repeat: int = 7, number: int = 300) -> float:
    """Median seconds per call over `repeat` runs of `number` calls."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - t0) / number)
    return statistics.median(runs)


def main() -> None:
    record = thirty_fact_licence()
    on = date(2024, 6, 1)

    def baseline() -> int:
        total = 12
        for fact in record.facts:
            if isinstance(fact, OffenceEstablished) and fact.established_on <= on:
                total -= fact.points or 1
        return total

    measures = {
        "baseline: sum the 30 facts' points (plain loop)": per_call(baseline),
        "build_timeline (legal)": per_call(lambda: build_timeline(record, Mode.LEGAL)),
        "balance_as_of, no forecast": per_call(lambda: balance_as_of(record, on, with_forecast=False)),
        "balance_as_of, with forecast": per_call(lambda: balance_as_of(record, on)),
    }
    base = measures["baseline: sum the 30 facts' points (plain loop)"]
    print(f"licence of {len(record.facts)} facts, balance on {on}")
    for name, seconds in measures.items():
        print(f"  {name:<48} {seconds * 1e6:9.1f} µs   {seconds / base:8.1f}× baseline")


if __name__ == "__main__":
    main()
