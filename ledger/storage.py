"""A database URL → the eventsourcing settings of the ledger (no environment is read here).

- `sqlite:///relative/path.sqlite`, `sqlite:////absolute/path.sqlite`, `sqlite:///:memory:` (a shared
  in-memory database, safe under threads);
- `postgresql://user:password@host:port/dbname?schema=name` (psycopg 3); the schema is created if missing;
  `&partitions=N` hash-partitions a new store's events table by stream in N (`ledger.partitioned_events`).

The settings are passed explicitly to the application, because `os.environ` would otherwise override the
class-level ones (eventsourcing-notes.md).
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit
from uuid import uuid4

from ledger.errors import InvalidFact
from ledger.partitioned_events import MAX_PARTITIONS, PARTITIONS_KEY

DEFAULT_URL = "sqlite:///points-ledger.sqlite"
POSTGRES_MODULE = "eventsourcing.postgres"


def storage_env(url: str, *, pool_size: int = 5) -> dict[str, str]:
    """The eventsourcing env dict for `url` (raises `InvalidFact("database_url", …)` if it cannot be used)."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme == "sqlite":
        if "partitions=" in parts.query:
            raise InvalidFact("database_url", "partitions is an option of PostgreSQL stores only")
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
            "PERSISTENCE_MODULE": POSTGRES_MODULE,
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
        env[PARTITIONS_KEY] = str(_partitions(query))  # always set: never inherited from os.environ
        schema = query.get("schema", [""])[0]
        if schema:
            if not schema.replace("_", "").isalnum():
                raise InvalidFact("database_url", "schema must be letters, digits and underscores")
            env["POSTGRES_SCHEMA"] = schema
        return env
    raise InvalidFact("database_url", f"unsupported scheme {parts.scheme!r}: use sqlite:/// or postgresql://")


def _partitions(query: dict[str, list[str]]) -> int:
    """The URL's `partitions=N` (hash partitions of the events table, `ledger.partitioned_events`); 0 without."""
    given = query.get("partitions", [""])[0]
    if not given:
        return 0
    if not given.isdigit() or not 1 <= int(given) <= MAX_PARTITIONS:
        raise InvalidFact("database_url", f"partitions must be a whole number from 1 to {MAX_PARTITIONS}, "
                                          f"not {given!r}")
    return int(given)


def is_postgres_env(env: dict[str, str]) -> bool:
    """Do these settings put the ledger on PostgreSQL? (a recorder's backend: `ledger.events_table.is_postgres`)"""
    return env.get("PERSISTENCE_MODULE") == POSTGRES_MODULE


def ensure_postgres_schema(env: dict[str, str]) -> None:
    """Connect once before the pool does, and create the schema, which the library does not.

    The direct connection is also the probe of the server: its error names the cause (connection refused,
    unknown database, bad password), where the library's pool would only say that it could not get a
    connection in time.
    """
    if not is_postgres_env(env):
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


# Every session the ledger opens on PostgreSQL runs without JIT compilation (docs/decisions/0062-no-jit.md).
SESSION_OPTIONS = "-c jit=off"


def configure_sessions(factory: object) -> None:
    """Give the connections of a PostgreSQL factory's pool the ledger's session settings (`SESSION_OPTIONS`).

    Called before the pool opens its first connection (the recorder's table creation opens it), so every
    connection of the pool has them. The ledger's queries are index probes of a few rows; JIT compilation only
    pays off on long scans. But PostgreSQL decides to compile from the planner's cost estimate, and the estimate
    is huge whenever the statistics lag behind the table (right after a bulk import, before autovacuum's
    ANALYZE): then compiling a one-licence plan cost 140 ms where running it cost 10 ms. Off for the session, it
    can never fire on a read or write of the ledger. Other stores are left as they are.
    """
    from eventsourcing.postgres import PostgresFactory

    if not isinstance(factory, PostgresFactory):
        return
    arguments = factory.datastore.pool.kwargs  # the library passes a dict (its connection arguments)
    if not isinstance(arguments, dict):
        raise TypeError(f"the pool's connection arguments are a {type(arguments).__name__}, not a dict")
    given = arguments.get("options")
    arguments["options"] = f"{given} {SESSION_OPTIONS}" if given else SESSION_OPTIONS
