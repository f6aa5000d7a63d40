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
    with TestClient(app, base_url="http://localhost:8090") as client:  # a default host
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
        assert EXPECTED | {"search_terms"} <= set(inspect(engine).get_table_names(schema=schema))
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_upgrading_keeps_existing_runbooks_searchable(tmp_path: Path) -> None:
    """0004 replaces SQLite's FTS5 table by analysed documents, made for the runbooks there;
    0007 makes them organization runbooks that every team finds."""
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from faultmaven.kit.access import Viewer, set_viewer
    from faultmaven.kit.clock import utcnow
    from faultmaven.kit.db import unit_of_work
    from faultmaven.runbooks import service as runbooks
    from faultmaven.runbooks.models import RunbookRow
    from faultmaven.runbooks.schemas import RunbookContent
    from faultmaven.search.service import session_factory_for

    settings = Settings(data_dir=tmp_path, auto_migrate=False)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine, "0003")
    content = RunbookContent(title="Redis Cluster OOM Kills", symptoms=["Pods OOMKilled"])
    with Session(engine) as session:
        now = utcnow()
        session.execute(  # the columns of revision 0003 only
            insert(RunbookRow.__table__).values(
                id="rb_0123456789ab",
                title=content.title,
                severity="medium",
                status="published",
                version=1,
                content=content.model_dump(mode="json"),
                services=["Redis"],
                tags=[],
                source_case_ids=[],
                author="t",
                owner="t",
                generated_by="manual",
                redaction={},
                created_at=now,
                updated_at=now,
            )
        )
        session.commit()
    upgrade(engine)
    assert "runbook_fts" not in inspect(engine).get_table_names()
    with unit_of_work(session_factory_for(engine, settings)) as session:
        results = runbooks.search_runbooks(session, query="oomkilled", mode="keyword")
        filtered = runbooks.search_runbooks(
            session,
            query="oomkilled",
            mode="keyword",
            filters=runbooks.RunbookFilters(service="redis"),
        )
    assert [hit.runbook.id for hit in results.items] == ["rb_0123456789ab"]
    assert [hit.runbook.id for hit in filtered.items] == ["rb_0123456789ab"]
    with unit_of_work(session_factory_for(engine, settings)) as session:
        set_viewer(
            session, Viewer.of(user_id="usr_x", team_ids=["team_x"], write_teams=[], team_id=None)
        )
        runbook = runbooks.get_runbook(session, runbook_id="rb_0123456789ab")
        assert (runbook.visibility, runbook.team_id) == ("organization", "team_default")
        for mode in ("keyword", "hybrid"):
            seen = runbooks.search_runbooks(session, query="oomkilled", mode=mode)
            assert [hit.runbook.id for hit in seen.items] == ["rb_0123456789ab"]
    engine.dispose()
