"""API tokens, kept hashed in the ledger's own database (table `api_tokens`) and revocable.

A token reads `plt_<id>_<secret>`: the id (16 hex digits) finds its row, the secret (32 random bytes,
URL-safe base64) is checked against the stored SHA-256 in constant time. A fast hash is enough because the
secret is random and long (nothing to brute-force, unlike a password); argon2 would cost tens of
milliseconds of CPU on every request (docs/decisions/0004-http-api.md). The plain token is shown once,
when created; the database never holds it.

The table lives beside the ledger's events: SQLite through `sqlite3` (same file), PostgreSQL through psycopg
(same database and schema), so one URL (`POINTS_LEDGER_DATABASE_URL`) configures both. In the service the store
borrows the ledger's own connection pool (`TokenStore.for_ledger`): one pool per process, of the configured size.

A token may expire (`expires_at`), records when it was last used (`last_used_at`, written at most once a
minute so that reading does not become a write per request), and can be rotated: `rotate` issues a successor
with the same role, subject and binding (`rotated_from` names the old id) and retires the old token now or
after a grace period, so an agent can switch without an outage (docs/decisions/0071-tokens.md).

A token the database has just accepted is trusted for `VERIFIED_FOR` without asking again (`cached`): the
query was a third of a cached balance read's database work. So a revocation (or a rotation without grace) made
by another process — the `tokens` commands — takes effect within `VERIFIED_FOR`; one made through the same store
takes effect at once. Expiry is checked on every use (docs/decisions/0057-fast-balance-reads.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, Protocol

from api import clock
from api.pool import postgres_datastore
from ledger.application import PointsLedger
from ledger.storage import ensure_postgres_schema, is_postgres_env, storage_env

TOKEN_PREFIX = "plt"  # noqa: S105 - a label in the token, not a secret
TABLE = "api_tokens"
MAX_BINDING_LENGTH = 64
MAX_SUBJECT_LENGTH = 200
LAST_USED_RESOLUTION = timedelta(minutes=1)  # `last_used_at` is rewritten at most this often per token
# Columns added after the first version of the table, created on the fly in older stores.
ADDED_COLUMNS = ("expires_at", "last_used_at", "rotated_from")
TIME_COLUMNS = (6, 7, 8, 9)  # positions in COLUMNS of the times (SQLite stores them as ISO text)
TokenState = Literal["active", "expired", "revoked"]
VERIFIED_FOR = timedelta(seconds=5)  # how long an accepted token is trusted without a query (revocation delay)
MAX_VERIFIED = 10_000  # tokens kept verified at once (the set is emptied when full: a new query each, no harm)


class Role(StrEnum):
    """What a token may do (issue 4): each route lists the roles it admits."""

    PREFECTURE = "prefecture"  # records licences and their facts (not stages); reads everything
    ORGANISER = "organiser"  # bound to one agrément: records stages under it; reads stage eligibility
    AUDITOR = "auditor"  # reads everything, including the audit trail; writes nothing
    DRIVER = "driver"  # bound to one licence: reads its balance and history


class TokenError(ValueError):
    """A token request that cannot be honoured (wrong binding for the role, unknown id…)."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A stored token, without its secret."""

    id: str
    role: Role
    subject: str
    agrement: str | None
    licence: str | None
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    rotated_from: str | None = None

    @property
    def active(self) -> bool:
        """Not revoked (an expired token is still "active" in this sense: see `usable_at`)."""
        return self.revoked_at is None

    def usable_at(self, now: datetime) -> bool:
        """Neither revoked nor expired at `now`."""
        return self.active and (self.expires_at is None or now < self.expires_at)

    def state_at(self, now: datetime) -> TokenState:
        """`active`, `expired` or `revoked`, for listings."""
        return "revoked" if not self.active else "active" if self.usable_at(now) else "expired"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just created: `token` is the bearer value, shown this once."""

    info: TokenInfo
    token: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    """`plt_<id>_<secret>` → (id, secret); None if the value does not have that shape."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def check_binding(role: Role, agrement: str | None, licence: str | None) -> tuple[str | None, str | None]:
    """An organiser is bound to one agrément, a driver to one licence, the other roles to neither."""
    agrement = agrement.strip() if agrement else None
    licence = licence.strip() if licence else None
    for name, value in (("agrement", agrement), ("licence", licence)):
        if value is not None and len(value) > MAX_BINDING_LENGTH:
            raise TokenError(f"--{name} must be at most {MAX_BINDING_LENGTH} characters")
    if role is Role.ORGANISER and (agrement is None or licence is not None):
        raise TokenError("an organiser token needs --agrement (and no --licence)")
    if role is Role.DRIVER and (licence is None or agrement is not None):
        raise TokenError("a driver token needs --licence (and no --agrement)")
    if role in (Role.PREFECTURE, Role.AUDITOR) and (agrement is not None or licence is not None):
        raise TokenError(f"a {role.value} token takes neither --agrement nor --licence")
    return agrement, licence


def default_subject(role: Role, token_id: str, agrement: str | None, licence: str | None) -> str:
    """Who the token speaks for when `--subject` is not given: the role and its binding (or the token id)."""
    return f"{role.value}:{agrement or licence or token_id}"


class _Backend(Protocol):
    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


CREATE_TABLE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL, "
                "role TEXT NOT NULL, subject TEXT NOT NULL, agrement TEXT, licence TEXT, "
                "created_at {time} NOT NULL, revoked_at {time}, expires_at {time}, last_used_at {time}, "
                "rotated_from TEXT)")


class _SQLite:
    """One short connection per call: `sqlite3` connections are cheap, and this keeps threads independent."""

    def __init__(self, db_name: str, timeout: float) -> None:
        self.db_name = db_name
        self.timeout = timeout
        self._keep: sqlite3.Connection | None = None
        if "mode=memory" in db_name:
            # A shared in-memory database lives as long as one connection to it is open.
            self._keep = self._connect()
        self.run(CREATE_TABLE.format(time="TEXT"))
        present = {row[1] for row in self.run(f"PRAGMA table_info({TABLE})")}
        for name in ADDED_COLUMNS:
            if name not in present:
                self.run(f"ALTER TABLE {TABLE} ADD COLUMN {name} TEXT")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db_name, uri=True, timeout=self.timeout, isolation_level=None,
                               check_same_thread=False)

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        values = [v.isoformat() if isinstance(v, datetime) else v for v in params]
        with closing(self._connect()) as conn:
            rows = conn.execute(sql, values).fetchall()
        return [tuple(datetime.fromisoformat(v) if i in TIME_COLUMNS and isinstance(v, str) else v
                      for i, v in enumerate(row)) for row in rows]

    def close(self) -> None:
        if self._keep is not None:
            self._keep.close()
            self._keep = None


class _Postgres:
    """The token table in the ledger's PostgreSQL database and schema, through a connection pool.

    `connection` lends a pooled connection (autocommit): the ledger's own pool when the store is built with
    `TokenStore.for_ledger`, else a small pool of the store's own (the `tokens` commands).
    """

    def __init__(self, schema: str | None, connection: Any, close: Any = None) -> None:
        from psycopg import sql

        table = sql.Identifier(schema, TABLE) if schema else sql.Identifier(TABLE)
        self._table = table.as_string()
        self._schema = schema or "public"
        self._connection = connection
        self._close = close
        self.run(CREATE_TABLE.format(time="TIMESTAMPTZ"))
        present = {row[0] for row in self.run(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            (self._schema, TABLE))}
        for name in ADDED_COLUMNS:
            if name not in present:
                kind = "TIMESTAMPTZ" if name.endswith("_at") else "TEXT"
                self.run(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {name} {kind}")

    @classmethod
    def own_pool(cls, env: dict[str, str], pool_size: int) -> _Postgres:
        from psycopg_pool import ConnectionPool

        ensure_postgres_schema(env)
        pool = ConnectionPool(
            min_size=1, max_size=max(pool_size, 1), open=True, timeout=float(env.get("POSTGRES_LOCK_TIMEOUT", "5")),
            kwargs={"dbname": env["POSTGRES_DBNAME"], "host": env["POSTGRES_HOST"],
                    "port": int(env["POSTGRES_PORT"]), "user": env["POSTGRES_USER"],
                    "password": env["POSTGRES_PASSWORD"] or None, "autocommit": True,
                    "connect_timeout": int(env.get("POSTGRES_CONNECT_TIMEOUT", "5"))},
        )
        return cls(env.get("POSTGRES_SCHEMA"), pool.connection, pool.close)

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        from psycopg.rows import tuple_row

        statement = sql.replace(TABLE, self._table, 1).replace("?", "%s")
        with self._connection() as conn:
            cursor = conn.cursor(row_factory=tuple_row)
            cursor.execute(statement.encode(), list(params))
            return list(cursor.fetchall()) if cursor.description is not None else []

    def close(self) -> None:
        if self._close is not None:
            self._close()


COLUMNS = ("id, role, subject, agrement, licence, secret_sha256, created_at, revoked_at, expires_at, last_used_at, "
           "rotated_from")


class TokenStore:
    """Create, list, revoke, rotate and check API tokens, in the database named by the ledger's storage env."""

    def __init__(self, env: dict[str, str], *, pool_size: int = 2, backend: _Backend | None = None) -> None:
        if backend is None:
            if is_postgres_env(env):
                backend = _Postgres.own_pool(env, pool_size)
            else:
                backend = _SQLite(env["SQLITE_DBNAME"], float(env.get("SQLITE_LOCK_TIMEOUT", "10")))
        self._db = backend
        # token id -> (SHA-256 of its secret, its row, when the database last accepted it)
        self._verified: dict[str, tuple[str, TokenInfo, datetime]] = {}

    @classmethod
    def for_url(cls, database_url: str) -> TokenStore:
        return cls(storage_env(database_url))

    @classmethod
    def for_ledger(cls, ledger: PointsLedger) -> TokenStore:
        """The token table of `ledger`'s store, through the ledger's own connections (PostgreSQL: its pool,
        so the process holds one pool of the configured size; closing this store leaves the pool open)."""
        env = {key: ledger.env[key] for key in ledger.env}
        datastore = postgres_datastore(ledger)
        if datastore is None:
            return cls(env)
        return cls(env, backend=_Postgres(env.get("POSTGRES_SCHEMA"), datastore.get_connection))

    def close(self) -> None:
        self._db.close()

    @staticmethod
    def _info(row: tuple[Any, ...]) -> TokenInfo:
        return TokenInfo(id=row[0], role=Role(row[1]), subject=row[2], agrement=row[3], licence=row[4],
                         created_at=row[6], revoked_at=row[7], expires_at=row[8], last_used_at=row[9],
                         rotated_from=row[10])

    def create(self, role: Role, *, now: datetime, subject: str | None = None, agrement: str | None = None,
               licence: str | None = None, expires_at: datetime | None = None,
               rotated_from: str | None = None) -> IssuedToken:
        """Store a new token and return it with its secret (the only time the secret exists in clear)."""
        agrement, licence = check_binding(role, agrement, licence)
        if expires_at is not None and expires_at <= now:
            raise TokenError("--expires-in must leave the token some time to live")
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        subject = (subject or "").strip() or default_subject(role, token_id, agrement, licence)
        if len(subject) > MAX_SUBJECT_LENGTH:
            raise TokenError(f"--subject must be at most {MAX_SUBJECT_LENGTH} characters")
        self._db.run(f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (token_id, role.value, subject, agrement, licence, _digest(secret), now, None, expires_at,
                      None, rotated_from))
        info = TokenInfo(token_id, role, subject, agrement, licence, now, None, expires_at, None, rotated_from)
        return IssuedToken(info, f"{TOKEN_PREFIX}_{token_id}_{secret}")

    def list(self) -> list[TokenInfo]:
        return [self._info(row) for row in self._db.run(f"SELECT {COLUMNS} FROM {TABLE} ORDER BY created_at, id")]

    def get(self, token_id: str) -> TokenInfo | None:
        rows = self._db.run(f"SELECT {COLUMNS} FROM {TABLE} WHERE id = ?", (token_id,))
        return self._info(rows[0]) if rows else None

    def _known(self, token_id: str) -> TokenInfo:
        info = self.get(token_id)
        if info is None:
            raise TokenError(f"no token with id {token_id!r} (see `points-ledger tokens list`)")
        return info

    def revoke(self, token_id: str, *, now: datetime) -> TokenInfo:
        """Mark a token revoked (kept for the audit: who held it, since when); revoking twice keeps the first date."""
        self._known(token_id)
        self._verified.pop(token_id, None)
        self._db.run(f"UPDATE {TABLE} SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now, token_id))
        return self._known(token_id)

    def rotate(self, token_id: str, *, now: datetime, grace: timedelta = timedelta(0),
               expires_at: datetime | None = None, same_lifetime: bool = True) -> tuple[IssuedToken, TokenInfo]:
        """A successor of a usable token (same role, subject and binding) and the old token retired: revoked
        now without `grace`, else expiring at `now + grace` (never later than it already would).

        The successor lives as long as the old token did (`same_lifetime`), else it expires at `expires_at`
        (None: never).
        """
        old = self._known(token_id)
        if not old.usable_at(now):
            raise TokenError(f"token {token_id!r} is {old.state_at(now)}: create a new one instead")
        if same_lifetime:
            expires_at = None if old.expires_at is None else now + (old.expires_at - old.created_at)
        self._verified.pop(old.id, None)
        issued = self.create(old.role, now=now, subject=old.subject, agrement=old.agrement, licence=old.licence,
                             expires_at=expires_at, rotated_from=old.id)
        if grace <= timedelta(0):
            self._db.run(f"UPDATE {TABLE} SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now, old.id))
        else:
            ends = now + grace if old.expires_at is None else min(old.expires_at, now + grace)
            self._db.run(f"UPDATE {TABLE} SET expires_at = ? WHERE id = ?", (ends, old.id))
        return issued, self._known(old.id)

    def authenticate(self, token: str, now: datetime | None = None) -> TokenInfo | None:
        """The usable token whose secret matches `token`, or None (unknown, wrong secret, revoked or expired).

        Records the use (`last_used_at`) when the previous record is older than `LAST_USED_RESOLUTION`.
        """
        parts = split_token(token)
        if parts is None:
            return None
        token_id, secret = parts
        self._verified.pop(token_id, None)
        rows = self._db.run(f"SELECT {COLUMNS} FROM {TABLE} WHERE id = ?", (token_id,))
        digest = _digest(secret)
        if not rows or not hmac.compare_digest(rows[0][5], digest):
            return None
        info = self._info(rows[0])
        now = now or clock.now_utc()
        if not info.usable_at(now):
            return None
        if info.last_used_at is None or now - info.last_used_at >= LAST_USED_RESOLUTION:
            self._db.run(f"UPDATE {TABLE} SET last_used_at = ? WHERE id = ?", (now, token_id))
        if len(self._verified) >= MAX_VERIFIED:
            self._verified.clear()
        self._verified[token_id] = (digest, info, now)
        return info

    def cached(self, token: str, now: datetime | None = None) -> TokenInfo | None:
        """The token's row if the database accepted this very token less than `VERIFIED_FOR` ago and it has not
        expired since, else None (then `authenticate` asks the database). No I/O: safe on the event loop.

        `last_used_at` is not written here: a token in use is re-checked (and its use recorded, at most once a
        minute) every `VERIFIED_FOR`, well within `LAST_USED_RESOLUTION`.
        """
        parts = split_token(token)
        entry = self._verified.get(parts[0]) if parts is not None else None
        if parts is None or entry is None:
            return None
        digest, info, checked_at = entry
        now = now or clock.now_utc()
        if not (checked_at <= now < checked_at + VERIFIED_FOR) or not info.usable_at(now):
            return None
        return info if hmac.compare_digest(digest, _digest(parts[1])) else None

