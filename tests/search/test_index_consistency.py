"""The semantic index never silently drifts: outbox repair, reindex, embedder changes, and
several processes sharing one database."""

from __future__ import annotations

import os
import threading

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from faultmaven.app import create_app
from faultmaven.assistant import conversation
from faultmaven.cases.schemas import CaseCreate
from faultmaven.cli.main import app as cli_app
from faultmaven.config import Settings
from faultmaven.kit.db import unit_of_work
from faultmaven.runbooks import service as runbooks
from faultmaven.runbooks.schemas import RunbookCreate
from faultmaven.search import service as search
from faultmaven.search.models import IndexMetaRow, OutboxRow
from faultmaven.search.runtime import SearchRuntime, runtime_of

REDIS = RunbookCreate(
    title="Redis Cluster OOM Kills",
    symptoms=["Pods restarting every 5-10 minutes", "K8s events: OOMKilled"],
    status="published",
)


def _vector_count(session: Session) -> int:
    runtime = runtime_of(session)
    if runtime.backend_name(session) == "pgvector":
        exists = session.scalar(text("SELECT to_regclass('runbook_embeddings') IS NOT NULL"))
        return session.scalar(text("SELECT count(*) FROM runbook_embeddings")) if exists else 0
    return session.scalar(text("SELECT count(*) FROM runbook_vectors"))


def test_a_commit_indexes_the_vector(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as session:
        runbooks.create_runbook(session, data=REDIS, actor="t")
    with unit_of_work(session_factory) as session:
        assert _vector_count(session) == 1
        assert search.pending_count(session) == 0
        hits = runbooks.search_runbooks(session, query="redis pods oomkilled").items
        assert hits[0].why.method == "keyword+semantic"
        assert hits[0].why.similarity and hits[0].why.similarity > 0.3


def test_a_crash_before_indexing_is_repaired_after_the_next_search(
    session_factory: sessionmaker[Session],
) -> None:
    with unit_of_work(session_factory) as session:
        runbooks.create_runbook(session, data=REDIS, actor="t")
        search.defer_drain(session)  # the process "dies" right after the commit
    with unit_of_work(session_factory) as session:
        assert _vector_count(session) == 0
        assert search.pending_count(session) == 1
    with unit_of_work(session_factory, write=False) as session:
        hits = runbooks.search_runbooks(session, query="pods keep restarting").items
        assert hits and hits[0].why.method == "keyword"  # found now, by its words
    runtime_of(session_factory()).background_drain.join()  # the search set the repair going
    with unit_of_work(session_factory, write=False) as session:
        hits = runbooks.search_runbooks(session, query="pods keep restarting").items
        assert hits and hits[0].why.similarity is not None
    with unit_of_work(session_factory) as session:
        assert (_vector_count(session), search.pending_count(session)) == (1, 0)


def test_embedder_failure_keeps_the_write_and_queues_the_vector(
    session_factory: sessionmaker[Session], monkeypatch
) -> None:
    def down(self, session):
        raise RuntimeError("embedding server unreachable")

    monkeypatch.setattr(type(runtime_of(session_factory())), "identity", down)
    with unit_of_work(session_factory) as session:
        runbook_id = runbooks.create_runbook(session, data=REDIS, actor="t").id
    monkeypatch.undo()
    with unit_of_work(session_factory, write=False) as session:
        assert runbooks.get_runbook(session, runbook_id=runbook_id).title == REDIS.title
        assert search.pending_count(session) == 1
        # found by its words; the search sets embedding what waits going in the background
        assert runbooks.search_runbooks(session, query="redis").items[0].runbook.id == runbook_id
    runtime_of(session_factory()).background_drain.join()
    with unit_of_work(session_factory, write=False) as session:
        assert search.pending_count(session) == 0


def test_another_embedder_asks_for_a_reindex(
    session_factory: sessionmaker[Session], settings: Settings, database_url: str
) -> None:
    with unit_of_work(session_factory) as session:
        runbooks.create_runbook(session, data=REDIS, actor="t")
    with unit_of_work(session_factory) as session:  # as if built with another model
        session.merge(IndexMetaRow(key="model", value="sentence-transformers:all-MiniLM-L6-v2"))
    with unit_of_work(session_factory, write=False) as session:
        results = runbooks.search_runbooks(session, query="redis oomkilled")
        assert results.items and results.items[0].why.method == "keyword"
        assert "faultmaven search reindex" in results.notes[0]
        assert "all-MiniLM-L6-v2" in results.notes[0]
    result = CliRunner().invoke(cli_app, ["--database-url", database_url, "search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Reindexed 1 of 1" in result.output
    with unit_of_work(session_factory, write=False) as session:
        results = runbooks.search_runbooks(session, query="redis oomkilled")
        assert results.notes == []
        assert results.items[0].why.method == "keyword+semantic"
        stored = search.stored_identity(session)
        assert stored is not None and stored.model.startswith("wordllama")


def _runtime(app: FastAPI) -> SearchRuntime:
    with app.state.session_factory() as session:
        return runtime_of(session)


def _wait_for_warm_up() -> None:
    for thread in threading.enumerate():  # (gone already if it was quick)
        if thread.name == "faultmaven-warm-up":
            thread.join(30)


def test_replicas_share_vectors_through_the_database(settings: Settings) -> None:
    """Two apps on one database (two replicas) keep copies of their own; the second learns the
    first's writes from the database, by the rule of ``search.freshness``: a delta of the rows
    after its stamp while nothing is deleted, a whole reload after a deletion (a reindex)."""
    first, second = create_app(settings), create_app(settings)
    mine, theirs = _runtime(first), _runtime(second)
    assert mine.keyword_index is not theirs.keyword_index
    assert mine.embedded_vectors is not theirs.embedded_vectors
    url = settings.resolved_database_url
    search_url = "/api/v1/runbooks/search"
    with TestClient(first) as one, TestClient(second) as two:
        _wait_for_warm_up()
        assert two.get(search_url, params={"q": "redis"}).json()["items"] == []
        copy = theirs.keyword_index._caches[url]
        assert copy.ids == [] and copy is not mine.keyword_index._caches.get(url)
        created = one.post("/api/v1/runbooks", json=REDIS.model_dump(mode="json")).json()
        assert copy.ids == []  # the write reached the database, not the other replica's memory
        after = two.get(search_url, params={"q": "redis pods"}).json()
        assert after["items"][0]["why"]["similarity"] is not None
        assert theirs.keyword_index._caches[url] is copy and copy.ids == [created["id"]]  # delta
        one.post("/api/v1/runbooks", json={**REDIS.model_dump(mode="json"), "title": "Redis 2"})
        again = two.get(search_url, params={"q": "redis pods"}).json()
        assert len([h for h in again["items"] if h["why"]["similarity"] is not None]) == 2
        with unit_of_work(first.state.session_factory) as session:
            embedded = mine.backend_name(session) == "embedded"
        if embedded:  # pgvector searches in the database: no copy to keep fresh
            matrix = theirs.embedded_vectors._caches[url]
            assert len(matrix.ids) == 2 and mine.embedded_vectors._caches.get(url) is not matrix
        with unit_of_work(first.state.session_factory) as session:
            assert runbooks.reindex_all(session) == 2  # deletes every index row: new generation
        search.drain(mine)
        reloaded = two.get(search_url, params={"q": "redis pods"}).json()
        assert len([h for h in reloaded["items"] if h["why"]["similarity"] is not None]) == 2
        assert theirs.keyword_index._caches[url] is not copy  # reloaded whole
        assert len(theirs.keyword_index._caches[url].ids) == 2
    first.state.engine.dispose()
    second.state.engine.dispose()


def test_postgres_uses_pgvector_when_it_is_installed(
    session_factory: sessionmaker[Session], database_url: str
) -> None:
    with unit_of_work(session_factory) as session:
        runtime = runtime_of(session)
        if database_url.startswith("sqlite"):
            assert runtime.backend_name(session) == "embedded"
            return
        available = session.scalar(
            text("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
        )
        if os.environ.get("FAULTMAVEN_REQUIRE_PGVECTOR") == "1":
            assert available, "pgvector required (CI installs it with .ci/install-pgvector)"
        assert runtime.backend_name(session) == ("pgvector" if available else "embedded")
        runbooks.create_runbook(session, data=REDIS, actor="t")
    with unit_of_work(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(OutboxRow)) == 0
        assert _vector_count(session) == 1


def test_a_vector_store_outage_degrades_to_keyword_results(
    session_factory: sessionmaker[Session], monkeypatch
) -> None:
    from faultmaven.search.vectors import EmbeddedVectorIndex, PgVectorIndex

    with unit_of_work(session_factory) as session:
        runbooks.create_runbook(session, data=REDIS, actor="t")

    def down(*_args, **_kwargs):
        raise ConnectionError("vector store unreachable")

    for index in (EmbeddedVectorIndex, PgVectorIndex):
        monkeypatch.setattr(index, "search", down)
    with unit_of_work(session_factory, write=False) as session:
        results = runbooks.search_runbooks(session, query="redis oomkilled")
        assert results.items[0].runbook.title == REDIS.title
        assert results.items[0].why.method == "keyword"
        assert "keyword results only" in results.notes[0]


def test_a_writer_that_searches_never_waits_for_the_outbox(
    session_factory: sessionmaker[Session], caplog
) -> None:
    """A crash left a document in the outbox. Opening a case searches for suggestions inside a
    writing transaction (on SQLite: holding the write lock): it must not drain there (the drain's
    own transaction would wait for that lock: 10 s, then a failure)."""
    with unit_of_work(session_factory) as session:
        runbooks.create_runbook(session, data=REDIS, actor="t")
        search.defer_drain(session)
    with unit_of_work(session_factory) as session:  # a writer
        turn = conversation.open_case(
            session,
            data=CaseCreate(title="Redis pods OOMKilled", symptoms=["pods keep restarting"]),
            actor="t",
        )
        assert [s.title for s in turn.case.suggested_runbooks] == [REDIS.title]  # by its words
    runtime_of(session_factory()).background_drain.join()  # the search set the repair going
    with unit_of_work(session_factory, write=False) as session:
        assert search.pending_count(session) == 0
    assert "semantic index update failed" not in caplog.text
