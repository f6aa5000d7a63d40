"""Fixtures: every repository/service/API test runs on SQLite and on PostgreSQL.

SQLite: a migrated template file is copied per test. PostgreSQL: one schema per test session
(migrated once), every table truncated before each test. Index caches need no reset: they live
in the search runtime of each app or session factory, which every test builds anew. Set
FAULTMAVEN_REQUIRE_POSTGRES=1 to fail, instead of skip, when PostgreSQL is not reachable (CI
does).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

import faultmaven.jobs.models  # noqa: F401  (register every table)
import faultmaven.search.models  # noqa: F401
from faultmaven.app import create_app
from faultmaven.config import Settings
from faultmaven.kit.access import DEFAULT_TEAM_ID
from faultmaven.kit.db import Base, make_engine
from faultmaven.migrations import upgrade
from faultmaven.search.service import session_factory_for

POSTGRES_URL = os.environ.get(
    "FAULTMAVEN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TABLES = tuple(table.name for table in Base.metadata.sorted_tables)
# the default hosts and Starlette TestClient's host name (never allowed outside the tests)
TEST_HOSTS = f"{Settings.model_fields['allowed_hosts'].default},testserver"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "faultmaven.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _migrated_schema(schema: str) -> Iterator[str]:
    """A migrated PostgreSQL schema of its own (dropped afterwards): its URL."""
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as error:  # noqa: BLE001 - any connection failure
        admin.dispose()
        if os.environ.get("FAULTMAVEN_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {POSTGRES_URL}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}%2Cpublic"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    yield from _migrated_schema(f"fm_test_{os.getpid()}")


@pytest.fixture(scope="session")
def second_postgres_schema_url() -> Iterator[str]:
    """Another schema, for tests that carry runbooks from one database into an empty one."""
    yield from _migrated_schema(f"fm_test_{os.getpid()}_second")


def _emptied(url: str) -> str:
    """The migrated schema as new: no rows but the default team (made by migration 0007, as
    in the SQLite template)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
        connection.execute(
            text("INSERT INTO teams (id, name, created_at) VALUES (:id, 'default', now())"),
            {"id": DEFAULT_TEAM_ID},
        )
        connection.execute(text("DROP TABLE IF EXISTS runbook_embeddings"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "faultmaven.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return _emptied(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def empty_database(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Callable[[], str]:
    """``empty_database()``: the URL of an empty, migrated database of the same kind as
    ``database_url`` (SQLite: a new file each call; PostgreSQL: a second schema, emptied on
    each call), for tests that carry runbooks into an empty knowledge base."""
    calls = iter(range(1_000_000))

    def make() -> str:
        if database_url.startswith("sqlite"):
            path = tmp_path / f"empty-{next(calls)}.db"
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
            return f"sqlite:///{path}"
        return _emptied(request.getfixturevalue("second_postgres_schema_url"))

    return make


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        auto_migrate=False,
        allowed_hosts=TEST_HOSTS,
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine, settings: Settings) -> sessionmaker[Session]:
    return session_factory_for(engine, settings)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


@pytest.fixture
def redis_case() -> dict:
    """The seed's Redis OOM case as another tool would send it (DESIGN.md §2)."""
    return {
        "title": "Redis pods OOMKilled in production",
        "description": "Redis pods restart every few minutes; APIs degraded",
        "severity": "critical",
        "affected_systems": ["Redis cluster (3 pods)", "Session management"],
        "services": ["redis"],
        "tags": ["kubernetes", "memory"],
        "symptoms": ["Pods restarting every 5-10 minutes", "K8s events: OOMKilled"],
        "blast_radius": [
            {"check": "kubectl get pods -n production", "finding": "all 3 redis pods restarting"}
        ],
        "timeline": [
            {"at": "2025-10-05T14:30:00Z", "event": "Problem started", "kind": "observation"},
            {"at": "2025-10-05T13:50:00Z", "event": "Deployed user preferences", "kind": "deploy"},
        ],
        "hypotheses": [
            {"statement": "Memory leak in Redis", "status": "refuted"},
            {"statement": "Session objects too large", "status": "validated"},
        ],
        "validations": [
            {
                "description": "Check session size",
                "command": "redis-cli DEBUG OBJECT session:abc123",
                "output": "serialized length: 5242880",
                "conclusion": "5MB per session",
                "hypothesis": 1,
            }
        ],
        "evidence": ["kubectl top pod redis-0: 2.1Gi / 2Gi"],
        "root_cause": {
            "cause": "Session objects grew from 100KB to 5MB",
            "evidence": ["serialized length: 5242880"],
            "contributing_factors": ["No memory alerting on Redis"],
        },
        "solutions": [
            {
                "title": "Flush the session cache",
                "commands": ["redis-cli FLUSHDB"],
                "outcome": "failed",
            },
            {
                "title": "Increase Redis memory limit",
                "commands": [
                    "kubectl patch statefulset redis -n production --patch-file mem.yaml",
                    "kubectl rollout restart statefulset/redis -n production",
                ],
                "outcome": "applied",
                "validation": ["kubectl top pod redis-0 -n production"],
                "rollback": ["kubectl rollout undo statefulset/redis -n production"],
            },
        ],
        "prevention": {"monitoring": ["Alert when Redis memory > 80% of limit"]},
        "opened_at": "2025-10-05T14:30:00Z",
    }
