"""`run.py --partitions N`: what hash-partitioning the events table by stream costs or buys, store against store.

Every selected measure runs twice in the same run, on an unpartitioned store and on one of N partitions
(`ledger.partitioned_events`); each `partitions_<key>` measure is the partitioned figure against the
unpartitioned one (ratio > 1: the partitioned store is better). The notification pages, which the partitioning
turns from one index scan into a merge of N, are measured here on both stores: one-event pages (the tailing
reader of the API and the service's catch-up when nothing much happened) and 5,000-event pages (a catch-up),
with both stores open and alternating, after the other measures.
"""

from __future__ import annotations

import random

from benchmarks.harness import Measure, timed_calls
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


def partition_ratios(plain: list[Measure], partitioned: list[Measure], partitions: int,
                     plain_pages: dict[int, float], partitioned_pages: dict[int, float]) -> list[Measure]:
    """One `partitions_<key>` measure per measure run on both stores, then one per notification page size."""
    by_key = {m.key: m for m in partitioned}
    ratios = [Measure(f"{m.name} — {partitions} partitions vs none", by_key[m.key].ours, m.ours, m.unit,
                      lower_is_better=m.lower_is_better, key=f"partitions_{m.key}",
                      details=[f"unpartitioned {m.ours:,.1f} {m.unit}, {partitions} partitions "
                               f"{by_key[m.key].ours:,.1f} {m.unit}"])
              for m in plain if m.key in by_key]
    for size in PAGE_SIZES:
        ratios.append(Measure(
            f"notification pages of {size:,} event(s) — {partitions} partitions vs none",
            partitioned_pages[size], plain_pages[size], "pages/s", key=f"partitions_notifications_{size}",
            details=[f"select_notifications(start, {size}) from random starts: a merge of {partitions} index "
                     "scans on the partitioned store, one index scan on the other"]))
    return ratios
