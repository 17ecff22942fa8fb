"""Direct access to a store's tables, as an attacker or a careless operator with database access would have it.

Tests use it to tamper with rows behind the ledger's back (and to count rows), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import psycopg

from ledger.licence import licence_id


class RawStore:
    """The events and chain tables of one store, by SQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgresql")
        if self.postgres:
            parts = urlsplit(url)
            self.schema = parse_qs(parts.query)["schema"][0]
            self.dsn = url.split("?")[0]
            self.events = f'"{self.schema}".pointsledger_events'
            self.chain = f'"{self.schema}".pointsledger_events_chain'
        else:
            self.path = url.split("sqlite:///", 1)[1]
            self.events, self.chain = "stored_events", "event_chain"

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        if self.postgres:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                yield conn
        else:
            with closing(sqlite3.connect(self.path, isolation_level=None)) as conn:
                yield conn

    def run(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        statement = sql.format(events=self.events, chain=self.chain)
        if self.postgres:
            statement = statement.replace("?", "%s")
        with self._connection() as conn:
            cursor = conn.execute(statement, params)
            return list(cursor.fetchall()) if cursor.description is not None else []

    def stream(self, number: str) -> Any:
        stream: UUID = licence_id(number)
        return stream if self.postgres else stream.hex

    def state(self, number: str, version: int) -> bytes:
        return bytes(self.run("SELECT state FROM {events} WHERE originator_id = ? AND originator_version = ?",
                              self.stream(number), version)[0][0])

    def set_state(self, number: str, version: int, state: bytes) -> None:
        self.run("UPDATE {events} SET state = ? WHERE originator_id = ? AND originator_version = ?",
                 state, self.stream(number), version)

    def delete_event(self, number: str, version: int) -> None:
        self.run("DELETE FROM {events} WHERE originator_id = ? AND originator_version = ?",
                 self.stream(number), version)

    def insert_event(self, number: str, version: int, topic: str, state: bytes) -> None:
        self.run("INSERT INTO {events} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
                 self.stream(number), version, topic, state)

    def topic(self, number: str, version: int) -> str:
        return str(self.run("SELECT topic FROM {events} WHERE originator_id = ? AND originator_version = ?",
                            self.stream(number), version)[0][0])

    def set_chain_hash(self, number: str, version: int, digest: bytes) -> None:
        self.run("UPDATE {chain} SET hash = ? WHERE originator_id = ? AND originator_version = ?",
                 digest, self.stream(number), version)

    def chain_hash(self, number: str, version: int) -> bytes:
        return bytes(self.run("SELECT hash FROM {chain} WHERE originator_id = ? AND originator_version = ?",
                              self.stream(number), version)[0][0])

    def count_events(self) -> int:
        return int(self.run("SELECT COUNT(*) FROM {events}")[0][0])
