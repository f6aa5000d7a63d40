"""The keyword index, on SQLite and PostgreSQL: ranking, filters, explanations, and a cache
that stays true to the database while other writers (other processes, sessions) change it."""

from __future__ import annotations

import math
import sqlite3
import threading
from collections import Counter

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from faultmaven.app import create_app
from faultmaven.kit.db import unit_of_work
from faultmaven.runbooks import service as runbooks
from faultmaven.runbooks.schemas import RunbookCreate, RunbookPatch
from faultmaven.runbooks.service import RunbookFilters
from faultmaven.search.analysis import is_stop_word, stem, words
from faultmaven.search.keyword import FIELDS, SearchDocument
from faultmaven.search.keyword_memory import MemoryKeywordIndex, _grouped_order
from faultmaven.search.runtime import runtime_of


def _runbook(title: str, *, symptoms: list[str] = (), summary: str = "", **meta) -> RunbookCreate:
    return RunbookCreate(
        title=title, symptoms=list(symptoms), summary=summary, status="published", **meta
    )


def _create(factory: sessionmaker[Session], *items: RunbookCreate) -> list[str]:
    with unit_of_work(factory) as session:
        return [runbooks.create_runbook(session, data=item, actor="t").id for item in items]


def _search(
    factory: sessionmaker[Session], query: str, min_score: float | None = None, **filters
) -> list[str]:
    with unit_of_work(factory, write=False) as session:
        results = runbooks.search_runbooks(
            session,
            query=query,
            filters=RunbookFilters(**filters),
            mode="keyword",
            min_score=min_score,
        )
        return [hit.runbook.id for hit in results.items]


def test_words_in_the_title_outrank_the_same_words_in_the_body(
    session_factory: sessionmaker[Session],
) -> None:
    body, title = _create(
        session_factory,
        _runbook("Disk pressure on nodes", summary="Kafka consumer lag grew while disks filled"),
        _runbook("Kafka consumer lag", summary="Consumers fell behind after a rebalance"),
    )
    assert _search(session_factory, "kafka consumer lag", min_score=0.0) == [title, body]


def test_what_a_long_query_keeps_repeating_decides(session_factory: sessionmaker[Session]) -> None:
    """A case text names its subject several times and other things once: the runbook about the
    repeated subject comes first, although the other one matches as many words and is shorter
    (with each query word counted once, the shorter one wins)."""
    kafka, redis = _create(
        session_factory,
        _runbook("Kafka cluster down after the broker upgrade"),
        _runbook("Redis down"),
    )
    query = "kafka is down? kafka logs say kafka cannot reach redis"
    assert _search(session_factory, query, min_score=0.0) == [kafka, redis]


def test_stems_match_other_forms_of_a_word(session_factory: sessionmaker[Session]) -> None:
    (rb,) = _create(session_factory, _runbook("Connections refused", symptoms=["Timeouts"]))
    assert _search(session_factory, "connection refusing timeout") == [rb]


def test_every_hit_says_which_words_matched_where(session_factory: sessionmaker[Session]) -> None:
    _create(
        session_factory,
        _runbook("Redis OOMKilled", symptoms=["pods restart"], summary="maxmemory was unset"),
    )
    with unit_of_work(session_factory, write=False) as session:
        (hit,) = runbooks.search_runbooks(
            session, query="redis pods maxmemory", mode="keyword"
        ).items
    assert hit.why.fields == {"title": ["redis"], "symptoms": ["pods"], "body": ["maxmemory"]}
    assert hit.why.matched_terms == ["redis", "pods", "maxmemory"]


def test_filters_apply_before_ranking(session_factory: sessionmaker[Session]) -> None:
    redis, postgres, archived = _create(
        session_factory,
        _runbook("Latency spike", services=["Redis"], tags=["cache"], severity="high"),
        _runbook("Latency spike in queries", services=["postgres"], severity="low"),
        _runbook("Latency spike archived", services=["redis"]),
    )
    with unit_of_work(session_factory) as session:
        runbooks.archive_runbook(session, runbook_id=archived, actor="t")
    assert set(_search(session_factory, "latency spike")) == {redis, postgres}
    assert _search(session_factory, "latency spike", service=" REDIS ") == [redis]
    assert _search(session_factory, "latency spike", tag="cache") == [redis]
    assert _search(session_factory, "latency spike", severity="low") == [postgres]
    assert _search(session_factory, "latency spike", status="archived") == [archived]
    assert _search(session_factory, "latency spike", tag="nope") == []


def test_an_edit_replaces_the_old_words(session_factory: sessionmaker[Session]) -> None:
    (rb,) = _create(session_factory, _runbook("Certificate expired"))
    assert _search(session_factory, "certificate") == [rb]  # the cache now holds version 1
    with unit_of_work(session_factory) as session:
        runbooks.patch_runbook(
            session,
            runbook_id=rb,
            patch=RunbookPatch(title="Ingress returns 502", status="published"),
            expected_version=1,
            actor="t",
        )
    assert _search(session_factory, "certificate") == []
    assert _search(session_factory, "ingress 502") == [rb]


def test_many_edits_of_one_runbook_leave_one_live_entry(
    session_factory: sessionmaker[Session],
) -> None:
    (rb,) = _create(session_factory, _runbook("Flapping health check v1"))
    for version in range(1, 12):  # each edit leaves a replaced entry; the cache compacts itself
        assert _search(session_factory, "flapping") == [rb]
        with unit_of_work(session_factory) as session:
            runbooks.patch_runbook(
                session,
                runbook_id=rb,
                patch=RunbookPatch(
                    title=f"Flapping health check v{version + 1}", status="published"
                ),
                expected_version=version,
                actor="t",
            )
    assert _search(session_factory, "flapping health") == [rb]
    assert _search(session_factory, "v11") == []
    assert _search(session_factory, "v12") == [rb]


def test_a_runbook_saved_by_another_writer_is_found(
    session_factory: sessionmaker[Session], settings
) -> None:
    """Another process writes through its own connection; this process's cache must notice it
    from the database alone (there is no in-process signal)."""
    (first,) = _create(session_factory, _runbook("Queue backlog"))
    assert _search(session_factory, "backlog") == [first]
    with unit_of_work(session_factory) as session:  # as another process would store it
        document = SearchDocument(
            doc_id=first,
            title="Queue backlog and DLQ growth",
            symptoms="",
            body="",
            facets={"status": ["published"], "severity": ["medium"]},
        )
        MemoryKeywordIndex().upsert(session, [document])
    assert _search(session_factory, "dlq") == [first]


def test_search_sees_only_committed_runbooks(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as writer:
        runbooks.create_runbook(writer, data=_runbook("Zookeeper session expired"), actor="t")
        writer.flush()
        assert _search(session_factory, "zookeeper") == []  # not committed yet
    assert len(_search(session_factory, "zookeeper")) == 1


def test_rows_deleted_underneath_the_cache_are_dropped_by_a_reindex(
    session_factory: sessionmaker[Session],
) -> None:
    kept, gone = _create(session_factory, _runbook("DNS lookups fail"), _runbook("DNS cache stale"))
    assert set(_search(session_factory, "dns")) == {kept, gone}
    with unit_of_work(session_factory) as session:
        session.execute(text("DELETE FROM runbooks WHERE id = :id"), {"id": gone})
        runbooks.reindex_all(session)
    assert _search(session_factory, "dns") == [kept]


def test_ranking_is_bm25_with_field_weights(session_factory: sessionmaker[Session]) -> None:
    """Same documents as SQLite FTS5 (which decides what matches), ranked by the documented
    BM25: field weights 10/5/1, idf log((N + 1) / n), k1 2.0, b 0.75, and a stem the query
    repeats weighs 1 + ln(times)."""
    docs = [
        ("Nginx 502 bad gateway", "upstream closed connection", "restart the upstream pool"),
        ("Upstream timeouts", "nginx logs upstream timed out", "raise proxy_read_timeout"),
        ("Gateway errors after deploy", "502 from the load balancer", "roll back the deploy"),
        ("Disk full", "no space left on device", "nginx access logs filled the disk"),
        ("Connection pool exhausted", "too many connections", "upstream pool size too small"),
    ]
    ids = _create(
        session_factory,
        *(_runbook(t, symptoms=[s], summary=b) for t, s, b in docs),
    )
    fts = sqlite3.connect(":memory:")
    fts.execute("CREATE VIRTUAL TABLE d USING fts5(title, symptoms, body, tokenize='porter')")
    with unit_of_work(session_factory) as session:
        for rb in ids:
            document = runbooks._document(runbooks.repository.get(session, rb))
            fts.execute(
                "INSERT INTO d (rowid, title, symptoms, body) VALUES (?, ?, ?, ?)",
                (ids.index(rb), document.title, document.symptoms, document.body),
            )
    analysed = []
    with unit_of_work(session_factory) as session:
        for rb in ids:
            document = runbooks._document(runbooks.repository.get(session, rb))
            analysed.append([Counter(stem(w) for w in words(getattr(document, f))) for f in FIELDS])
    lengths = [sum(sum(c.values()) for c in doc) for doc in analysed]
    avgdl = sum(lengths) / len(lengths)

    def reference(query: str) -> list[str]:
        scores = {}
        for i, doc in enumerate(analysed):
            total = 0.0
            query_words = [w for w in words(query) if not is_stop_word(w)]
            for term, times in Counter(stem(w) for w in query_words).items():
                n = sum(1 for d in analysed if any(term in c for c in d))
                f = sum(w * c[term] for w, c in zip((10, 5, 1), doc, strict=True))
                if f:
                    norm = 2.0 * (1 - 0.75 + 0.75 * lengths[i] / avgdl)
                    idf = math.log((len(analysed) + 1) / n)
                    total += (1 + math.log(times)) * idf * f * 3.0 / (f + norm)
            if total:
                scores[ids[i]] = total
        return sorted(scores, key=lambda d: (-scores[d], d))

    queries = ("nginx upstream", "502 gateway", "pool connections", "upstream timeout")
    for query in (*queries, "nginx 502 from nginx, nginx says upstream"):
        terms = " OR ".join(f'"{word}"' for word in query.split())
        matched = {
            ids[row[0]] for row in fts.execute("SELECT rowid FROM d WHERE d MATCH ?", (terms,))
        }
        found = _search(session_factory, query, min_score=0.0)
        assert set(found) == matched, query
        assert found == reference(query), query


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgresql_index_writers_commit_in_seq_order(
    session_factory: sessionmaker[Session],
) -> None:
    """A cache loads rows after the largest seq it has seen, so a row may never commit after a
    row with a larger seq: the second writer waits for the first one's commit."""
    first, second = _create(session_factory, _runbook("Kafka lag"), _runbook("Kafka rebalance"))
    assert len(_search(session_factory, "kafka")) == 2  # the cache has seen both rows

    def document(doc_id: str, title: str) -> SearchDocument:
        facets = {"status": ["published"], "severity": ["medium"]}
        return SearchDocument(doc_id=doc_id, title=title, symptoms="", body="", facets=facets)

    done = threading.Event()

    def other_writer() -> None:
        with unit_of_work(session_factory) as session:
            MemoryKeywordIndex().upsert(session, [document(second, "Kafka broker disk full")])
        done.set()

    with unit_of_work(session_factory) as session:
        MemoryKeywordIndex().upsert(session, [document(first, "Kafka consumer group stuck")])
        writer = threading.Thread(target=other_writer)
        writer.start()
        assert not done.wait(0.5)  # queued behind this transaction
    writer.join(10)
    assert done.is_set()
    assert _search(session_factory, "stuck") == [first]
    assert _search(session_factory, "broker") == [second]
    with unit_of_work(session_factory) as session:
        seqs = dict(session.execute(text("SELECT runbook_id, seq FROM search_terms")).all())
    assert seqs[first] < seqs[second]


def test_a_server_loads_the_index_when_it_starts(settings, session_factory) -> None:
    (rb,) = _create(session_factory, _runbook("Certificate rotation failed"))
    app = create_app(settings)  # a search runtime of its own: nothing loaded yet
    with app.state.session_factory() as session:
        index = runtime_of(session).keyword_index
    assert index._caches == {}
    with TestClient(app):
        for thread in threading.enumerate():  # (gone already if it was quick)
            if thread.name == "faultmaven-warm-up":
                thread.join(30)
        memory = index._caches[settings.resolved_database_url]
        assert list(memory.positions) == [rb]  # loaded before any search
    app.state.engine.dispose()


@pytest.mark.parametrize(
    "keys",
    [
        [5, -3, 5, 7, -3, 5],
        [(1 << 32) | 5, (1 << 32) | 7, (1 << 32) | 5],  # same high half: interleaved -> fallback
        [-(1 << 62), 1 << 62, -(1 << 62)],
    ],
)
def test_postings_group_each_term_with_positions_in_order(keys: list[int]) -> None:
    array = np.asarray(keys, np.int64)
    assert _grouped_order(array).tolist() == np.argsort(array, kind="stable").tolist()
