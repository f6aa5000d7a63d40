"""Settings, read from ``FAULTMAVEN_*`` environment variables (and CLI flags that override them)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator
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
    allowed_hosts: str = Field(
        default="localhost,127.0.0.1,::1",
        description="Host names the API answers to (comma list; a port is ignored; * allows "
        "any; *.example.com a domain and its subdomains). Others get 400 HOST_NOT_ALLOWED: the "
        "protection against DNS rebinding. Set it when serving on a non-loopback address, e.g. "
        "faultmaven.example.com,10.0.0.5.",
    )
    auth: Literal["local", "required"] = Field(
        default="local",
        description="local: no sign-in, the acting user is the OS user (laptop; serve binds "
        "loopback only). required: team mode, every request authenticates (Authorization: "
        "Bearer <token>), with roles, visibility and the audit log. Serving on a non-loopback "
        "address needs required.",
    )
    session_hours: float = Field(
        default=12.0, gt=0, le=24 * 30, description="Lifetime of a login session token, in hours."
    )
    login_attempts: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Failed logins allowed per user name within login_window_minutes; more "
        "get 429 (with Retry-After).",
    )
    login_attempts_per_address: int = Field(
        default=100,
        ge=1,
        le=100_000,
        description="Failed logins allowed per client address within login_window_minutes "
        "(higher than login_attempts: a team behind one NAT shares an address); more get 429.",
    )
    login_window_minutes: float = Field(
        default=15.0, gt=0, le=24 * 60, description="Window of the login rate limit, in minutes."
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="OIDC sign-in (team mode, extra faultmaven[oidc]): the provider's issuer "
        "URL (its /.well-known/openid-configuration is read), e.g. https://login.example.com.",
    )
    oidc_client_id: str | None = Field(default=None, description="OIDC client id.")
    oidc_client_secret: SecretStr | None = Field(default=None, description="OIDC client secret.")
    oidc_redirect_url: str | None = Field(
        default=None,
        description="The callback URL registered at the provider: "
        "https://<this server>/api/v1/auth/oidc/callback.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="A bearer token that may read /metrics (a Prometheus scraper); without it "
        "only admins (team mode) or loopback clients (local mode) may.",
    )
    max_body_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        description="Largest request body the API accepts, in bytes (larger bodies get 413).",
    )

    max_concurrent_requests: int = Field(
        default=16,
        ge=1,
        le=256,
        description="Requests one server handles at once; more wait in line. The database "
        "pool holds twice as many connections (plus the job workers').",
    )
    queue_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=120,
        description="How long a request waits in line before it is answered 503 with "
        "Retry-After (the server is saturated).",
    )
    idempotency_ttl_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 30,
        description="How long an Idempotency-Key is remembered (a retry within it replays the "
        "first answer), in hours.",
    )

    embedder: str = Field(
        default="default",
        description=(
            "Embedding model for semantic search: default (bundled wordllama, offline), "
            "sentence-transformers:<name or local path> (extra faultmaven[semantic]) or "
            "openai:<model> (an OpenAI-compatible /v1/embeddings at FAULTMAVEN_LLM_BASE_URL). "
            "Changing it requires `faultmaven search reindex`."
        ),
    )
    search_min_score: float = Field(
        default=0.08,
        ge=0,
        le=1,
        description="Relevance floor: search hits (and similar-runbook suggestions) scoring "
        "below it are not shown. Scores are confidences in [0, 1]; 0.08 was chosen from the "
        "trade-off table in bench/README.md (issue 10, fifth slice).",
    )
    vector_backend: Literal["auto", "embedded", "pgvector", "chroma"] = Field(
        default="auto",
        description="Where vectors live: embedded (in the database rows, exact search), "
        "pgvector (PostgreSQL extension), chroma (ChromaDB, extra faultmaven[chroma]; see "
        "chroma_path and chroma_url), or auto (pgvector when available, else embedded).",
    )
    chroma_path: Path | None = Field(
        default=None,
        description="Directory of the embedded Chroma store (vector_backend=chroma without "
        "chroma_url). Default: chroma in the data directory. One process at a time; several "
        "workers or replicas need a Chroma server (chroma_url).",
    )
    chroma_url: str | None = Field(
        default=None, description="Chroma server URL, e.g. http://localhost:8000"
    )
    worker_threads: int = Field(
        default=1,
        ge=0,
        le=8,
        description="Job worker threads inside `faultmaven serve` (LLM runbook writing). "
        "Teams may set 0 and run `faultmaven worker` processes instead.",
    )
    llm_provider: Literal["none", "openai", "anthropic"] = Field(
        default="none",
        description="LLM for the conversation and runbook writing: none, openai (any "
        "OpenAI-compatible server: OpenAI, Ollama, vLLM, LM Studio) or anthropic.",
    )
    llm_base_url: str | None = Field(
        default=None,
        description="Base URL of the LLM API, e.g. http://localhost:11434/v1 for Ollama.",
    )
    llm_model: str | None = Field(default=None, description="Model name, e.g. gpt-4o-mini.")
    llm_api_key: SecretStr | None = Field(default=None, description="API key for the LLM.")
    llm_timeout_seconds: float = Field(
        default=60.0, gt=0, le=600, description="Timeout of one LLM request, in seconds."
    )
    llm_max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a failed LLM request (429, 5xx, timeout)."
    )
    prompt_version: Literal["minimal", "standard", "detailed"] = Field(
        default="standard", description="Doctor-patient prompt: minimal, standard or detailed."
    )
    redact_personal_data: str = Field(
        default="email,ip,phone",
        description="Personal data replaced before text reaches an LLM or a runbook (comma "
        "list of email, ip, phone, or none). Secrets are always redacted.",
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

    @field_validator("allowed_hosts")
    @classmethod
    def _host_list(cls, value: str) -> str:
        hosts = [host.strip().lower() for host in value.split(",") if host.strip()]
        if not hosts:
            raise ValueError("FAULTMAVEN_ALLOWED_HOSTS is empty; name at least one host, or *")
        return ",".join(hosts)

    @property
    def allowed_host_names(self) -> tuple[str, ...]:
        """``allowed_hosts`` as a tuple of lower-case names, brackets of IPv6 removed."""
        hosts = self.allowed_hosts.split(",")
        return tuple(host.removeprefix("[").removesuffix("]") for host in hosts)

    @property
    def oidc_configured(self) -> bool:
        return bool(
            self.oidc_issuer
            and self.oidc_client_id
            and self.oidc_client_secret
            and self.oidc_redirect_url
        )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'faultmaven.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings read from the environment (the CLI's default)."""
    return Settings()


def settings_of(session: Any) -> Settings:
    """The settings a database session was made with (``session.info``), else the process's."""
    settings = session.info.get("settings")
    return settings if isinstance(settings, Settings) else get_settings()
