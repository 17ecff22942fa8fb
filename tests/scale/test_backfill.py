"""The backfill formats read back exactly the records they were written from, and a bad line rejects its
licence with the line, the field and the reason."""

from __future__ import annotations

import csv
import io
import json

from benchmarks.population import population
from ledger.backfill import BadLicence, columns, csv_lines, json_lines, lines_of, read_records


def test_json_lines_and_csv_read_back_the_records_they_were_written_from() -> None:
    records = list(population(60, seed=3))
    text = "".join(json.dumps(values) + "\n" for r in records for values in lines_of(r))
    assert list(read_records(json_lines(io.StringIO(text)))) == records

    out = io.StringIO()
    writer = csv.DictWriter(out, columns())
    writer.writeheader()
    for record in records:
        for values in lines_of(record):
            speeding = values.pop("speeding", None)
            if speeding:
                values.update(speeding_limit_kmh=speeding["limit_kmh"], speeding_excess_kmh=speeding["excess_kmh"])
            writer.writerow(values)
    assert list(read_records(csv_lines(io.StringIO(out.getvalue())))) == records


def test_a_bad_line_rejects_its_whole_licence_and_names_the_line_and_field() -> None:
    good, other = population(2, seed=4)
    lines = [json.dumps(v) for v in lines_of(good)]
    bad = [json.dumps(v) for v in lines_of(other)]
    broken = json.loads(bad[-1]) if len(bad) > 1 else json.loads(bad[0])
    broken["recorded_at"] = "2024-13-01T00:00:00+00:00"
    bad[-1] = json.dumps(broken)
    text = "\n".join([*lines, *bad, "{not json", '{"licence_number": "Z1", "type": "offence"}']) + "\n"

    found = list(read_records(json_lines(io.StringIO(text))))

    assert found[0] == good
    assert found[1] == BadLicence(other.licence_number, len(lines) + len(bad), "recorded_at", found[1].reason)
    assert isinstance(found[2], BadLicence) and found[2].field == "line" and "not JSON" in found[2].reason
    assert isinstance(found[3], BadLicence) and found[3].licence_number == "Z1"
