"""A reconciliation split by licence-stream hash: the same pure code on each partition, the report in order.

The extract is read once, here, a block of `BLOCK_ROWS` lines at a time. Each block's readable rows are split by
the hash range of their licence's stream id (`uuid5(number)`, the ranges of `read_model_rebuild.split_streams`,
as a rebuild splits them) and each part is a `RowsJob`: a worker — a Dask worker on this or another machine —
opens its own connection from the job's store settings, reads those licences straight from PostgreSQL (the read
model's intervals, the events of the rows it must fold), runs `Reconciliation.run` on them, and renders each
report row (`Render`: the report writer's own rendering, so the bytes are those of the single-process report).
Only the rows and their rendered lines cross the network; the records never do.

A licence's rows all land in one part, in the extract's order, so the run of consecutive rows of one licence
still shares its folds, and each row's answer is the one the single process gives (it depends only on the row
and the licence's record). The parts' lines are put back in the extract's order block by block; unreadable
lines never leave this process. At most `in_flight` blocks are out at once: memory is bounded by
`in_flight × BLOCK_ROWS` rows whatever the extract's size. With `include_missing`, the licence numbers seen are
kept (as in the single process) and the `missing_from_extract` rows are produced here, after the last block, by
the single-process code (`Reconciliation.missing`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, fields
from datetime import date
from itertools import islice
from operator import attrgetter
from typing import Any, Protocol
from uuid import UUID

from ledger.licence import licence_id
from projections.read_model import BalanceReadModel
from projections.read_model_rebuild import split_streams
from projections.reconciliation.classify import Kind
from projections.reconciliation.extract import BadRow, ExtractRow
from projections.reconciliation.run import Reconciliation, ReconciliationRow, ReconciliationSummary, ledger_loader
from projections.sources import known_states
from projections.worker_ledgers import worker_ledger

BLOCK_ROWS = 4_000  # extract lines read, split and sent out together

Render = Callable[[ReconciliationRow], str]


@dataclass(frozen=True, slots=True)
class RowsJob:
    """One part of one block: the rows of one hash range of licences, and where to read them (picklable)."""

    env: dict[str, str]
    read_model: str | None  # the read model's table the client chose (None: fold every row)
    rows: tuple[tuple[Any, ...], ...]  # `ExtractRow`s as tuples of their fields (`as_fields`)


_FIELDS = attrgetter(*(f.name for f in fields(ExtractRow)))


def as_fields(row: ExtractRow) -> tuple[Any, ...]:
    """A row as the tuple of its fields, in `ExtractRow`'s order: pickled several times faster than the frozen
    dataclass (whose pickling asks `dataclasses.fields` for every row — a third of the client's time)."""
    fields_of_row: tuple[Any, ...] = _FIELDS(row)
    return fields_of_row


@dataclass(frozen=True, slots=True)
class RowsResult:
    """A part's report lines, in its rows' order, and its counts."""

    lines: list[str]
    counts: dict[str, int]  # rows per `Kind` value
    folded_rows: int


class Pending(Protocol):
    """A submitted part (a Dask future, or a part already done here)."""

    def result(self) -> RowsResult: ...


Submit = Callable[[tuple[tuple[Any, ...], ...]], Pending]

def reconcile_rows(job: RowsJob, stale: Set[UUID], render: Render) -> RowsResult:
    """Reconcile one part with the single-process code and render its lines (runs on a worker).

    `stale`: the streams the client found recorded after the read model's position (folded, not read)."""
    ledger = worker_ledger(job.env)
    known = None if job.read_model is None else known_states(BalanceReadModel(ledger, name=job.read_model), stale)
    reconciliation = Reconciliation(ledger_loader(ledger), load_many=ledger.get_records, known=known)
    lines = []
    for row in reconciliation.run(ExtractRow(*values) for values in job.rows):
        assert isinstance(row, ReconciliationRow)  # only readable rows are sent
        lines.append(render(row))
    summary = reconciliation.summary
    return RowsResult(lines, {kind.value: n for kind, n in summary.counts.items()}, summary.folded_rows)


class Done:
    """A part reconciled in this process at once (`local_submit`)."""

    def __init__(self, result: RowsResult) -> None:
        self._result = result

    def result(self) -> RowsResult:
        return self._result


def local_submit(env: dict[str, str], read_model: str | None, stale: Set[UUID], render: Render) -> Submit:
    """Reconcile each part in this process, as it is submitted (the partitioned path without a cluster)."""
    return lambda rows: Done(reconcile_rows(RowsJob(env, read_model, rows), stale, render))


class PartitionedReconciliation:
    """Reconcile an extract by hash parts sent to `submit`; yields each report line (rendered) or unreadable
    line in the extract's order, then the `missing_from_extract` lines when `tail` (a single-process
    reconciliation with `include_missing`) is given. `summary` counts as `Reconciliation.summary` does."""

    def __init__(self, submit: Submit, partitions: int, *, render: Render, in_flight: int = 4,
                 tail: Reconciliation | None = None) -> None:
        if in_flight < 1:
            raise ValueError("in_flight must be at least 1")
        self.submit = submit
        self.partitions = partitions
        self.bounds = [low.int for low, _ in split_streams(partitions)[1:] if low is not None]
        self.render = render
        self.in_flight = in_flight
        self.tail = tail
        self.summary = ReconciliationSummary()

    def partition_of(self, licence_number: str) -> int:
        """The hash range of the licence's stream id (that of the rebuild's `split_streams`)."""
        return bisect_right(self.bounds, licence_id(licence_number).int)

    def run(self, items: Iterable[ExtractRow | BadRow]) -> Iterator[str | BadRow]:
        seen: set[str] = set()
        latest: date | None = None
        pending: deque[tuple[list[ExtractRow | BadRow], list[int], dict[int, Pending]]] = deque()
        iterator = iter(items)
        while block := list(islice(iterator, BLOCK_ROWS)):
            if self.tail is not None:
                for item in block:
                    if item.licence_number:
                        seen.add(item.licence_number)
                    if isinstance(item, ExtractRow):
                        latest = item.extract_date if latest is None else max(latest, item.extract_date)
            pending.append(self._send(block))
            if len(pending) >= self.in_flight:
                yield from self._receive(*pending.popleft())
        while pending:
            yield from self._receive(*pending.popleft())
        if self.tail is not None:
            for row in self.tail.missing(seen, latest):
                yield self.render(row)
            self._count(self.tail.summary.counts, self.tail.summary.folded_rows)

    def _send(self, block: list[ExtractRow | BadRow]) -> tuple[list[ExtractRow | BadRow], list[int],
                                                                   dict[int, Pending]]:
        parts: dict[int, list[ExtractRow]] = {}
        where = [-1] * len(block)
        for n, item in enumerate(block):
            if isinstance(item, ExtractRow):
                where[n] = part = self.partition_of(item.licence_number)
                parts.setdefault(part, []).append(item)
        return block, where, {part: self.submit(tuple(map(as_fields, rows))) for part, rows in sorted(parts.items())}

    def _receive(self, block: list[ExtractRow | BadRow], where: list[int],
                 sent: dict[int, Pending]) -> Iterator[str | BadRow]:
        lines: dict[int, Iterator[str]] = {}
        for part, future in sent.items():
            result = future.result()
            self._count({Kind(kind): n for kind, n in result.counts.items()}, result.folded_rows)
            lines[part] = iter(result.lines)
        for item, part in zip(block, where, strict=True):
            if isinstance(item, BadRow):
                self.summary.bad_rows += 1
                yield item
            else:
                yield next(lines[part])

    def _count(self, counts: Mapping[Kind, int], folded: int) -> None:
        for kind, n in counts.items():
            self.summary.counts[kind] += n
        self.summary.folded_rows += folded
