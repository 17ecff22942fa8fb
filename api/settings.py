"""The only place that reads the environment: `POINTS_LEDGER_*` variables (pydantic-settings).

A value that cannot be used is a `SettingsError` naming the variable and the reason in one line
(`POINTS_LEDGER_PORT: must be at most 65535 (got '99999')`): the command line prints it and exits 2, the
service refuses to start with it (docs/decisions/0003-settings-and-errors.md).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.storage import DEFAULT_URL

ENV_PREFIX = "POINTS_LEDGER_"
MAX_POOL_SIZE = 100


class SettingsError(ValueError):
    """A setting that cannot be used: `variable` is the environment variable, `reason` why."""

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason


class Settings(BaseSettings):
    """Service settings. `POINTS_LEDGER_DATABASE_URL` chooses the store (SQLite file by default)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    database_url: str = DEFAULT_URL
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # PostgreSQL connections of one process, shared by the ledger and the token store (never more).
    pool_size: int = Field(default=5, ge=1, le=MAX_POOL_SIZE)
    # Worker processes of `serve` (each opens its own pool of `pool_size` connections).
    workers: int = Field(default=1, ge=1, le=64)
    log_format: Literal["text", "json"] = "text"
    # Unset: `info` for `serve` (a line per request), `warning` for the other commands (their terminal output is
    # the answer; set it to `info` to get their job lines too).
    log_level: Literal["debug", "info", "warning", "error"] | None = None
    # Where `serve` publishes /metrics (Prometheus): its own listener, loopback by default; port 0 turns it off.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9464, ge=0, le=65535)
    # Licences whose decoded record and folded timeline a process keeps (each ≈ 10 KB; checked against the
    # stream's version at every read, so never stale: docs/decisions/0057). Above the licences read in turn.
    record_cache_size: int = Field(default=8192, ge=0, le=1 << 20)
    # Seconds between two freezes of the garbage collector's generations (`api.collector_pauses`: full
    # collections stopped every request for 75–260 ms while the caches filled); 0 leaves the collector alone.
    gc_freeze_seconds: float = Field(default=1.0, ge=0, le=3600)
    # The read log's batches commit with synchronous_commit on (True) or off (False): docs/decisions/0057.
    read_log_durable: bool = False
    # Signs the web interface's session cookie. Unset: one random key per store, kept in a file of the system's
    # temporary directory (shared by `serve --workers N` on one machine); set it when several machines serve.
    session_secret: str | None = None
    # Request bodies: a JSON body above `max_body_bytes`, an upload above `max_upload_bytes` is refused (413).
    max_body_bytes: int = Field(default=1 << 20, ge=1024)
    max_upload_bytes: int = Field(default=256 << 20, ge=1024)
    # Ed25519 private key (PEM, PKCS#8) that signs checkpoints (`points-ledger keygen` makes one).
    signing_key_file: str | None = None


def _reason(error: dict[str, Any]) -> str:
    """Pydantic's message without its "Value error, " prefix, with the value that was given."""
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    message = message[0].lower() + message[1:] if message else "invalid value"
    given = error.get("input")
    return f"{message} (got {given!r})" if isinstance(given, str) else message


def settings_error(error: ValidationError) -> SettingsError:
    """The first problem of a validation error, as the variable that holds it and the reason."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first.get("loc") else "settings"
    return SettingsError(f"{ENV_PREFIX}{field.upper()}", _reason(dict(first)))


def load_settings(**overrides: Any) -> Settings:
    """Read the environment (plus `overrides`), or raise `SettingsError` naming the faulty variable."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise settings_error(error) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once (raises `SettingsError`)."""
    return load_settings()
