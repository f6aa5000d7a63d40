"""Vector indexes: embedded (vectors in the database, searched exactly with numpy) and
pgvector (PostgreSQL extension, HNSW), behind one interface.

Embedded coherence (several API processes share one database): each search runtime (one per
app) caches the matrix and keeps it fresh by the rule of ``search.freshness`` (new rows as a
delta, a deletion or an old cache reloads it whole).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import column, delete, insert, select, table, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from faultmaven.kit.db import NOT_IN_SESSION
from faultmaven.search.blas import single_blas_thread
from faultmaven.search.filters import SearchFilter
from faultmaven.search.freshness import VECTOR_GENERATION, Stamp, index_state, new_generation
from faultmaven.search.models import VectorRow


@dataclass(frozen=True)
class VectorHit:
    doc_id: str
    similarity: float  # cosine similarity, -1..1


class VectorIndex(Protocol):
    backend: str

    def upsert(
        self, session: Session, items: Sequence[tuple[str, np.ndarray]], model: str
    ) -> None: ...

    def clear(self, session: Session) -> None: ...

    def search(
        self, session: Session, vector: np.ndarray, *, limit: int, where: SearchFilter
    ) -> list[VectorHit]: ...


# ---- embedded ----------------------------------------------------------------------------------


@dataclass
class _Matrix:
    ids: list[str] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    stamp: Stamp = field(default_factory=lambda: Stamp(0, None, 0.0))


class EmbeddedVectorIndex:
    """Vectors as float32 blobs in ``runbook_vectors``; exact cosine search over a cached matrix.
    The matrix belongs to the instance: one per ``SearchRuntime`` (``embedded_vectors``)."""

    backend = "embedded"

    def __init__(self) -> None:
        self._caches: dict[str, _Matrix] = {}  # engine url -> matrix
        self._lock = threading.Lock()

    def upsert(self, session: Session, items: Sequence[tuple[str, np.ndarray]], model: str) -> None:
        if not items:
            return
        ids = [doc_id for doc_id, _vector in items]
        session.execute(
            delete(VectorRow).where(VectorRow.runbook_id.in_(ids)), execution_options=NOT_IN_SESSION
        )
        session.execute(
            insert(VectorRow),
            [
                {
                    "runbook_id": doc_id,
                    "model": model,
                    "vector": np.asarray(vec, np.float32).tobytes(),
                }
                for doc_id, vec in items
            ],
        )

    def clear(self, session: Session) -> None:
        session.execute(delete(VectorRow), execution_options=NOT_IN_SESSION)
        new_generation(session, VECTOR_GENERATION)

    def load(self, session: Session) -> None:
        """Bring this runtime's copy of the vectors up to date now."""
        self._fresh(session)

    def _fresh(self, session: Session) -> _Matrix:
        engine = session.get_bind().engine
        key = str(engine.url)
        current = index_state(session).vectors
        with self._lock:
            cache = self._caches.get(key)
            if cache is not None and cache.stamp.extends_to(current):
                if current.max_seq > cache.stamp.max_seq:
                    delta = self._load(engine, cache.stamp.max_seq, current.max_seq)
                    stamp = replace(cache.stamp, max_seq=current.max_seq)
                    cache = self._caches[key] = self._merged(cache, delta, stamp)
                return cache
            cache = self._merged(_Matrix(), self._load(engine, 0, current.max_seq), current)
            self._caches[key] = cache
            return cache

    @staticmethod
    def _load(engine: Engine, after_seq: int, up_to_seq: int) -> list[tuple[str, bytes]]:
        with engine.connect() as connection:
            rows = connection.execute(
                select(VectorRow.runbook_id, VectorRow.vector)
                .where(VectorRow.seq > after_seq, VectorRow.seq <= up_to_seq)
                .order_by(VectorRow.seq)
            )
            return [(row.runbook_id, row.vector) for row in rows]

    @staticmethod
    def _merged(cache: _Matrix, rows: list[tuple[str, bytes]], stamp: Stamp) -> _Matrix:
        ids, positions = list(cache.ids), dict(cache.positions)
        matrix = cache.matrix
        new_vectors: list[np.ndarray] = []
        for doc_id, blob in rows:
            vector = np.frombuffer(blob, dtype=np.float32)
            if doc_id in positions and matrix.shape[0] > positions[doc_id]:
                matrix = matrix.copy() if matrix is cache.matrix else matrix
                matrix[positions[doc_id]] = vector
                continue
            positions[doc_id] = len(ids)
            ids.append(doc_id)
            new_vectors.append(vector)
        if new_vectors:
            stacked = np.vstack(new_vectors)
            matrix = stacked if matrix.size == 0 else np.vstack([matrix, stacked])
        return _Matrix(ids, positions, matrix, stamp)

    def search(
        self, session: Session, vector: np.ndarray, *, limit: int, where: SearchFilter
    ) -> list[VectorHit]:
        cache = self._fresh(session)
        if not cache.ids or cache.matrix.shape[1] != vector.shape[0]:
            return []
        with single_blas_thread():
            scores = cache.matrix @ vector.astype(np.float32)
        if where.mask_of is not None:  # every document checked at once, by position
            accepted = np.flatnonzero(where.mask_of(cache.ids))
            if len(accepted) > limit:
                accepted = accepted[np.argpartition(-scores[accepted], limit - 1)[:limit]]
            kept = accepted[np.argsort(-scores[accepted], kind="stable")]
            return [VectorHit(cache.ids[i], float(scores[i])) for i in kept]
        want = min(len(scores), limit + 32)  # most pass the filter: grow when not
        while True:
            top = (
                np.argpartition(-scores, want - 1)[:want]
                if want < len(scores)
                else np.arange(len(scores))
            )
            top = top[np.argsort(-scores[top], kind="stable")]
            candidates = [cache.ids[i] for i in top]
            if where.is_empty:
                kept = top
            else:
                allowed = where.among(session, candidates)
                kept = np.array([i for i in top if cache.ids[i] in allowed], dtype=np.int64)
            if len(kept) >= limit or want >= len(scores):
                break
            want = min(len(scores), want * 4)
        return [VectorHit(cache.ids[i], float(scores[i])) for i in kept[:limit]]


# ---- pgvector -----------------------------------------------------------------------------------


class PgVectorIndex:
    """pgvector's ``vector(d)`` column with an HNSW cosine index (table made for the dimension
    of the configured embedder; a different dimension needs a reindex)."""

    backend = "pgvector"

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._table = table(
            "runbook_embeddings", column("runbook_id"), column("embedding", Vector(dimension))
        )

    @staticmethod
    def available(session: Session) -> bool:
        query = "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'"
        return bool(session.scalar(text(query)))

    def ensure(self, session: Session) -> None:
        """Create the table and its index if missing. ``CREATE ... IF NOT EXISTS`` is not safe
        against itself (two first drains at once collide in the catalog), so creators queue on
        an advisory lock; once the table exists this is one catalog lookup."""
        if session.scalar(text("SELECT to_regclass('runbook_embeddings') IS NOT NULL")):
            return
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('faultmaven.embeddings'))"))
        session.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        session.execute(
            text(
                "CREATE TABLE IF NOT EXISTS runbook_embeddings ("
                " runbook_id varchar(40) PRIMARY KEY REFERENCES runbooks(id) ON DELETE CASCADE,"
                f" embedding vector({self.dimension}) NOT NULL)"
            )
        )
        session.execute(
            text(
                "CREATE INDEX IF NOT EXISTS ix_runbook_embeddings_hnsw ON runbook_embeddings "
                "USING hnsw (embedding vector_cosine_ops)"
            )
        )

    def upsert(self, session: Session, items: Sequence[tuple[str, np.ndarray]], model: str) -> None:
        if not items:
            return
        self.ensure(session)
        statement = pg_insert(self._table).values(
            [{"runbook_id": doc_id, "embedding": vector} for doc_id, vector in items]
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["runbook_id"], set_={"embedding": statement.excluded.embedding}
            )
        )

    def clear(self, session: Session) -> None:
        session.execute(text("DROP TABLE IF EXISTS runbook_embeddings"))

    def search(
        self, session: Session, vector: np.ndarray, *, limit: int, where: SearchFilter
    ) -> list[VectorHit]:
        if not session.scalar(text("SELECT to_regclass('runbook_embeddings') IS NOT NULL")):
            return []
        session.execute(text("SET LOCAL hnsw.ef_search = 100"))
        distance = self._table.c.embedding.cosine_distance(vector)
        query = (
            select(self._table.c.runbook_id, (1 - distance).label("similarity"))
            .order_by(distance)
            .limit(limit)
        )
        if where.sql is not None:
            query = query.where(self._table.c.runbook_id.in_(where.sql))
        return [VectorHit(row.runbook_id, float(row.similarity)) for row in session.execute(query)]
