"""Migrations ship in the package, apply on start, and go down and up again cleanly."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, text

from faultmaven.app import create_app
from faultmaven.config import Settings
from faultmaven.kit.db import make_engine
from faultmaven.migrations import current_revision, head_revision, upgrade
from faultmaven.runbooks.schemas import RunbookContent

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


@contextmanager
def _fresh_postgres_schema(postgres_schema_url: str, name: str) -> Iterator[tuple[Engine, str]]:
    """An engine on a new, empty schema of the test database, and the schema's name; the
    schema is dropped after."""
    schema = f"{name}_{os.getpid()}"
    admin = make_engine(postgres_schema_url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = postgres_schema_url.rsplit("options=", 1)[0] + f"options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        yield engine, schema
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_postgres_fresh_schema(postgres_schema_url: str) -> None:
    with _fresh_postgres_schema(postgres_schema_url, "fm_migrate") as (engine, schema):
        upgrade(engine)
        tables = set(inspect(engine).get_table_names(schema=schema))
        assert EXPECTED | {"search_terms"} <= tables
        assert current_revision(engine) == head_revision()


def _runbook_values(
    runbook_id: str, content: RunbookContent, services: list[str], now: datetime
) -> dict[str, object]:
    """A published runbook of version 1 in the columns every revision has (0003 on)."""
    return {
        "id": runbook_id,
        "title": content.title,
        "severity": "medium",
        "status": "published",
        "version": 1,
        "content": content.model_dump(mode="json"),
        "services": services,
        "tags": [],
        "source_case_ids": [],
        "author": "t",
        "owner": "t",
        "generated_by": "manual",
        "redaction": {},
        "created_at": now,
        "updated_at": now,
    }


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
    from faultmaven.search.service import session_factory_for

    settings = Settings(data_dir=tmp_path, auto_migrate=False)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine, "0003")
    content = RunbookContent(title="Redis Cluster OOM Kills", symptoms=["Pods OOMKilled"])
    with Session(engine) as session:
        now = utcnow()
        session.execute(  # the columns of revision 0003 only
            insert(RunbookRow.__table__).values(
                _runbook_values("rb_0123456789ab", content, ["Redis"], now)
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


_OLD_CONTENT = {
    "title": "Redis OOM",
    "diagnosis": {"validations": [{"description": "mem", "command": "kubectl top pod"}]},
    "root_cause": {"cause": "sessions grew", "evidence": ["5MB"]},
    "solution": {"fixes": [{"title": "Raise limit", "commands": ["kubectl patch"]}]},
}


def _known_causes_round(engine: Engine) -> None:
    """0008: an old runbook and its versions get one known cause; down keeps it as it was."""
    from alembic import command
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from faultmaven.kit.clock import utcnow
    from faultmaven.migrations import alembic_config
    from faultmaven.runbooks.models import RunbookRow, RunbookVersionRow

    upgrade(engine, "0005")
    now = utcnow()
    # Core inserts of the columns that exist at 0005 (the ORM rows map later columns too)
    common = {"title": "Redis OOM", "author": "t", "generated_by": "manual", "created_at": now}
    with Session(engine) as session:
        session.execute(
            insert(RunbookRow.__table__).values(
                id="rb_0123456789ab",
                severity="medium",
                status="published",
                version=2,
                content=_OLD_CONTENT,
                services=[],
                tags=[],
                source_case_ids=["case_a", "case_b"],
                owner=None,
                redaction={},
                updated_at=now,
                **common,
            )
        )
        for version, sources in ((1, None), (2, ["case_a", "case_b"])):
            session.execute(
                insert(RunbookVersionRow.__table__).values(
                    runbook_id="rb_0123456789ab",
                    version=version,
                    content=_OLD_CONTENT,
                    source_case_ids=sources,
                    change_note="",
                    **common,
                )
            )
        session.commit()
    upgrade(engine)
    with Session(engine) as session:
        row = session.get(RunbookRow, "rb_0123456789ab")
        assert row is not None
        content = RunbookContent.model_validate(row.content)
        (cause,) = content.causes
        assert cause.root_cause.cause == "sessions grew"
        assert cause.checks[0].command == "kubectl top pod"
        assert cause.solution.fixes[0].commands == ["kubectl patch"]
        assert (cause.source_case_ids, cause.times_seen) == (["case_a", "case_b"], 2)
        versions = session.query(RunbookVersionRow).order_by(RunbookVersionRow.version).all()
        assert all("causes" in v.content and "root_cause" not in v.content for v in versions)
        assert versions[0].content["causes"][0]["source_case_ids"] == ["case_a", "case_b"]
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")  # undo the known causes only
    with Session(engine) as session:
        row = session.get(RunbookRow, "rb_0123456789ab")
        assert row is not None
        assert row.content == {**_OLD_CONTENT, "diagnosis": _OLD_CONTENT["diagnosis"]}


def test_known_causes_migration_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        _known_causes_round(engine)
    finally:
        engine.dispose()


def test_known_causes_migration_postgres(postgres_schema_url: str) -> None:
    with _fresh_postgres_schema(postgres_schema_url, "fm_causes") as (engine, _schema):
        _known_causes_round(engine)


def _sessions_round(engine: Engine) -> None:
    """0010: sessions made before it learn how and where they signed in from their sign-in's
    audit record; API tokens stay API tokens."""
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from faultmaven.accounts.models import AuditRow, TokenRow, UserRow
    from faultmaven.kit.clock import utcnow

    upgrade(engine, "0008")
    now = utcnow()
    token = {"user_id": "usr_1", "scope": "admin", "created_at": now, "expires_at": None}
    with Session(engine) as session:
        session.execute(
            insert(UserRow.__table__).values(
                id="usr_1",
                name="ana",
                email=None,
                password_hash=None,
                oidc_subject=None,
                active=True,
                created_at=now,
            )
        )
        for token_id, name in (
            ("tok_pw", "login session"),
            ("tok_sso", "login session"),
            ("tok_api", "ci"),
        ):
            session.execute(
                insert(TokenRow.__table__).values(
                    id=token_id, name=name, secret_hash=token_id, revoked_at=None, **token
                )
            )
        for token_id, action, client in (
            ("tok_pw", "auth.login", "10.0.0.7"),
            ("tok_sso", "auth.oidc_login", "10.0.0.8"),
        ):
            session.execute(
                insert(AuditRow.__table__).values(
                    at=now,
                    actor="ana",
                    action=action,
                    object_type="token",
                    object_id=token_id,
                    outcome="ok",
                    status_code=None,
                    client=client,
                    request_id=None,
                    details={},
                )
            )
        session.commit()
    upgrade(engine)
    with Session(engine) as session:
        rows = {row.id: row for row in session.query(TokenRow)}
        assert (rows["tok_pw"].signed_in_with, rows["tok_pw"].client) == ("password", "10.0.0.7")
        assert (rows["tok_sso"].signed_in_with, rows["tok_sso"].client) == ("oidc", "10.0.0.8")
        assert rows["tok_api"].signed_in_with is None and rows["tok_api"].client is None


def test_sessions_migration_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        _sessions_round(engine)
    finally:
        engine.dispose()


def test_sessions_migration_postgres(postgres_schema_url: str) -> None:
    with _fresh_postgres_schema(postgres_schema_url, "fm_sessions") as (engine, _schema):
        _sessions_round(engine)


def _team_facet_round(engine: Engine, settings: Settings) -> None:
    """0011: documents indexed before it learn their runbook's team (as a reindex would write
    them), so an upgraded database filters search by team; down and up again is clean."""
    from alembic import command
    from sqlalchemy import insert, select
    from sqlalchemy.orm import Session

    from faultmaven.accounts.models import TeamRow
    from faultmaven.kit.clock import utcnow
    from faultmaven.kit.db import unit_of_work
    from faultmaven.migrations import alembic_config
    from faultmaven.runbooks import service as runbooks
    from faultmaven.runbooks.indexing import search_document
    from faultmaven.runbooks.models import RunbookRow
    from faultmaven.search.keyword_memory import analysed_row
    from faultmaven.search.models import IndexMetaRow, TermsRow
    from faultmaven.search.service import session_factory_for

    upgrade(engine, "0010")
    now = utcnow()
    teams = {"rb_00000000000a": "team_alpha", "rb_00000000000b": "team_beta"}
    content = RunbookContent(title="Kafka consumer lag", symptoms=["Consumer lag grows"])

    def document(runbook_id: str, team_id: str | None):  # noqa: ANN202
        return analysed_row(
            search_document(
                runbook_id,
                content,
                status="published",
                services=["kafka"],
                tags=[],
                access="org",
                team_id=team_id,
            )
        )

    with Session(engine) as session:
        for team_id in teams.values():
            session.execute(
                insert(TeamRow.__table__).values(id=team_id, name=team_id[5:], created_at=now)
            )
        for runbook_id, team_id in teams.items():
            session.execute(
                insert(RunbookRow.__table__).values(
                    {
                        **_runbook_values(runbook_id, content, ["kafka"], now),
                        "visibility": "organization",
                        "access": "org",
                        "team_id": team_id,
                    }
                )
            )
            # as the code before 0011 indexed it: no team facet
            session.execute(insert(TermsRow.__table__).values(document(runbook_id, None)))
        session.merge(IndexMetaRow(key="keyword_generation", value="before"))
        session.commit()

    def facets() -> dict[str, str]:
        with Session(engine) as session:
            rows = session.execute(select(TermsRow.runbook_id, TermsRow.facets))
            return {runbook_id: stored for runbook_id, stored in rows}

    def generation() -> str | None:
        with Session(engine) as session:
            return session.scalar(
                select(IndexMetaRow.value).where(IndexMetaRow.key == "keyword_generation")
            )

    reindexed = {rid: document(rid, team_id)["facets"] for rid, team_id in teams.items()}
    old = {rid: document(rid, None)["facets"] for rid in teams}
    assert "team=team_alpha" in reindexed["rb_00000000000a"]
    upgrade(engine)
    assert facets() == reindexed
    assert generation() not in (None, "before")  # caches of running processes reload
    with unit_of_work(session_factory_for(engine, settings)) as session:
        for mode in ("keyword", "hybrid"):
            for team, runbook_id in (("alpha", "rb_00000000000a"), ("beta", "rb_00000000000b")):
                found = runbooks.search_runbooks(
                    session,
                    query="kafka lag",
                    mode=mode,
                    filters=runbooks.RunbookFilters(team=team),
                )
                assert [hit.runbook.id for hit in found.items] == [runbook_id], (mode, team)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    assert facets() == old
    upgrade(engine)
    upgrade(engine)  # idempotent: one team line per document
    assert facets() == reindexed


def test_team_facet_migration_sqlite(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, auto_migrate=False)
    engine = make_engine(settings.resolved_database_url)
    try:
        _team_facet_round(engine, settings)
    finally:
        engine.dispose()


def test_team_facet_migration_postgres(postgres_schema_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, auto_migrate=False)
    with _fresh_postgres_schema(postgres_schema_url, "fm_team_facet") as (engine, _schema):
        _team_facet_round(engine, settings)
