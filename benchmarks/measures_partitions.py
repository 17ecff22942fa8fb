"""`run.py --partitions N`: what hash-partitioning the events table by stream costs or buys, store against store.

Every selected measure runs twice in the same run, on an unpartitioned store and on one of N partitions
(`ledger.partitioned_events`); each `partitions_<key>` measure is the partitioned figure against the
unpartitioned one (ratio > 1: the partitioned store is better). The load drifts between the two halves of a
run, so two figures are also measured with both stores open, alternating round by round: the notification
pages, which the partitioning turns from one index scan into a merge of N (one-event pages: the API's tailing
reader and an idle catch-up; 5,000-event pages: a catch-up), and the recording of one fact.
"""

from __future__ import annotations

import random

from benchmarks.harness import Measure, timed_calls
from benchmarks.measures_store import _letter
from ledger.application import PointsLedger

PAGE_SIZES = (1, 5_000)
SMALL_PAGE_CALLS = 2_000
LARGE_PAGE_CALLS = 20


def notification_pages(plain: PointsLedger, partitioned: PointsLedger, rounds: int = 5,
                       seed: int = 1) -> tuple[dict[int, float], dict[int, float]]:
    """Pages of notifications read per second on each store, for each page size, from the same random
    positions; the two stores alternate round by round, so that the machine's changing load falls on both."""
    head = min(plain.recorder.max_notification_id() or 0, partitioned.recorder.max_notification_id() or 0)
    rng = random.Random(seed)
    rates: tuple[dict[int, float], dict[int, float]] = ({}, {})
    for size in PAGE_SIZES:
        calls = (SMALL_PAGE_CALLS if size == 1 else LARGE_PAGE_CALLS) // rounds
        starts = [rng.randint(1, max(1, head - size)) for _ in range(calls)]
        seconds = [0.0, 0.0]
        for round_ in range(rounds + 1):  # round 0 warms both: index pages in PostgreSQL's cache
            for which, ledger in enumerate((plain, partitioned)):
                def page(i: int, ledger: PointsLedger = ledger, size: int = size, starts: list[int] = starts) -> None:
                    ledger.recorder.select_notifications(starts[i], size)

                elapsed, _ = timed_calls(page, calls)
                if round_:
                    seconds[which] += elapsed
        for which in (0, 1):
            rates[which][size] = calls * rounds / seconds[which]
    return rates


def record_rates(plain: PointsLedger, partitioned: PointsLedger, numbers: list[str], rounds: int = 4,
                 per_round: int = 100) -> tuple[float, float]:
    """Facts recorded per second (one thread) on each store, the stores alternating round by round, each fact
    on a licence not written since the import (the same licences on both stores)."""
    seconds = [0.0, 0.0]
    for round_ in range(rounds):
        chosen = numbers[round_ * per_round:(round_ + 1) * per_round]
        for which, ledger in enumerate((plain, partitioned)):
            def record(i: int, ledger: PointsLedger = ledger, chosen: list[str] = chosen) -> None:
                ledger.record(chosen[i], _letter(i, "alternating"))

            elapsed, _ = timed_calls(record, len(chosen))
            seconds[which] += elapsed
    done = rounds * per_round
    return done / seconds[0], done / seconds[1]


def partition_ratios(plain: list[Measure], partitioned: list[Measure], partitions: int,
                     plain_pages: dict[int, float], partitioned_pages: dict[int, float],
                     records: tuple[float, float]) -> list[Measure]:
    """One `partitions_<key>` measure per measure run on both stores, then the alternating measures."""
    by_key = {m.key: m for m in partitioned}
    ratios = [Measure(f"{m.name} — {partitions} partitions vs none", by_key[m.key].ours, m.ours, m.unit,
                      lower_is_better=m.lower_is_better, key=f"partitions_{m.key}",
                      extra={"baseline_first_store": m.baseline, "baseline_second_store": by_key[m.key].baseline},
                      details=[f"unpartitioned {m.ours:,.1f} {m.unit}, {partitions} partitions "
                               f"{by_key[m.key].ours:,.1f} {m.unit}; the measure's own baseline (the drift of "
                               f"the machine between the two stores): {m.baseline:,.1f} then "
                               f"{by_key[m.key].baseline:,.1f}"])
              for m in plain if m.key in by_key]
    ratios.append(Measure(
        f"record one fact, stores alternating — {partitions} partitions vs none", records[1], records[0],
        "facts/s", key="partitions_record_alternating",
        details=["PointsLedger.record, one thread, rounds of 100 facts on each store in turn"]))
    for size in PAGE_SIZES:
        ratios.append(Measure(
            f"notification pages of {size:,} event(s) — {partitions} partitions vs none",
            partitioned_pages[size], plain_pages[size], "pages/s", key=f"partitions_notifications_{size}",
            details=[f"select_notifications(start, {size}) from random starts: a merge of {partitions} index "
                     "scans on the partitioned store, one index scan on the other"]))
    return ratios
