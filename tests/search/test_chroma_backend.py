"""ChromaDB as the vector index (extra faultmaven[chroma]), through the real service path:
writes drained from the outbox after commit, SQL filters applied to Chroma's neighbours,
reindex, crash repair, and a Chroma server reached by URL."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from sqlalchemy import column, select, table, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from faultmaven.config import Settings
from faultmaven.kit.db import make_engine, unit_of_work
from faultmaven.runbooks import service as runbooks
from faultmaven.runbooks.schemas import RunbookCreate
from faultmaven.search import service as search
from faultmaven.search.filters import SearchFilter
from faultmaven.search.runtime import runtime_of
from faultmaven.search.service import session_factory_for
from faultmaven.search.vectors_chroma import ChromaVectorIndex, close_clients

pytest.importorskip("chromadb")

REDIS = RunbookCreate(
    title="Redis Cluster OOM Kills",
    symptoms=["Pods restarting every 5-10 minutes", "K8s events: OOMKilled"],
    status="published",
)
REDIS_TOO = RunbookCreate(
    title="Redis pods OOMKilled after a deploy",
    symptoms=["Redis pods restarting", "OOMKilled in kubectl describe"],
    status="published",
)
DISK = RunbookCreate(
    title="Postgres disk full",
    symptoms=["No space left on device", "WAL directory grows"],
    status="published",
)


@pytest.fixture(autouse=True)
def _close_chroma_clients() -> Iterator[None]:
    yield
    close_clients()


def _sqlite_settings(tmp_path: Path, template: Path, **chroma: str) -> Settings:
    shutil.copyfile(template, tmp_path / "faultmaven.db")
    return Settings(data_dir=tmp_path, vector_backend="chroma", auto_migrate=False, **chroma)


@pytest.fixture
def chroma_settings(tmp_path: Path, sqlite_template: Path) -> Settings:
    return _sqlite_settings(tmp_path, sqlite_template)


@pytest.fixture
def chroma_engine(chroma_settings: Settings) -> Iterator[Engine]:
    engine = make_engine(chroma_settings.resolved_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(chroma_engine: Engine, chroma_settings: Settings) -> sessionmaker[Session]:
    return session_factory_for(chroma_engine, chroma_settings)


def _index(session: Session) -> ChromaVectorIndex:
    index = runtime_of(session).vector_index(session)
    assert isinstance(index, ChromaVectorIndex)
    return index


def _chroma_count(session: Session) -> int:
    return _index(session)._collection().count()


def _create(factory: sessionmaker[Session], *data: RunbookCreate) -> list[str]:
    with unit_of_work(factory) as session:
        return [runbooks.create_runbook(session, data=item, actor="t").id for item in data]


def test_hybrid_search_reads_similarity_from_chroma(
    factory: sessionmaker[Session], chroma_settings: Settings
) -> None:
    redis_id, _disk_id = _create(factory, REDIS, DISK)
    with unit_of_work(factory) as session:
        assert _index(session).path == str(chroma_settings.data_dir / "chroma")
        assert _chroma_count(session) == 2
        assert search.pending_count(session) == 0
        assert session.scalar(text("SELECT count(*) FROM runbook_vectors")) == 0  # not embedded
        results = runbooks.search_runbooks(session, query="redis pods oomkilled", mode="hybrid")
        assert results.notes == []
        top = results.items[0]
        assert top.runbook.id == redis_id
        assert top.why.method == "keyword+semantic"
        assert top.why.similarity is not None and top.why.similarity > 0.3
        stored = search.stored_identity(session)
        assert stored is not None and stored.backend == "chroma"
    assert (chroma_settings.data_dir / "chroma").is_dir()


def test_archived_runbooks_are_filtered_out_of_chroma_hits(
    factory: sessionmaker[Session],
) -> None:
    kept_id, archived_id = _create(factory, REDIS, REDIS_TOO)
    with unit_of_work(factory) as session:
        runbooks.archive_runbook(session, runbook_id=archived_id, actor="t")
    with unit_of_work(factory) as session:
        vector = runtime_of(session).embedder().embed(["redis pods oomkilled"])[0]
        unfiltered = _index(session).search(session, vector, limit=10, where=SearchFilter())
        assert {hit.doc_id for hit in unfiltered} == {kept_id, archived_id}  # both in Chroma
        hits = runbooks.search_runbooks(session, query="redis pods oomkilled").items
        assert [hit.runbook.id for hit in hits] == [kept_id]
        assert hits[0].why.similarity is not None


def test_filtering_fetches_more_neighbours_when_too_few_survive(
    factory: sessionmaker[Session],
) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"v{i:03d}" for i in range(300)]
    query = vectors[0]
    order = np.argsort(-(vectors @ query))
    allowed = [ids[i] for i in order[-5:]]  # the five farthest from the query
    with unit_of_work(factory) as session:
        index = ChromaVectorIndex(str(runtime_of(session).settings.data_dir / "c2"), None, "t-x")
        index.upsert(session, list(zip(ids, vectors, strict=True)), "test")
        session.execute(text("CREATE TEMP TABLE allowed_ids (id TEXT)"))
        session.execute(text("INSERT INTO allowed_ids VALUES (:id)"), [{"id": i} for i in allowed])
        allowed_query = select(table("allowed_ids", column("id")).c.id)
        hits = index.search(session, query, limit=3, where=SearchFilter(sql=allowed_query))
        assert [hit.doc_id for hit in hits] == allowed[:3]
        expected = [float(vectors[ids.index(hit.doc_id)] @ query) for hit in hits]
        assert [hit.similarity for hit in hits] == pytest.approx(expected, abs=1e-4)
        index.clear(session)
        assert index.search(session, query, limit=3, where=SearchFilter()) == []


def test_a_second_process_sees_the_vectors(
    factory: sessionmaker[Session], chroma_settings: Settings
) -> None:
    """Another session factory and engine, as another API process would have; the embedded
    directory is shared through the per-process client (separate OS processes need a server)."""
    (redis_id,) = _create(factory, REDIS)
    other_engine = make_engine(chroma_settings.resolved_database_url)
    try:
        other = session_factory_for(other_engine, chroma_settings)
        with unit_of_work(other, write=False) as session:
            hits = runbooks.search_runbooks(session, query="redis pods").items
            assert hits[0].runbook.id == redis_id and hits[0].why.similarity is not None
            assert search.pending_count(session) == 0
    finally:
        other_engine.dispose()


def test_reindex_and_drain_rebuild_the_collection(factory: sessionmaker[Session]) -> None:
    created = _create(factory, REDIS, REDIS_TOO, DISK)
    with unit_of_work(factory) as session:  # as if an earlier embedder made 3-d vectors
        _index(session).clear(session)
        _index(session).upsert(session, [("stale", np.ones(3, np.float32))], "old-model")
    with unit_of_work(factory) as session:  # another dimension: no semantic hits, no error
        vector = runtime_of(session).embedder().embed(["redis"])[0]
        assert _index(session).search(session, vector, limit=5, where=SearchFilter()) == []
    with unit_of_work(factory) as session:
        queued = runbooks.reindex_all(session)
        search.defer_drain(session)
        runtime = runtime_of(session)
    assert queued == 3
    assert search.drain(runtime) == 3
    with unit_of_work(factory) as session:
        assert search.pending_count(session) == 0
        assert _chroma_count(session) == 3  # the stale vector went with the old dimension
        hits = runbooks.search_runbooks(session, query="redis oomkilled").items
        assert {hit.runbook.id for hit in hits} >= set(created[:2])
        assert all(hit.why.similarity is not None for hit in hits)


def test_a_crash_before_the_drain_is_repaired_after_the_next_search(
    factory: sessionmaker[Session],
) -> None:
    with unit_of_work(factory) as session:
        runbook_id = runbooks.create_runbook(session, data=REDIS, actor="t").id
        search.defer_drain(session)  # the process "dies" right after the commit
    with unit_of_work(factory) as session:
        assert (_chroma_count(session), search.pending_count(session)) == (0, 1)
    with unit_of_work(factory, write=False) as session:
        runbooks.search_runbooks(session, query="pods keep restarting")  # sets the repair going
    runtime_of(factory()).background_drain.join()
    with unit_of_work(factory, write=False) as session:
        hits = runbooks.search_runbooks(session, query="pods keep restarting").items
        assert hits and hits[0].runbook.id == runbook_id
        assert hits[0].why.similarity is not None
    with unit_of_work(factory) as session:
        assert (_chroma_count(session), search.pending_count(session)) == (1, 0)


# ---- a Chroma server --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    executable = Path(sys.executable).with_name("chroma")
    if not executable.exists():
        pytest.skip("the chroma command is not installed next to this Python")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "chroma-server.log").open("wb")
    process = subprocess.Popen(
        [
            str(executable),
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        with httpx.Client(timeout=1) as client:
            while True:
                try:
                    if client.get(f"{url}/api/v2/heartbeat").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    output = (tmp_path / "chroma-server.log").read_text(errors="replace")
                    pytest.fail(f"chroma server did not start within 20 s:\n{output}")
                time.sleep(0.1)
        yield url
    finally:
        close_clients()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_a_chroma_server_by_url(tmp_path: Path, sqlite_template: Path, chroma_server: str) -> None:
    settings = _sqlite_settings(tmp_path, sqlite_template, chroma_url=chroma_server)
    engine = make_engine(settings.resolved_database_url)
    try:
        factory = session_factory_for(engine, settings)
        redis_id, archived_id = _create(factory, REDIS, REDIS_TOO)
        with unit_of_work(factory) as session:
            runbooks.archive_runbook(session, runbook_id=archived_id, actor="t")
        with unit_of_work(factory) as session:
            index = _index(session)
            assert (index.url, index.path) == (chroma_server, None)
            assert _chroma_count(session) == 2
            hits = runbooks.search_runbooks(session, query="redis pods oomkilled").items
            assert [hit.runbook.id for hit in hits] == [redis_id]
            assert hits[0].why.similarity is not None and hits[0].why.similarity > 0.3
        assert not (tmp_path / "chroma").exists()  # nothing embedded when a URL is set
    finally:
        engine.dispose()
