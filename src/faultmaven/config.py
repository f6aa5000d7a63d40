"""Settings, read from ``FAULTMAVEN_*`` environment variables (and CLI flags that override them)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(user_data_dir("faultmaven", appauthor=False))


class Settings(BaseSettings):
    """Everything the service needs to know about where it runs.

    Each field is documented because the README's configuration table and ``--help`` are built
    from these descriptions.
    """

    model_config = SettingsConfigDict(env_prefix="FAULTMAVEN_", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Directory for the embedded SQLite database and other local files.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the database. Default: SQLite file faultmaven.db in the data "
            "directory. PostgreSQL: postgresql+psycopg://user@host:5432/dbname."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address `faultmaven serve` listens on.")
    port: int = Field(
        default=8090, ge=1, le=65535, description="Port `faultmaven serve` listens on."
    )
    auto_migrate: bool = Field(
        default=True,
        description="Apply database migrations when the app or CLI starts.",
    )
    max_body_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        description="Largest request body the API accepts, in bytes (larger bodies get 413).",
    )

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                "FAULTMAVEN_DATABASE_URL must start with sqlite:/// or postgresql+psycopg://"
            )
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'faultmaven.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings read from the environment (the CLI's default)."""
    return Settings()
