"""A report row's CSV cells are its JSON values as text (missing values empty, fact ids space-separated), for
rows of every kind: the CSV report, built directly from the row for speed, says what the JSON report says."""

from __future__ import annotations

import io

from projections.reconciliation.classify import Kind
from projections.reconciliation.extract import open_extract
from projections.reconciliation.run import REPORT_COLUMNS, Reconciliation, ReconciliationRow
from tests.reconciliation.large_extract import extract_lines, population


def test_the_csv_cells_of_every_kind_of_row_are_its_json_values_as_text() -> None:
    records = {record.licence_number: record for record in population(30)}
    reconciliation = Reconciliation(records.get, include_missing=True, licence_numbers=lambda: [*records, "L999"])
    text = "".join(extract_lines(1500, 25))
    rows = [r for r in reconciliation.run(open_extract(io.StringIO(text, newline="")))
            if isinstance(r, ReconciliationRow)]

    assert {r.kind for r in rows} >= set(Kind) - {Kind.LEDGER_ERROR, Kind.STAGE_PENDING}
    for row in rows:
        values = row.as_json()
        values["fact_ids"] = " ".join(row.fact_ids)
        assert row.as_csv() == {name: "" if values[name] is None else str(values[name]) for name in REPORT_COLUMNS}
