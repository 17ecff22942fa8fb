"""Write a generated national population (docs/population.md) as a backfill file for `points-ledger import --bulk`.

    python benchmarks/population_file.py --licences 10000 --out population.jsonl   # or population.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.population_cache import generate
from ledger.backfill import columns, lines_of
from ledger.facts import LicenceRecord


def write_backfill(records: list[LicenceRecord], out: Path) -> int:
    """The records as backfill lines (CSV when `out` ends in .csv, else JSON lines); returns the lines written."""
    written = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, columns()) if out.suffix.lower() == ".csv" else None
        if writer is not None:
            writer.writeheader()
        for record in records:
            for values in lines_of(record):
                if writer is None:
                    f.write(json.dumps(values, ensure_ascii=False) + "\n")
                else:
                    speeding = values.pop("speeding", None)
                    if speeding:
                        values.update(speeding_limit_kmh=speeding["limit_kmh"],
                                      speeding_excess_kmh=speeding["excess_kmh"])
                    writer.writerow(values)
                written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--licences", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    lines = write_backfill(generate(args.licences, args.seed), args.out)
    print(f"{args.out}: {args.licences:,} licences, {lines:,} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
