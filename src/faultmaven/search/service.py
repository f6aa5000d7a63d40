"""Hybrid search over documents: keyword (in the same transaction as the document) plus vectors
(computed from an outbox after commit, repaired automatically), fused into one ranking.

Write path: ``index_documents`` updates the keyword index and queues the document in
``search_outbox`` inside the caller's transaction. When its unit of work has committed and let
go of its connection, the queued documents are embedded and stored by ``drain``
(``kit.db.after_commit``): the writer's transaction never waits for an embedder. A crash
between the two leaves the outbox row; the next drain repairs the index: after any later
commit, at server start, in the background when a search finds the outbox not empty (a search
never waits for it), or ``faultmaven search reindex``. Nothing is lost silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
from sqlalchemy import Select, delete, event, func, select, tuple_
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from faultmaven.config import Settings
from faultmaven.errors import FaultMavenError
from faultmaven.kit.db import (
    NOT_IN_SESSION,
    after_commit,
    cancel_after_commit,
    make_session_factory,
    unit_of_work,
    upsert,
)
from faultmaven.search.background import BackgroundRunner
from faultmaven.search.filters import SearchFilter
from faultmaven.search.freshness import forget_state, index_state
from faultmaven.search.fusion import blend, blend_weight, confidence
from faultmaven.search.keyword import KeywordHit, SearchDocument
from faultmaven.search.keyword_memory import query_stems
from faultmaven.search.models import IndexMetaRow, OutboxRow
from faultmaven.search.runtime import IndexIdentity, SearchRuntime, runtime_of

log = logging.getLogger("faultmaven.search")

CANDIDATES = 100  # per source, before fusion
# A runbook that shares no word with the query is shown only if its meaning is this close
# (cosine); below it, "semantic" matches of unrelated runbooks are noise.
MIN_SEMANTIC_ONLY_SIMILARITY = 0.3
DRAIN_BATCH = 256
_DRAIN = "search-drain"


EMBEDDED_CHARS = 300  # of the text after the title line


def embedding_text(text: str) -> str:
    """What the embedder sees of a document or a query: its first line (the title) and the
    first 300 characters after it. Measured on real duplicate reports (bench/README.md): longer
    text dilutes the static and small transformer embeddings we ship, and this cut gave the best
    fused ranking for both."""
    title, _, rest = text.strip().partition("\n")
    rest = rest.strip()[:EMBEDDED_CHARS]
    return f"{title}\n{rest}" if rest else title


def embed_texts(session: Session, texts: Sequence[str]) -> np.ndarray:
    """Vectors of the configured embedder for ``texts`` (cut as documents are, by
    ``embedding_text``; rows L2-normalised): to compare texts that are not in the index.
    Vectors of texts embedded before are reused (``search.text_vectors``)."""
    runtime = runtime_of(session)
    return runtime.text_vectors.embed(
        [embedding_text(text) for text in texts], runtime.embedder().embed
    )


def document_text(document: SearchDocument) -> str:
    return "\n".join(part for part in (document.title, document.symptoms, document.body) if part)


@dataclass(frozen=True)
class HybridHit:
    doc_id: str
    score: float  # confidence in [0, 1] (fusion.confidence), comparable across queries
    keyword: KeywordHit | None
    similarity: float | None
    ranks: dict[str, int]


@dataclass(frozen=True)
class HybridResult:
    hits: list[HybridHit]
    notes: list[str] = field(default_factory=list)


# ---- write path ----------------------------------------------------------------------------------


def index_documents(session: Session, documents: Sequence[tuple[SearchDocument, int]]) -> None:
    """Keyword index now (same transaction); vectors after commit (through the outbox).
    ``documents``: (document, its version) pairs."""
    if not documents:
        return
    runtime_of(session).keyword_index.upsert(session, [doc for doc, _ in documents])
    statement = upsert(session, OutboxRow)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[OutboxRow.runbook_id],
            set_={"version": statement.excluded.version, "text": statement.excluded.text},
        ),
        [
            {
                "runbook_id": document.doc_id,
                "version": version,
                "text": embedding_text(document_text(document)),
            }
            for document, version in documents
        ],
    )
    after_commit(session, _DRAIN, partial(drain, runtime_of(session)))


def session_factory_for(engine: Engine, settings: Settings) -> sessionmaker[Session]:
    """Sessions that carry a new search runtime (one per app: its own index caches and its
    background drain)."""
    runtime = SearchRuntime(settings)
    factory = make_session_factory(engine, info={"search": runtime, "settings": settings})
    runtime.session_factory = factory
    runtime.background_drain = BackgroundRunner(partial(drain, runtime), name="faultmaven-drain")

    event.listen(factory, "after_commit", forget_state)
    event.listen(factory, "after_soft_rollback", lambda session, _tx: forget_state(session))
    return factory


def warm_up(factory: sessionmaker[Session]) -> None:
    """Load the runtime's index caches now, so that the first search does not wait for them
    (a server calls it at start, in the background: 0.3 s at 10k runbooks, 4.5 s at 100k), and
    embed what a crash left in the outbox. Never raises: a failure leaves the loading to the
    first search and the outbox to the next drain."""
    drain(_runtime_of_factory(factory))
    try:
        with unit_of_work(factory, write=False) as session:
            runtime = runtime_of(session)
            runtime.keyword_index.load(session)
            if runtime.backend_name(session) == "embedded":
                runtime.embedded_vectors.load(session)
    except Exception:  # noqa: BLE001 - best effort; the first search loads them anyway
        log.warning("could not load the search index caches at start", exc_info=True)


def finish_background_work(factory: sessionmaker[Session]) -> None:
    """Wait for the runtime's background drain, if one runs (before the engine is disposed)."""
    drainer = _runtime_of_factory(factory).background_drain
    if drainer is not None:
        drainer.join()


def _runtime_of_factory(factory: sessionmaker[Session]) -> SearchRuntime:
    runtime: SearchRuntime = factory.kw["info"]["search"]
    return runtime


def drain_after_commit(
    session: Session, *, on_progress: Callable[[int], None] | None = None
) -> Callable[[], int]:
    """Drain when this session's unit of work has committed, reporting each batch (a command's
    progress bar); returns how many the drain indexed, once it ran (0 before)."""
    done: list[int] = []

    def run() -> None:
        done.append(drain(runtime_of(session), on_progress=on_progress))

    after_commit(session, _DRAIN, run)
    return lambda: sum(done)


def defer_drain(session: Session) -> None:
    """Don't drain when this session commits (tests: as if the process died right after)."""
    cancel_after_commit(session, _DRAIN)


def drain(
    runtime: SearchRuntime,
    *,
    limit: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Embed and store queued documents; returns how many were indexed. Never raises: a
    failure (embedder down, index mismatch) leaves the queue for the next try."""
    factory = runtime.session_factory
    if factory is None:
        return 0
    done = 0
    try:
        while limit is None or done < limit:
            batch = _drain_batch(runtime, factory)
            if not batch:
                break
            done += batch
            if on_progress:
                on_progress(batch)
    except Exception:  # noqa: BLE001 - the write already committed; log and retry later
        log.warning("semantic index update failed; will retry", exc_info=True)
    return done


def _drain_batch(runtime: SearchRuntime, factory: sessionmaker[Session]) -> int:
    """Embed up to DRAIN_BATCH queued documents. The queue is read in a read-only transaction
    and the embedding runs outside any transaction, so the write lock is held only to store
    the vectors (a slow embedder never blocks other writers)."""
    with unit_of_work(factory, write=False) as session:
        identity = runtime.identity(session)
        stored = stored_identity(session)
        if stored not in (None, identity):
            return 0
        rows = session.execute(
            select(OutboxRow.runbook_id, OutboxRow.version, OutboxRow.text)
            .order_by(OutboxRow.runbook_id)
            .limit(DRAIN_BATCH)
        ).all()
    if not rows:
        return 0
    vectors = runtime.embedder().embed([row.text for row in rows])
    with unit_of_work(factory) as session:
        done = [(row.runbook_id, row.version) for row in rows]
        # only what is still queued at the version embedded (an edit meanwhile re-queued it,
        # or another drain stored it); rows another drain is storing right now are skipped
        still_queued = {
            (runbook_id, version)
            for runbook_id, version in session.execute(
                select(OutboxRow.runbook_id, OutboxRow.version)
                .where(tuple_(OutboxRow.runbook_id, OutboxRow.version).in_(done))
                .with_for_update(skip_locked=True)
            )
        }
        fresh = [
            (row.runbook_id, vectors[i])
            for i, row in enumerate(rows)
            if (row.runbook_id, row.version) in still_queued
        ]
        if fresh:
            runtime.vector_index(session).upsert(session, fresh, identity.model)
            session.execute(
                delete(OutboxRow).where(
                    tuple_(OutboxRow.runbook_id, OutboxRow.version).in_(still_queued)
                ),
                execution_options=NOT_IN_SESSION,
            )
        if stored is None:
            _store_identity(session, identity)
    return len(rows)


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxRow)) or 0


def pending_ids() -> Select[tuple[str]]:
    """The ids of the documents queued in the outbox (a subquery for the owning domain)."""
    return select(OutboxRow.runbook_id)


# ---- index identity ----------------------------------------------------------------------------


_IDENTITY_KEYS = ("model", "dimension", "backend")


def stored_identity(session: Session) -> IndexIdentity | None:
    values = index_state(session).meta
    if not set(_IDENTITY_KEYS) <= values.keys():
        return None
    return IndexIdentity(values["model"], int(values["dimension"]), values["backend"])


def _store_identity(session: Session, identity: IndexIdentity) -> None:
    """An upsert: first drains of two processes (or threads) may store it at the same time."""
    statement = upsert(session, IndexMetaRow)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[IndexMetaRow.key], set_={"value": statement.excluded.value}
        ),
        [
            {"key": "model", "value": identity.model},
            {"key": "dimension", "value": str(identity.dimension)},
            {"key": "backend", "value": identity.backend},
        ],
    )


def mismatch_note(session: Session, runtime: SearchRuntime) -> str | None:
    stored, current = stored_identity(session), runtime.identity(session)
    if stored is None or stored == current:
        return None
    return (
        f"Semantic search is off: the index was built with {stored.model} "
        f"({stored.dimension} dimensions, {stored.backend}) but the configured embedder is "
        f"{current.model} ({current.dimension}, {current.backend}). "
        "Run `faultmaven search reindex`."
    )


def reset_vectors(session: Session, documents: Iterable[tuple[SearchDocument, int]]) -> int:
    """Start the index over for the configured embedder: drop every vector and queue every
    document (keyword entries are rewritten now). Returns how many were queued."""
    runtime = runtime_of(session)
    runtime.embedded_vectors.clear(session)  # may hold vectors from another backend's era
    if runtime.backend_name(session) != "embedded":
        runtime.vector_index(session).clear(session)
    session.execute(delete(IndexMetaRow).where(IndexMetaRow.key.in_(_IDENTITY_KEYS)))
    session.execute(delete(OutboxRow))
    runtime.keyword_index.clear(session)
    queued = list(documents)
    for first in range(0, len(queued), DRAIN_BATCH):
        index_documents(session, queued[first : first + DRAIN_BATCH])
    _store_identity(session, runtime.identity(session))
    return len(queued)


# ---- read path ---------------------------------------------------------------------------------


def _vector_hits(
    session: Session, runtime: SearchRuntime, query: str, where: SearchFilter
) -> list[tuple[str, float]]:
    vector = runtime.embedder().embed([embedding_text(query)])[0]
    if not np.any(vector):
        return []
    hits = runtime.vector_index(session).search(session, vector, limit=CANDIDATES, where=where)
    return [(hit.doc_id, hit.similarity) for hit in hits]


def search(
    session: Session,
    query: str,
    *,
    where: SearchFilter,
    limit: int,
    semantic: bool = True,
    min_score: float = 0.0,
) -> HybridResult:
    """Keyword hits blended with vector hits (``semantic=False``: keyword hits only), scored as
    confidence in [0, 1]; hits below ``min_score`` are left out. A query without a meaningful
    word (only stop words) finds nothing."""
    runtime = runtime_of(session)
    drainer = runtime.background_drain
    if semantic and drainer is not None and index_state(session).pending:
        drainer.wake()  # not here: a search never waits for the write lock
    keyword_index = runtime.keyword_index
    if not query_stems(query):
        return HybridResult(hits=[])
    keyword_hits = keyword_index.search(session, query, limit=CANDIDATES, where=where)
    if not where.is_empty:
        where = where.checked_by(*keyword_index.accepting(session, where.facets))
    notes: list[str] = []
    vector_hits: list[tuple[str, float]] = []
    note = mismatch_note(session, runtime) if semantic else None
    if note:
        notes.append(note)
    elif semantic:
        try:
            vector_hits = _vector_hits(session, runtime, query, where)
        except FaultMavenError as error:
            notes.append(f"Semantic search is unavailable ({error.message}); keyword results only.")
        except Exception:  # noqa: BLE001 - a vector store outage must not fail the search
            log.warning("vector search failed", exc_info=True)
            notes.append("Semantic search is unavailable right now; keyword results only.")
    by_id = {hit.doc_id: hit for hit in keyword_hits}
    similarity = dict(vector_hits)
    mode = "hybrid" if vector_hits else "keyword"
    blended = blend(
        [(hit.doc_id, hit.share) for hit in keyword_hits],
        vector_hits,
        weight=blend_weight(runtime.identity(session).model),
        limit=limit + CANDIDATES,
    )
    fused = [
        (hit, score)
        for hit in blended
        if "keyword" in hit.sources or similarity[hit.doc_id] >= MIN_SEMANTIC_ONLY_SIMILARITY
        if (score := confidence(hit.score, mode)) >= min_score
    ][:limit]
    matched = keyword_index.explain(
        session, query, [h.doc_id for h, _ in fused if h.doc_id in by_id]
    )
    return HybridResult(
        hits=[
            HybridHit(
                doc_id=hit.doc_id,
                score=score,
                keyword=(
                    replace(by_id[hit.doc_id], matched=matched.get(hit.doc_id, {}))
                    if hit.doc_id in by_id
                    else None
                ),
                similarity=similarity.get(hit.doc_id),
                ranks={source: rank for source, (rank, _raw) in hit.sources.items()},
            )
            for hit, score in fused
        ],
        notes=notes,
    )
