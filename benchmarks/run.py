"""Run every benchmark at one scale and print, for each measure, the project's figure, the baseline's and the ratio.

    python benchmarks/run.py --scale 100k [--url postgresql://postgres@127.0.0.1:5432/test] [--seed 1] [--json FILE]

The run creates its own PostgreSQL schema (dropped at the end unless --keep-schema), generates (or reads from
the cache) the synthetic population, and measures, each against a baseline taken in the same run:
bulk import vs COPY, one recorded fact vs the library's plain save, one as-of balance vs a raw fetch, the API
over HTTP vs a bare FastAPI endpoint, the read model rebuild and all balances on a day vs a raw scan, and the
reconciliation of an extract. See docs/performance.md. `--partitions N` runs the selected measures again on a
store of N hash partitions and adds `partitions_*` ratios against the unpartitioned store
(`benchmarks/measures_partitions.py`, docs/decisions/0042-partitions.md).

`--json FILE` writes one object per measure under fixed keys (`JSON_KEYS`), each with `value`, `unit`,
`baseline`, `ratio`, `target` and `met` (plus `p99_ms` where there is latency, `extrapolated_1m_s` for the
reconciliation, and the measure's details); `benchmarks/render_performance.py` turns such files into
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console

from benchmarks import (
    measures_distributed,
    measures_http,
    measures_integrity,
    measures_partitions,
    measures_read,
    measures_scale,
    measures_store,
)
from benchmarks.calibration import calibrate
from benchmarks.harness import (
    DEFAULT_URL,
    Measure,
    drop_schema,
    machine_description,
    print_report,
    schema_name,
    with_schema,
)
from benchmarks.population import SCALES, scale_size
from benchmarks.population_cache import cached_population, default_cache_dir
from ledger.application import PointsLedger
from ledger.facts import LicenceRecord
from ledger.storage import storage_env

MEASURES = ("import", "record", "record_batch", "asof", "http", "national", "reconcile", "verify", "dask", "reports")
# The fixed keys of `--json` (`national` runs the rebuild, all balances on a day and the catch-up).
JSON_KEYS = ("import", "record", "record_batch", "asof", "http", "rebuild", "national", "reconcile", "verify",
             "catch_up", "dask", "reports", "reconcile_dask", "flow")
CALIBRATION_SAMPLE = 20_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="10k", help="population size")
    parser.add_argument("--url", default=os.environ.get("POINTS_LEDGER_BENCH_URL", DEFAULT_URL),
                        help="PostgreSQL server (env POINTS_LEDGER_BENCH_URL); a schema is created in it")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default=",".join(MEASURES), help=f"comma-separated subset of {MEASURES}")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir(),
                        help="where generated populations are kept ('' to disable)")
    parser.add_argument("--http-seconds", type=float, default=15.0, help="duration of each HTTP load run")
    parser.add_argument("--keep-schema", action="store_true", help="leave the benchmark schema in place")
    parser.add_argument("--partitions", type=int, default=0,
                        help="also run the measures on a store of N hash partitions (partitions_* ratios)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    only = {m.strip() for m in args.only.split(",") if m.strip()}
    unknown = only - set(MEASURES)
    if unknown:
        console.print(f"unknown measures: {', '.join(sorted(unknown))}")
        return 2
    size = scale_size(args.scale)
    started = time.perf_counter()
    console.print(f"[bold]points-ledger benchmarks[/] — scale {args.scale} ({size:,} licences), seed {args.seed}, "
                  f"{machine_description()}")
    cache_dir = args.cache_dir if str(args.cache_dir) else None
    t0 = time.perf_counter()
    records, cached = cached_population(size, args.seed, cache_dir)
    events = sum(1 + len(r.facts) for r in records)
    console.print(f"population: {len(records):,} licences, {events:,} events "
                  f"({'cache' if cached else 'generated'} in {time.perf_counter() - t0:.1f} s)")
    sample = calibrate(records[:CALIBRATION_SAMPLE])
    console.print(f"calibration (first {sample.licences:,} licences, year 2024, scaled to 40 M licences):")
    for name, ours, national in sample.rows()[1:]:
        console.print(f"  {name}: {ours} (national {national})")

    schema = schema_name(args.scale)
    if not args.partitions:
        measures = measure_store(args, only, records, schema, started, console, partitions=0)
    else:
        split = f"{schema}_p{args.partitions}"
        try:
            measures = measure_store(args, only, records, schema, started, console, partitions=0)
            console.print(f"[bold]the same measures on a store of {args.partitions} hash partitions[/]")
            partitioned = measure_store(args, only, records, split, started, console, partitions=args.partitions)
            pages = alternating(args, schema, split, records)
        finally:
            for dropped in (schema, split):
                if not args.keep_schema:
                    drop_schema(args.url, dropped)
        measures += measures_partitions.partition_ratios(measures, partitioned, args.partitions, *pages)
    title = (f"scale {args.scale}: {len(records):,} licences, {events:,} events — "
             f"total {time.perf_counter() - started:.0f} s")
    print_report(console, measures, title)
    if args.json is not None:
        write_json(args.json, measures, {"scale": args.scale, "licences": len(records), "events": events,
                                         "seed": args.seed, "machine": machine_description(), "title": title})
    return 0


def store_url(args: argparse.Namespace, schema: str, partitions: int) -> str:
    return with_schema(args.url, schema) + (f"&partitions={partitions}" if partitions else "")


def measure_store(args: argparse.Namespace, only: set[str], records: list[LicenceRecord], schema: str,
                  started: float, console: Console, *, partitions: int) -> list[Measure]:
    """The selected measures on a new store in `schema` (hash-partitioned in `partitions` if not 0); with
    `--partitions`, the schema is dropped by the caller, after the notification pages."""
    url = store_url(args, schema, partitions)
    env = storage_env(url, pool_size=8)
    ledger = PointsLedger(env)
    measures: list[Measure] = []
    try:
        def step(name: str) -> bool:
            if name in only:
                console.print(f"[dim]{time.perf_counter() - started:6.0f} s[/] measuring {name}…")
                return True
            return False

        if step("import") or only & set(MEASURES):
            measures.append(measures_store.bulk_import(ledger, records, args.url, schema,
                                                       again_url=store_url(args, f"{schema}_again", partitions)
                                                       if "import" in only else None))
        if step("record"):
            measures.append(measures_store.record_one_fact(ledger, env, records))
        if step("record_batch"):
            measures.append(measures_http.record_batch_over_http(url, records))
        if step("national"):
            measures.extend(measures_read.national(ledger))
            measures.append(measures_read.catch_up(ledger, records))
        if step("asof"):
            measures.append(measures_read.as_of_one_licence(ledger, records))
        if step("http"):
            measures.extend(measures_http.as_of_over_http(url, records, seconds=args.http_seconds))
        if step("verify"):
            measures.append(measures_integrity.verify_chains(ledger))
        if step("reconcile"):
            # the distributed engineer's measures (benchmarks/measures_distributed.py): 1 M rows, and the flow
            measures.extend(measures_distributed.reconcile_flow(args.url, records, args.scale))
        if step("dask"):  # the scale engineer's measures (benchmarks/measures_scale.py)
            measures.append(measures_scale.dask_rebuild(ledger))
        if step("reports"):
            measures.append(measures_scale.reports(ledger))
    finally:
        ledger.close()
        if not args.keep_schema and not args.partitions:
            drop_schema(args.url, schema)
    return measures


def alternating(args: argparse.Namespace, plain: str, split: str, records: list[LicenceRecord]
                ) -> tuple[dict[int, float], dict[int, float], tuple[float, float]]:
    """Notification pages and recorded facts per second on the unpartitioned store and on the partitioned one,
    the two stores alternating (`benchmarks.measures_partitions`)."""
    stores = [PointsLedger(storage_env(store_url(args, schema, partitions)))
              for schema, partitions in ((plain, 0), (split, args.partitions))]
    try:
        pages = measures_partitions.notification_pages(*stores)
        numbers = [r.licence.licence_number for r in records[: len(records) // 2]]  # untouched by `record`
        return (*pages, measures_partitions.record_rates(*stores, numbers))
    finally:
        for ledger in stores:
            ledger.close()


def write_json(path: Path, measures: list[Measure], run: dict[str, object]) -> None:
    """One object per measure under its fixed key, and `run` (scale, population, machine) under `_run`."""
    results: dict[str, object] = {"_run": {**run, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}}
    for measure in measures:
        if measure.key not in JSON_KEYS and not measure.key.startswith("partitions_"):
            raise ValueError(f"measure {measure.name!r} has no fixed JSON key")
        results[measure.key] = measure.as_json()
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
