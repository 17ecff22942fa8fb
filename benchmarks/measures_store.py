"""Writing: the bulk import against a raw COPY, and one fact through `PointsLedger.record` against a plain save."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from uuid import uuid4

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from benchmarks.harness import Measure, base_url, drop_schema, percentile, stopwatch, timed_calls
from ledger.application import PointsLedger
from ledger.batch_write import Refused
from ledger.bulk_import import BulkImporter
from ledger.facts import LetterNotified, LicenceRecord
from ledger.storage import storage_env
from ledger.values import LetterCode

COPY_BASELINE_MAX_ROWS = 2_000_000
NOTIFIED_ON = date(2025, 6, 30)
RECORDED_AT = datetime(2025, 7, 1, tzinfo=UTC)  # unused by `record` (the event's own clock stamps it)


def bulk_import(ledger: PointsLedger, records: list[LicenceRecord], url: str, schema: str,
                again_url: str | None = None) -> Measure:
    """The whole population through `BulkImporter` vs binary COPY of the same stored rows and their hash-chain rows
    into look-alike tables (the import writes both).

    With `again_url` (an empty store of the same kind), the import and the COPY are each measured twice,
    alternating — import, COPY, import again into `again_url` (then dropped), COPY again — and each side's
    figure is the mean of its two: one COPY of the 10 k population lasts about a second, and two of them taken
    a minute apart differed by up to 60 % on this machine (checkpoints, autovacuum, other processes).
    """
    with stopwatch() as elapsed:
        report = BulkImporter(ledger).run(records)
    rates = [report.events_written / elapsed[0]]
    with stopwatch() as rerun:
        again = BulkImporter(ledger).run(records)
    copies = [_copy_baseline(url, schema)]
    if again_url is not None:
        second = PointsLedger(storage_env(again_url))
        try:
            with stopwatch() as repeated:
                written = BulkImporter(second).run(records).events_written
            rates.append(written / repeated[0])
        finally:
            second.close()
            drop_schema(url, dict(parse_qsl(urlsplit(again_url).query))["schema"])
        copies.append(_copy_baseline(url, schema))
    ours = sum(rates) / len(rates)
    baseline = sum(c[1] for c in copies) / len(copies)
    events_only = sum(c[0] for c in copies) / len(copies)
    details = [f"{report.licences_written:,} licences, {report.events_written:,} events in {elapsed[0]:.1f} s",
               "import, events/s: " + ", ".join(f"{r:,.0f}" for r in rates)
               + (" (alternating with the COPYs; the figure is their mean)" if len(rates) > 1 else ""),
               f"re-run (everything present, nothing written): {rerun[0]:.1f} s, "
               f"{again.licences_present:,} licences skipped",
               f"COPY baseline: {copies[0][2]:,} events and their {copies[0][2]:,} hash-chain rows in one "
               "transaction (binary COPY, same rows), events/s: " + ", ".join(f"{c[1]:,.0f}" for c in copies)
               + f"; the events alone: {events_only:,.0f} rows/s (ratio {ours / events_only:.2f}×)"]
    if report.rejected:
        details.append(f"{len(report.rejected)} licences rejected")
    return Measure("bulk import (events/s)", ours, baseline, "ev/s", target_ratio=0.5, details=details, key="import",
                   extra={"events_only_copy_per_s": events_only, "events_only_ratio": ours / events_only})


def _copy_baseline(url: str, schema: str) -> tuple[float, float, int]:
    """Binary COPY of what the import wrote — the events, then the events and their hash-chain rows in one
    transaction (what the import must write too) — into look-alike tables: (events alone, events/s with the
    chain, events copied)."""
    table, chain = f'"{schema}".pointsledger_events', f'"{schema}".pointsledger_events_chain'
    copy_table, copy_chain = f'"{schema}".copy_baseline_events', f'"{schema}".copy_baseline_chain'
    with psycopg.connect(base_url(url)) as conn:
        rows = conn.execute(f"SELECT originator_id, originator_version, topic, state FROM {table} "
                            f"ORDER BY notification_id LIMIT {COPY_BASELINE_MAX_ROWS}").fetchall()
        chain_rows = conn.execute(f"SELECT originator_id, originator_version, hash FROM {chain} "
                                  f"ORDER BY seq LIMIT {len(rows)}").fetchall()
        rates = []
        for with_chain in (False, True):
            conn.execute(f"CREATE TABLE {copy_table} (originator_id uuid NOT NULL, originator_version bigint "
                         "NOT NULL, topic text, state bytea, notification_id bigserial, "
                         "PRIMARY KEY (originator_id, originator_version))")
            conn.execute(f"CREATE UNIQUE INDEX ON {copy_table} (notification_id)")
            conn.execute(f"CREATE TABLE {copy_chain} (seq bigserial PRIMARY KEY, originator_id uuid NOT NULL, "
                         "originator_version bigint NOT NULL, hash bytea NOT NULL, "
                         "UNIQUE (originator_id, originator_version))")
            conn.commit()
            with stopwatch() as copy_elapsed:
                with conn.cursor() as curs:
                    with curs.copy(f"COPY {copy_table} (originator_id, originator_version, topic, state) "
                                   "FROM STDIN (FORMAT BINARY)") as copy:
                        copy.set_types(["uuid", "int8", "text", "bytea"])
                        for row in rows:
                            copy.write_row(row)
                    if with_chain:
                        with curs.copy(f"COPY {copy_chain} (originator_id, originator_version, hash) "
                                       "FROM STDIN (FORMAT BINARY)") as copy:
                            copy.set_types(["uuid", "int8", "bytea"])
                            for row in chain_rows:
                                copy.write_row(row)
                conn.commit()
            rates.append(len(rows) / copy_elapsed[0])
            conn.execute(f"DROP TABLE {copy_table}, {copy_chain}")
            conn.commit()
    return rates[0], rates[1], len(rows)


class Plain(Aggregate):
    """The baseline aggregate: no checks, one kind of event."""

    def __init__(self) -> None:
        self.count = 0

    @event("Bumped")
    def bump(self, note: str) -> None:
        self.count += 1


class PlainApplication(Application[Any]):
    """The library's plain application (default projector, default transcodings)."""


def _letter(i: int, tag: str) -> LetterNotified:
    return LetterNotified(fact_id=uuid4().hex, recorded_at=RECORDED_AT, recorded_by="benchmark",
                          evidence_ref=f"BENCH-{tag}-{i}", code=LetterCode.L48, notified_on=NOTIFIED_ON)


def record_one_fact(ledger: PointsLedger, env: dict[str, str], records: list[LicenceRecord],
                    count: int = 2_000) -> Measure:
    """`PointsLedger.record` (load, check, save one event) vs the library's load → change → save of a plain
    aggregate whose stream has the same length; one thread each. The measured pass writes to licences no write
    has touched yet (nothing cached); a second pass on the same licences shows the cached path, then four
    threads, then `record_many` in process.
    """
    chosen = records[-count:]
    numbers = [r.licence.licence_number for r in chosen]
    stream_length = round(sum(1 + len(r.facts) for r in chosen) / len(chosen))

    plain = PlainApplication({**env})
    aggregates = []
    for _ in range(len(numbers)):
        aggregate = Plain()
        for _ in range(stream_length - 1):
            aggregate.bump("history")
        aggregates.append(aggregate)
    plain.save(*aggregates)

    def plain_save(i: int) -> None:
        loaded: Plain = plain.repository.get(aggregates[i].id)
        loaded.bump("benchmark")
        plain.save(loaded)

    half = len(numbers) // 2  # alternate halves of ours and the baseline: the machine's drift hits both
    first, first_lat = timed_calls(lambda i: ledger.record(numbers[i], _letter(i, "single")), half)
    base1, base1_lat = timed_calls(plain_save, half)
    second, second_lat = timed_calls(lambda i: ledger.record(numbers[half + i], _letter(half + i, "single")),
                                     len(numbers) - half)
    base2, base2_lat = timed_calls(lambda i: plain_save(half + i), len(numbers) - half)
    plain.close()
    ours, baseline = len(numbers) / (first + second), len(numbers) / (base1 + base2)
    latencies, base_latencies = first_lat + second_lat, base1_lat + base2_lat

    warm, warm_latencies = timed_calls(lambda i: ledger.record(numbers[i], _letter(i, "warm")), len(numbers))
    with stopwatch() as threaded, ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: ledger.record(numbers[i], _letter(i, "threads")), range(len(numbers))))
    with stopwatch() as grouped:
        group_commit(ledger, numbers)
    return Measure(
        "record one fact (facts/s, 1 thread)", ours, baseline, "facts/s", target_ratio=1.0, key="record",
        p99_ms=percentile(latencies, 0.99) * 1e3,
        extra={"p50_ms": percentile(latencies, 0.5) * 1e3, "baseline_p50_ms": percentile(base_latencies, 0.5) * 1e3,
               "cached_facts_per_s": len(numbers) / warm},
        details=[f"stream length ≈ {stream_length} events; licences not cached: p50 "
                 f"{percentile(latencies, 0.5) * 1e3:.2f} ms, p99 {percentile(latencies, 0.99) * 1e3:.2f} ms "
                 f"(plain p50 {percentile(base_latencies, 0.5) * 1e3:.2f} ms)",
                 f"second fact on the same licences (cached by the first write: no read): "
                 f"{len(numbers) / warm:,.0f} facts/s, p50 {percentile(warm_latencies, 0.5) * 1e3:.2f} ms",
                 f"4 threads: {len(numbers) / threaded[0]:,.0f} facts/s",
                 f"record_many in process, 500 facts per call: {len(numbers) / grouped[0]:,.0f} facts/s"])


def group_commit(ledger: PointsLedger, numbers: list[str], per_save: int = 500, tag: str = "group") -> None:
    """`record_many`: one letter for each licence, `per_save` facts per transaction."""
    for start in range(0, len(numbers), per_save):
        outcomes = ledger.record_many([(numbers[i], _letter(i, tag))
                                       for i in range(start, min(start + per_save, len(numbers)))])
        assert not any(isinstance(o, Refused) for o in outcomes)
