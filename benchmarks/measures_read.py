"""Reading: one licence's as-of balance in process, and the national queries (all balances on a day, rebuild)."""

from __future__ import annotations

import os
from datetime import date

from benchmarks.harness import Measure, percentile, stopwatch, timed_calls
from ledger.application import PointsLedger
from ledger.facts import LicenceRecord
from ledger.licence import licence_id
from projections.balance import balance_as_of
from projections.folded_timelines import FoldedTimelines
from projections.read_model import BalanceReadModel

ON = date(2024, 12, 31)
TEN_MILLION = 10_000_000
SINGLE_PROCESS_REBUILD_MAX_EVENTS = 2_000_000  # above this, the one-process comparison is skipped (time)


def as_of_one_licence(ledger: PointsLedger, records: list[LicenceRecord], count: int = 2_000) -> Measure:
    """What the balance route does in process — `current_record` (the version check, the record kept per stream
    version) and the balance read off the timeline kept per (licence, version, mode) (`FoldedTimelines`,
    decision 0057) — vs fetching the licence's rows. Warm: every licence read once before the timed pass, as a
    running service finds them. The details give the same call folding afresh each time (no timeline kept), the
    fold without the forecast, and the read model's lookup."""
    step = max(1, len(records) // count)
    numbers = [r.licence.licence_number for r in records[::step]][:count]
    streams = [licence_id(n) for n in numbers]
    timelines = FoldedTimelines(len(numbers))

    def ours(i: int) -> None:
        current = ledger.current_record(numbers[i])
        timelines.balance(current.record, current.version, ON)

    def fresh_fold(i: int) -> None:
        balance_as_of(ledger.get_record(numbers[i]), ON)

    def raw(i: int) -> None:
        ledger.recorder.select_events(streams[i])

    for call in (ours, raw):  # warm: the rows are in PostgreSQL's cache, the code paths are hot
        timed_calls(call, len(numbers))
    seconds, latencies = timed_calls(ours, len(numbers))
    base_seconds, base_latencies = timed_calls(raw, len(numbers))
    folded, fold_latencies = timed_calls(fresh_fold, len(numbers))
    no_forecast, _ = timed_calls(
        lambda i: balance_as_of(ledger.get_record(numbers[i]), ON, with_forecast=False), len(numbers))
    model = BalanceReadModel(ledger)
    model.create_tables()
    model.catch_up()
    lookup, _ = timed_calls(lambda i: model.state_on(numbers[i], ON), len(numbers))
    return Measure(
        "as-of balance of one licence, warm (calls/s)", len(numbers) / seconds, len(numbers) / base_seconds,
        "calls/s", target_ratio=0.5, key="asof", p99_ms=percentile(latencies, 0.99) * 1e3,
        extra={"fresh_fold_per_s": len(numbers) / folded, "fresh_fold_ratio": base_seconds / folded},
        details=[f"p50 {percentile(latencies, 0.5) * 1e3:.2f} ms vs raw {percentile(base_latencies, 0.5) * 1e3:.2f} ms "
                 "(the route's path: version check, kept record, kept timeline)",
                 f"folding afresh at each call (no timeline kept): {len(numbers) / folded:,.0f} calls/s, "
                 f"p50 {percentile(fold_latencies, 0.5) * 1e3:.2f} ms, ratio {base_seconds / folded:.2f}×; "
                 f"without the forecast: {len(numbers) / no_forecast:,.0f} calls/s",
                 f"read model lookup (balance, ceiling, status only): {len(numbers) / lookup:,.0f} calls/s"])


def raw_scan(ledger: PointsLedger) -> tuple[float, int]:
    """Every event row, in stream order, through a server-side cursor: the floor of any full fold."""
    recorder = ledger.recorder
    datastore = recorder.datastore  # type: ignore[attr-defined]
    table = f'"{datastore.schema}".{recorder.events_table_name}'  # type: ignore[attr-defined]
    count = 0
    with stopwatch() as elapsed, datastore.get_connection() as conn, conn.transaction(), \
            conn.cursor(name="raw_scan") as curs:
        conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        curs.itersize = 20_000
        curs.execute(f"SELECT originator_id, originator_version, topic, state FROM {table} "
                     "ORDER BY originator_id, originator_version")
        for _ in curs:
            count += 1
    return elapsed[0], count


def national(ledger: PointsLedger, workers: int | None = None) -> list[Measure]:
    """Full rebuild of the read model and all balances on a day, each against a raw scan of the events."""
    workers = workers or os.cpu_count() or 1
    scan_seconds, events = raw_scan(ledger)
    model = BalanceReadModel(ledger)
    with stopwatch() as rebuilt:
        progress = model.rebuild(workers=workers)
    single: list[float] | None = None
    if workers > 1 and events <= SINGLE_PROCESS_REBUILD_MAX_EVENTS:
        with stopwatch() as single:
            model.rebuild(workers=1)
    with stopwatch() as answered:
        licences = sum(1 for _ in model.balances_on(ON))
    rate = progress.events / rebuilt[0]
    ten_million = TEN_MILLION / rate
    return [
        Measure("full projection rebuild (events/s)", rate, events / scan_seconds, "ev/s", target_ratio=0.3,
                checks={"10 M events ≤ 5 min": ten_million <= 300}, key="rebuild",
                details=[f"{progress.events:,} events, {progress.licences:,} licences in {rebuilt[0]:.1f} s "
                         f"({workers} processes)" + (f"; one process: {single[0]:.1f} s" if single else ""),
                         f"10 M events: ≈ {ten_million / 60:.1f} min (extrapolated)",
                         f"raw scan: {events:,} rows in {scan_seconds:.1f} s"]),
        Measure("balances of all licences on a day (s)", answered[0], scan_seconds, "s", target_ratio=0.3,
                lower_is_better=True, key="national",
                details=[f"{licences:,} balances on {ON} from the read model; baseline: raw scan of the events"]),
    ]


def catch_up(ledger: PointsLedger, records: list[LicenceRecord], count: int = 5_000) -> Measure:
    """Incremental catch-up after `count` new facts vs reading the same notifications raw."""
    from benchmarks.measures_store import group_commit

    model = BalanceReadModel(ledger)
    model.create_tables()
    model.catch_up()
    start = model.position()
    group_commit(ledger, [r.licence.licence_number for r in records[:count]], tag="catch-up")
    with stopwatch() as elapsed:
        progress = model.catch_up()
    with stopwatch() as raw:
        rows = list(ledger.notifications(start + 1))
    return Measure("read model catch-up (events/s)", progress.events / elapsed[0], len(rows) / raw[0], "ev/s",
                   key="catch_up",
                   details=[f"{progress.events:,} new events, {progress.licences:,} licences refolded in "
                            f"{elapsed[0]:.2f} s (whole streams reloaded); baseline: reading the same "
                            "notifications"])
