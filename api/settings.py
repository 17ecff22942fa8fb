"""The only place that reads the environment: `POINTS_LEDGER_*` variables (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.storage import DEFAULT_URL


class Settings(BaseSettings):
    """Service settings. `POINTS_LEDGER_DATABASE_URL` chooses the store (SQLite file by default)."""

    model_config = SettingsConfigDict(env_prefix="POINTS_LEDGER_", extra="ignore")

    database_url: str = DEFAULT_URL
    host: str = "127.0.0.1"
    port: int = 8000
    pool_size: int = 5
    timezone: str = "Europe/Paris"
    max_body_bytes: int = 1 << 20  # a JSON body above it is refused (413)
    max_upload_bytes: int = 256 << 20  # an uploaded extract above it is refused (413)
    signing_key_file: str | None = None  # Ed25519 private key (PEM, PKCS#8) that signs checkpoints


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
