"""Reading a store the way a test compares it: the raw application sequence and each stream, event for event."""

from __future__ import annotations

from typing import Any

from ledger.application import PointsLedger

Row = tuple[Any, ...]


def application_sequence(ledger: PointsLedger) -> list[Row]:
    """Every stored row, in commit order: (position, stream id, version, topic, stored state bytes)."""
    return [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in ledger.notifications()]


def stream(ledger: PointsLedger, licence_number: str) -> list[tuple[str, int, dict[str, Any]]]:
    """A licence's decoded events: (topic, version, every attribute including the timestamp)."""
    return [(type(e).TOPIC, e.originator_version, dict(vars(e))) for e in ledger.licence_events(licence_number)]


def all_streams(ledger: PointsLedger) -> dict[str, list[tuple[str, int, dict[str, Any]]]]:
    return {number: stream(ledger, number) for number in ledger.licence_numbers()}
