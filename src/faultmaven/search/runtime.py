"""The search machinery of one app: the embedder (loaded once, lazily), the keyword index and
the embedded vector index with their in-memory copies, and the choice of vector backend. It
travels with every database session as ``session.info["search"]`` (see
``kit.db.make_session_factory``), so services reach it without globals; two apps (two replicas
in one process) have two runtimes and share nothing but the database."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from faultmaven.config import Settings
from faultmaven.kit.db import is_postgres
from faultmaven.search.background import BackgroundRunner
from faultmaven.search.embedders import Embedder, make_embedder
from faultmaven.search.keyword_memory import MemoryKeywordIndex
from faultmaven.search.text_vectors import TextVectors
from faultmaven.search.vectors import EmbeddedVectorIndex, PgVectorIndex, VectorIndex
from faultmaven.search.vectors_chroma import ChromaVectorIndex


@dataclass(frozen=True)
class IndexIdentity:
    """What the stored vectors were made with; a different identity needs a reindex."""

    model: str
    dimension: int
    backend: str


class SearchRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()
        self.session_factory: sessionmaker[Session] | None = None
        self._pgvector: bool | None = None
        self._chroma: ChromaVectorIndex | None = None
        self.keyword_index = MemoryKeywordIndex()  # one for both databases
        self.embedded_vectors = EmbeddedVectorIndex()  # also cleared when another backend is used
        self.text_vectors = TextVectors()  # of texts outside the index (search.text_vectors)
        # embeds the outbox in a thread of its own (set with the session factory)
        self.background_drain: BackgroundRunner | None = None

    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                api_key = self.settings.llm_api_key
                self._embedder = make_embedder(
                    self.settings.embedder,
                    base_url=self.settings.llm_base_url,
                    api_key=api_key.get_secret_value() if api_key else None,
                    timeout=self.settings.llm_timeout_seconds,
                )
            return self._embedder

    def backend_name(self, session: Session) -> str:
        choice = self.settings.vector_backend
        if choice != "auto":
            return choice
        if not is_postgres(session):
            return "embedded"
        if self._pgvector is None:
            self._pgvector = PgVectorIndex.available(session)
        return "pgvector" if self._pgvector else "embedded"

    def vector_index(self, session: Session) -> VectorIndex:
        backend = self.backend_name(session)
        if backend == "pgvector":
            return PgVectorIndex(self.embedder().dimension)
        if backend == "chroma":
            if self._chroma is None:  # cheap (no connection yet); a race makes an equal twin
                url, path = self.settings.chroma_url, self.settings.chroma_path
                folder = None if url else str(path or self.settings.data_dir / "chroma")
                self._chroma = ChromaVectorIndex(folder, url, "faultmaven_runbooks")
            return self._chroma
        return self.embedded_vectors

    def identity(self, session: Session) -> IndexIdentity:
        embedder = self.embedder()
        return IndexIdentity(embedder.name, embedder.dimension, self.backend_name(session))


def runtime_of(session: Session) -> SearchRuntime:
    runtime = session.info.get("search")
    if runtime is None:
        raise RuntimeError("session was not made by faultmaven.kit.db.make_session_factory(...)")
    return runtime
