"""Migrations ship in the package, apply on start, and go down and up again cleanly."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from faultmaven.app import create_app
from faultmaven.config import Settings
from faultmaven.kit.db import make_engine
from faultmaven.migrations import current_revision, head_revision, upgrade

EXPECTED = {"cases", "runbooks", "runbook_versions", "runbook_labels"}


def test_app_creates_its_database_in_a_fresh_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "place"
    app = create_app(Settings(data_dir=data_dir))
    with TestClient(app) as client:
        assert client.get("/api/v1/health").json()["status"] == "ok"
    assert (data_dir / "faultmaven.db").exists()
    assert current_revision(app.state.engine) == head_revision()
    app.state.engine.dispose()


def test_sqlite_down_and_up(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= EXPECTED
    from alembic import command

    from faultmaven.migrations import alembic_config

    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert not EXPECTED & set(inspect(engine).get_table_names())
    upgrade(engine)
    upgrade(engine)  # idempotent
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_postgres_fresh_schema(postgres_schema_url: str) -> None:
    schema = f"fm_migrate_{os.getpid()}"
    admin = make_engine(postgres_schema_url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = postgres_schema_url.rsplit("options=", 1)[0] + f"options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        assert EXPECTED | {"runbook_search"} <= set(inspect(engine).get_table_names(schema=schema))
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
