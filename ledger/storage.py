"""A database URL → the eventsourcing settings of the ledger (no environment is read here).

- `sqlite:///relative/path.sqlite`, `sqlite:////absolute/path.sqlite`, `sqlite:///:memory:` (a shared
  in-memory database, safe under threads);
- `postgresql://user:password@host:port/dbname?schema=name` (psycopg 3); the schema is created if missing.

The settings are passed explicitly to the application, because `os.environ` would otherwise override the
class-level ones (eventsourcing-notes.md).
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit
from uuid import uuid4

from ledger.errors import InvalidFact

DEFAULT_URL = "sqlite:///points-ledger.sqlite"


def storage_env(url: str, *, pool_size: int = 5) -> dict[str, str]:
    """The eventsourcing env dict for `url` (raises `InvalidFact("database_url", …)` if it cannot be used)."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme == "sqlite":
        path = url.split("://", 1)[1]
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise InvalidFact("database_url", "sqlite URL needs a path: sqlite:///points-ledger.sqlite")
        if path == ":memory:":
            path = f"file:points-ledger-{uuid4().hex}?mode=memory&cache=shared"
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "10",
            "APPLICATION_RECORDER_TOPIC": "ledger.chain_store:ChainedSQLiteRecorder",
        }
    if scheme in ("postgresql", "postgres"):
        query = parse_qs(parts.query)
        dbname = parts.path.lstrip("/")
        if not dbname:
            raise InvalidFact("database_url", "postgresql URL needs a database name: postgresql://host/dbname")
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(dbname),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_LOCK_TIMEOUT": "5",
            "POSTGRES_CONNECT_TIMEOUT": "5",
            # One pool of exactly `pool_size` connections: no overflow on top (docs/decisions/0070-operations.md).
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": "0",
            "CREATE_TABLE": "y",
            "APPLICATION_RECORDER_TOPIC": "ledger.chain_store:ChainedPostgresRecorder",
        }
        schema = query.get("schema", [""])[0]
        if schema:
            if not schema.replace("_", "").isalnum():
                raise InvalidFact("database_url", "schema must be letters, digits and underscores")
            env["POSTGRES_SCHEMA"] = schema
        return env
    raise InvalidFact("database_url", f"unsupported scheme {parts.scheme!r}: use sqlite:/// or postgresql://")


def ensure_postgres_schema(env: dict[str, str]) -> None:
    """Connect once before the pool does, and create the schema, which the library does not.

    The direct connection is also the probe of the server: its error names the cause (connection refused,
    unknown database, bad password), where the library's pool would only say that it could not get a
    connection in time.
    """
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return
    import psycopg

    schema = env.get("POSTGRES_SCHEMA")

    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None, autocommit=True,
        connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
    ) as conn:
        if schema:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
