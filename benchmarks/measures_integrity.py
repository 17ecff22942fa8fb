"""Verifying the hash chains: `points-ledger verify`'s own function against a raw scan of the same rows.

- In `run.py` (key `verify`): every chain of the benchmark's PostgreSQL store (the imported population), against
  `measures_read.raw_scan` (every event row in stream order, decoding nothing), with the 1 M-events time
  extrapolated from the rate.
- Alone, at the issue's scale: `python -m benchmarks.measures_integrity --events 1000000 [--url URL]` builds a
  store of that many chained events (real encoded events of the demo licences, copied under new stream ids, so
  the rows have the size of real ones), then times `verify` over it. SQLite by default.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventsourcing.persistence import StoredEvent

from benchmarks.harness import Measure
from benchmarks.measures_read import raw_scan
from ledger.application import PointsLedger
from ledger.chain import GENESIS
from ledger.chain_store import chain_rows, chain_tables
from ledger.storage import storage_env
from ledger.verify import verify

TARGET_1M_SECONDS = 60.0


def verify_chains(ledger: PointsLedger) -> Measure:
    """`verify` over the whole store vs a raw ordered scan of the event rows."""
    started = time.perf_counter()
    result = verify(ledger.recorder)
    elapsed = time.perf_counter() - started
    baseline_s, rows = raw_scan(ledger)
    rate = result.events / elapsed if elapsed else 0.0
    extrapolated = 1_000_000 / rate if rate else float("inf")
    return Measure(
        "verify every hash chain", rate, rows / baseline_s if baseline_s else 0.0, "events/s",
        checks={f"1 M events ≤ {TARGET_1M_SECONDS:g} s": extrapolated <= TARGET_1M_SECONDS,
                "no problem found": result.ok},
        details=[f"{result.events:,} events of {result.streams:,} licences in {elapsed:.1f} s; "
                 f"raw scan {baseline_s:.1f} s; 1 M events ≈ {extrapolated:.0f} s"],
        key="verify", extrapolated_1m_s=extrapolated)


def _template_streams(url: str) -> list[list[StoredEvent]]:
    """The demo licences' stored events (one list per licence), recorded in a scratch store."""
    from api.cli.demo_licences import demo_licences
    from api.clock import now_utc

    scratch = PointsLedger(storage_env(url))
    try:
        for demo in demo_licences(now_utc()):
            scratch.create_licence(demo.licence)
            for fact in demo.facts:
                scratch.record(demo.licence.licence_number, fact)
        streams: dict[Any, list[StoredEvent]] = {}
        for notification in scratch.notifications():
            streams.setdefault(notification.originator_id, []).append(
                StoredEvent(notification.originator_id, notification.originator_version, notification.topic,
                            bytes(notification.state)))
        return list(streams.values())
    finally:
        scratch.close()


def build_store(url: str, events: int, batch: int = 20_000) -> int:
    """A store of about `events` chained events (the demo streams copied under new ids); returns the count."""
    templates = _template_streams(f"sqlite:///{Path('/tmp') / f'verify-templates-{uuid4().hex}.sqlite'}")
    ledger = PointsLedger(storage_env(url))
    written = 0
    try:
        recorder: Any = ledger.recorder
        tables = chain_tables(recorder)
        pending: list[StoredEvent] = []
        while written < events:
            for template in templates:
                stream = uuid4()
                pending.extend(StoredEvent(stream, e.originator_version, e.topic, e.state) for e in template)
            if len(pending) >= batch or written + len(pending) >= events:
                _write(recorder, tables, pending)
                written += len(pending)
                pending = []
        return written
    finally:
        ledger.close()


def _write(recorder: Any, tables: Any, stored: list[StoredEvent]) -> None:
    heads: dict[UUID, bytes] = {event.originator_id: GENESIS for event in stored
                                if isinstance(event.originator_id, UUID)}
    rows = chain_rows(stored, heads)
    with recorder.datastore.transaction(commit=True) as curs:
        raw = getattr(curs, "sqlite_cursor", curs)
        if tables.placeholder == "?" and hasattr(curs, "sqlite_cursor"):
            raw.executemany(f"INSERT INTO {recorder.events_table_name} VALUES (?, ?, ?, ?)",
                            [(e.originator_id.hex, e.originator_version, e.topic, e.state) for e in stored])
        else:
            recorder._insert_stored_events(curs, stored)
        tables.insert(raw, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--url", default=None, help="store URL (default: a new SQLite file in /tmp)")
    parser.add_argument("--existing", action="store_true", help="verify the store at --url as it is")
    args = parser.parse_args(argv)
    url = args.url or f"sqlite:///{Path('/tmp') / f'verify-bench-{uuid4().hex}.sqlite'}"
    if not args.existing:
        started = time.perf_counter()
        count = build_store(url, args.events)
        print(f"store: {count:,} chained events in {time.perf_counter() - started:.1f} s ({url})")
    ledger = PointsLedger(storage_env(url))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        result = verify(ledger.recorder)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        ledger.close()
    print(f"verify: {result.events:,} events of {result.streams:,} licences in {elapsed:.1f} s "
          f"({result.events / elapsed:,.0f} events/s; CPU {cpu:.1f} s), {len(result.problems)} problem(s); "
          f"target: 1 M events ≤ {TARGET_1M_SECONDS:g} s")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
