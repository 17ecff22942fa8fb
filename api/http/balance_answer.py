"""The balance answer: lean by default (the figures), the whole explanation on request (`?explain=true`).

Most callers want the figures — points, ceiling, status, probation and the next scheduled changes — and building
the explanation (every movement, letter and anomaly) through pydantic models cost more than folding the law
(docs/performance.md). The lean answer is a plain dict of the projection's values serialised by orjson, with the
shape of `BalanceSummary` (which documents it and which the tests validate it against); `?explain=true` answers
the full `BalanceResponse`, serialised by pydantic's own JSON encoder. Both are returned as ready bytes, so
FastAPI neither validates nor re-encodes them.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response
from pydantic import Field

from api.http.schemas import BalanceResponse, LicenceReading, ProbationView
from projections.balance import Balance, ScheduledChange

# The same text pydantic writes: dates YYYY-MM-DD, UTC datetimes with "Z", enums as their value.
_ORJSON_OPTIONS = orjson.OPT_UTC_Z


class BalanceSummary(LicenceReading):
    """Points at the end of `on`, as the ledger knew them at `known_at`, in `mode`, and what changes next
    (`?explain=true` adds the movements with their articles, letters, anomalies and stage eligibility)."""

    probation: ProbationView
    scheduled: list[ScheduledChange] = Field(description="Next change of each kind if nothing else happens.")


def summary_of(balance: Balance) -> dict[str, Any]:
    """The lean answer's content, field for field `BalanceSummary`."""
    s = balance.state
    return {
        "licence_number": balance.licence_number, "on": balance.on, "known_at": balance.known_at,
        "mode": balance.mode, "points": s.balance, "ceiling": s.ceiling, "status": s.status,
        "probation": {"in_probation": s.in_probation, "start": s.probation_start, "end": s.probation_end,
                      "majorations": s.majorations},
        "scheduled": [{"on": c.on, "kind": c.kind, "points": c.points, "rule": c.rule, "article": c.article}
                      for c in balance.scheduled],
    }


def balance_answer(balance: Balance, explain: bool) -> Response:
    """The JSON answer of `GET /licences/{number}/balance` (lean unless `explain`)."""
    if explain:
        return Response(BalanceResponse.of(balance).model_dump_json(), media_type="application/json")
    return Response(orjson.dumps(summary_of(balance), option=_ORJSON_OPTIONS), media_type="application/json")
