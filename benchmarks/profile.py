"""Profile one measured path with pyinstrument and print where the time goes.

    python benchmarks/profile.py rebuild|asof|http|import|record|record_batch [--licences 5000] [--url …] [--out F]

A small population is bulk-imported into a schema of its own (dropped afterwards); the chosen path runs under
the profiler (`http` profiles the balance route's own work, without the server: read, fold, lean answer). The
findings are summarised in docs/performance.md, which includes the files of benchmarks/results/profiles/.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyinstrument import Profiler

from api.http.balance_answer import balance_answer
from benchmarks.harness import DEFAULT_URL, drop_schema, with_schema
from benchmarks.measures_store import _letter, group_commit
from benchmarks.population_cache import generate
from ledger.application import PointsLedger
from ledger.bulk_import import BulkImporter
from ledger.storage import storage_env
from projections.balance import balance_as_of
from projections.read_model import BalanceReadModel


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", choices=("rebuild", "asof", "http", "import", "record", "record_batch"))
    parser.add_argument("--licences", type=int, default=5_000)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--out", type=Path, default=None, help="write the profile there instead of stdout")
    args = parser.parse_args()
    records = generate(args.licences, seed=1)
    schema = f"bench_profile_{args.path}"
    drop_schema(args.url, schema)
    ledger = PointsLedger(storage_env(with_schema(args.url, schema)))
    profiler = Profiler(interval=0.0005)
    try:
        if args.path == "import":
            profiler.start()
        BulkImporter(ledger).run(records)
        numbers = [r.licence.licence_number for r in records]
        if args.path == "rebuild":
            profiler.start()
            BalanceReadModel(ledger).rebuild()
        elif args.path in ("asof", "http"):
            profiler.start()
            for number in numbers[:2_000]:
                balance = balance_as_of(ledger.get_record(number), date(2024, 12, 31))
                if args.path == "http":
                    balance_answer(balance, explain=False)
        elif args.path == "record":
            profiler.start()
            for i, number in enumerate(numbers[:1_000]):
                ledger.record(number, _letter(i, "profile"))
        elif args.path == "record_batch":
            profiler.start()
            group_commit(ledger, numbers[:4_000], per_save=1_000)
        profiler.stop()
    finally:
        ledger.close()
        drop_schema(args.url, schema)
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    if args.out is None:
        print(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
