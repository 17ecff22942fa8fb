"""The RGPD access log: who consulted which licence, when, and by which route (table `read_audit`).

Each read of a licence (and each whole-ledger report) is one row: the moment, the token's subject, role and id
(never its secret: the log is built from the authenticated caller, after the token was checked), the licence
number when the route names one, the method, route template and status. It lives beside the ledger's events (same
SQLite file, or same PostgreSQL database and schema), written before the answer leaves, and is read by auditors
(`GET /audit/reads`, `points-ledger audit reads`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from api.pool import postgres_datastore
from ledger.application import PointsLedger
from ledger.storage import ensure_postgres_schema

TABLE = "read_audit"
COLUMNS = "id, at, subject, role, token_id, licence_number, method, route, status"


@dataclass(frozen=True, slots=True)
class Consultation:
    """One consultation to append: the columns of a row but its id."""

    at: datetime
    subject: str
    role: str
    token_id: str
    licence_number: str | None
    method: str
    route: str
    status: int

    def row(self) -> list[Any]:
        """The values in column order (`COLUMNS` without the id)."""
        return [getattr(self, name) for name in _CONSULTATION_FIELDS]


_CONSULTATION_FIELDS = tuple(f.name for f in fields(Consultation))
_INSERTED = ", ".join(_CONSULTATION_FIELDS)  # the columns an append writes (`COLUMNS` without the id)
_TYPED_ROW = "(%s::timestamptz, %s::text, %s::text, %s::text, %s::text, %s::text, %s::text, %s::integer)"
VALUES_ROWS = 8  # rows appended as plain parameters at most; a larger batch goes as arrays


@dataclass(frozen=True, slots=True)
class AccessEntry(Consultation):
    """One consultation as stored: a `Consultation` and the id the log gave it."""

    id: int = field(kw_only=True)

    def as_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": self.id, **{name: getattr(self, name) for name in _CONSULTATION_FIELDS}}
        entry["at"] = self.at.isoformat()
        return entry


class AccessLog:
    """Append and query the access log in the store named by the ledger's storage env."""

    def __init__(self, env: dict[str, str], *, connection: Any = None, close: Any = None) -> None:
        """`connection` lends a PostgreSQL connection (the ledger's pool: `for_ledger`); on SQLite, short
        connections to the ledger's file."""
        self._postgres = env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres"
        self._close = close
        if self._postgres:
            from psycopg import sql

            schema = env.get("POSTGRES_SCHEMA")
            self._table = (sql.Identifier(schema, TABLE) if schema else sql.Identifier(TABLE)).as_string()
            self._connection = connection or self._own_pool(env)
            self._inserts: dict[tuple[int, bool], bytes] = {}  # (rows or 0 for arrays, durable) → statement
            id_column, at_type = "id bigserial PRIMARY KEY", "timestamptz"
        else:
            self._table = TABLE
            self._db_name = env["SQLITE_DBNAME"]
            self._timeout = float(env.get("SQLITE_LOCK_TIMEOUT", "10"))
            self._keep = self._connect() if "mode=memory" in self._db_name else None
            id_column, at_type = "id INTEGER PRIMARY KEY", "TEXT"
        self._run(f"CREATE TABLE IF NOT EXISTS {self._table} ({id_column}, at {at_type} NOT NULL, "
                  "subject TEXT NOT NULL, role TEXT NOT NULL, token_id TEXT NOT NULL, licence_number TEXT, "
                  "method TEXT NOT NULL, route TEXT NOT NULL, status INTEGER NOT NULL)")
        self._run(f"CREATE INDEX IF NOT EXISTS read_audit_licence ON {self._table} (licence_number, id)")

    @classmethod
    def for_ledger(cls, ledger: PointsLedger) -> AccessLog:
        """The access log of `ledger`'s store, through the ledger's own pool on PostgreSQL (one pool a process)."""
        env = {key: ledger.env[key] for key in ledger.env}
        datastore = postgres_datastore(ledger)
        return cls(env, connection=datastore.get_connection if datastore is not None else None)

    def _own_pool(self, env: dict[str, str]) -> Any:
        from psycopg_pool import ConnectionPool

        ensure_postgres_schema(env)
        pool = ConnectionPool(
            min_size=1, max_size=2, open=True, timeout=float(env.get("POSTGRES_LOCK_TIMEOUT", "5")),
            kwargs={"dbname": env["POSTGRES_DBNAME"], "host": env["POSTGRES_HOST"],
                    "port": int(env["POSTGRES_PORT"]), "user": env["POSTGRES_USER"],
                    "password": env["POSTGRES_PASSWORD"] or None, "autocommit": True,
                    "connect_timeout": int(env.get("POSTGRES_CONNECT_TIMEOUT", "5"))})
        self._close = pool.close
        return pool.connection

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._db_name, uri=True, timeout=self._timeout, isolation_level=None,
                               check_same_thread=False)

    def _run(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._postgres:
            from psycopg.rows import tuple_row

            with self._connection() as conn:
                cursor = conn.cursor(row_factory=tuple_row)
                cursor.execute(statement.replace("?", "%s").encode(), list(params))
                return list(cursor.fetchall()) if cursor.description is not None else []
        values = [v.isoformat() if isinstance(v, datetime) else v for v in params]
        with closing(self._connect()) as conn:
            return list(conn.execute(statement, values).fetchall())

    def close(self) -> None:
        if self._close is not None:
            self._close()
        if not self._postgres and self._keep is not None:
            self._keep.close()

    def record(self, *, at: datetime, subject: str, role: str, token_id: str, licence_number: str | None,
               method: str, route: str, status: int) -> None:
        self.record_many([Consultation(at, subject, role, token_id, licence_number, method, route, status)])

    def record_many(self, consultations: Sequence[Consultation], *, durable: bool = True) -> None:
        """Append `consultations` in one transaction (one commit for the lot: `api.read_log_writer` batches the
        rows of concurrent requests this way).

        `durable=False` commits them on PostgreSQL with `synchronous_commit = off` for this transaction only:
        the rows are committed and visible when this returns, but a crash of the database server in the next
        fraction of a second may lose them (docs/decisions/0057-fast-balance-reads.md). SQLite ignores it.
        """
        if not consultations:
            return
        if self._postgres:
            self._append_postgres(consultations, durable)
            return
        statement = f"INSERT INTO {self._table} ({_INSERTED}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        rows = [[v.isoformat() if isinstance(v, datetime) else v for v in c.row()] for c in consultations]
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(statement, rows)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _append_postgres(self, consultations: Sequence[Consultation], durable: bool) -> None:
        """One statement on the pooled autocommit connection: it is its own transaction, one round trip and one
        prepared execution. Without `durable`, the statement itself sets `synchronous_commit = off` for its own
        transaction (`set_config(…, true)`, which PostgreSQL still applies at that transaction's commit and then
        forgets, like `SET LOCAL`). This replaced a pipeline of BEGIN, `SET LOCAL`, the insert and COMMIT: the
        same single round trip, but four statements' worth of client work on the path of every read, which
        waits for its row (decision 0057). A failed statement leaves nothing open (autocommit).

        Up to `VALUES_ROWS` rows (the batches of a few concurrent reads) go as plain parameters, one `VALUES`
        row each; more go as one array per column (`unnest`). Dumping eight one-element arrays cost twice the
        client CPU of eight plain values: 240 against 120 µs a row, measured on the same connection."""
        rows = len(consultations)
        if rows <= VALUES_ROWS:
            params: list[Any] = [value for c in consultations for value in c.row()]
        else:
            params, rows = [list(column) for column in zip(*(c.row() for c in consultations), strict=True)], 0
        statement = self._inserts.get((rows, durable))
        if statement is None:
            statement = self._inserts[(rows, durable)] = self._insert_statement(rows, durable)
        with self._connection() as conn:
            conn.execute(statement, params, prepare=True)

    def _insert_statement(self, rows: int, durable: bool) -> bytes:
        """The append of `rows` rows as `VALUES` (0: any number, as arrays), setting the transaction's
        `synchronous_commit` off unless `durable`."""
        if rows:
            values = ", ".join([_TYPED_ROW] * rows)
            source = f"(VALUES {values}) AS appended"
        else:
            source = ("unnest(%s::timestamptz[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
                      "%s::text[], %s::integer[]) AS appended")
        if durable:
            return f"INSERT INTO {self._table} ({_INSERTED}) SELECT * FROM {source}".encode()
        return (f"INSERT INTO {self._table} ({_INSERTED}) SELECT appended.* FROM "
                f"(SELECT set_config('synchronous_commit', 'off', true)) AS local_setting, {source}").encode()

    def query(self, *, licence_number: str | None = None, subject: str | None = None,
              since: datetime | None = None, until: datetime | None = None, after: int = 0,
              limit: int = 100) -> list[AccessEntry]:
        """Entries matching every filter given, oldest first, after the id `after`."""
        clauses, params = ["id > ?"], list[Any]([after])
        for column, operator, value in (("licence_number", "=", licence_number), ("subject", "=", subject),
                                        ("at", ">=", since), ("at", "<=", until)):
            if value is not None:
                clauses.append(f"{column} {operator} ?")
                params.append(value)
        rows = self._run(f"SELECT {COLUMNS} FROM {self._table} WHERE {' AND '.join(clauses)} ORDER BY id LIMIT ?",
                         [*params, limit])
        return [AccessEntry(r[1] if isinstance(r[1], datetime) else datetime.fromisoformat(r[1]),
                            r[2], r[3], r[4], r[5], r[6], r[7], int(r[8]), id=int(r[0])) for r in rows]
