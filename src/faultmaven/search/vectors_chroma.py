"""ChromaDB as the vector index (optional extra: ``pip install 'faultmaven[chroma]'``).

Two ways to reach it: an embedded directory (``chromadb.PersistentClient``, setting
``chroma_path``, default ``<data_dir>/chroma``) or a Chroma server (``chromadb.HttpClient``,
setting ``chroma_url``). Chroma holds only ids and vectors (cosine space), never documents.

Transactions: Chroma is a separate store, so its writes are NOT part of the SQL transaction and
are not rolled back with it. That is why vectors are written from the outbox after the document's
commit (``faultmaven.search.service.drain``): a vector is stored only for a committed document,
its outbox row is deleted only after Chroma accepted the write (a failure in between upserts the
same id again, which is idempotent), and a crash before the write leaves the outbox row for the
next drain. ``clear`` (a reindex) takes effect immediately; if the reindex transaction then
fails, run the reindex again.

Filters (status, labels, ...) live in the SQL database, not in Chroma: a search over-fetches
nearest neighbours and keeps the ids that the search filter admits, fetching more if too
few survive.

One process per embedded directory: a process that has the directory open does not see vectors
written by another process until it reopens it (each process keeps its own in-memory index).
Several API workers or replicas, or the CLI next to a running server, need a Chroma server.

The default embedding function of Chroma is never used (collections are opened with
``embedding_function=None``; FaultMaven always passes its own vectors), so nothing is
downloaded, and Chroma's anonymized telemetry is turned off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from faultmaven.errors import FaultMavenError
from faultmaven.search.filters import SearchFilter
from faultmaven.search.vectors import VectorHit

log = logging.getLogger("faultmaven.search")

UPSERT_CHUNK = 1000
_CONFIGURATION = {"hnsw": {"space": "cosine"}}

_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


class ChromaNotInstalled(FaultMavenError):
    status_code = 500
    code = "CHROMA_NOT_INSTALLED"


def _chromadb() -> Any:
    try:
        import chromadb
        import chromadb.errors
    except ImportError as error:
        raise ChromaNotInstalled(
            "FAULTMAVEN_VECTOR_BACKEND=chroma needs the chromadb package: "
            f"pip install 'faultmaven[chroma]' ({error})"
        ) from error
    return chromadb


def _client(path: str | None, url: str | None) -> Any:
    """One client per directory or server URL per process (Chroma refuses a second client on
    the same directory with other settings, and a client is safe to share between threads)."""
    directory = None if url else Path(path or "").resolve()
    key = f"url:{url}" if url else f"path:{directory}"
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            chromadb = _chromadb()
            settings = chromadb.config.Settings(anonymized_telemetry=False)
            if directory is None:
                client = chromadb.HttpClient(host=url, settings=settings)
            else:
                directory.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(directory), settings=settings)
            _clients[key] = client
        return client


def close_clients() -> None:
    """Close every cached client (at shutdown, or between tests)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
        # chromadb 1.x's HTTP client does not close its httpx session on close(); do it, or the
        # pooled sockets leak (a ResourceWarning, an error under filterwarnings=error)
        for owner in (client, getattr(client, "_admin_client", None)):
            session = getattr(getattr(owner, "_server", None), "_session", None)
            if session is not None and hasattr(session, "close"):
                session.close()


class ChromaVectorIndex:
    """Vectors in a Chroma collection (cosine), ids = runbook ids."""

    backend = "chroma"

    def __init__(self, path: str | None, url: str | None, collection: str) -> None:
        if not path and not url:
            raise ValueError("ChromaVectorIndex needs a path or a url")
        self.path = path
        self.url = url
        self.collection = collection

    def _client(self) -> Any:
        return _client(self.path, self.url)

    def _collection(self) -> Any:
        collection = self._client().get_or_create_collection(
            self.collection, configuration=_CONFIGURATION, embedding_function=None
        )
        settings = collection.configuration_json or {}
        space = (settings.get("hnsw") or settings.get("spann") or {}).get("space")
        if space not in (None, "cosine"):
            raise FaultMavenError(
                f"Chroma collection {self.collection!r} uses the {space} distance, not cosine; "
                "delete it or choose another collection, then run `faultmaven search reindex`."
            )
        return collection

    @staticmethod
    def _stored_dimension(collection: Any) -> int | None:
        embeddings = collection.get(limit=1, include=["embeddings"])["embeddings"]
        return None if embeddings is None or len(embeddings) == 0 else len(embeddings[0])

    def upsert(self, session: Session, items: Sequence[tuple[str, np.ndarray]], model: str) -> None:
        if not items:
            return
        ids = [doc_id for doc_id, _vector in items]
        vectors = np.vstack([np.asarray(vector, np.float32) for _doc_id, vector in items])
        collection = self._collection()
        try:
            self._write(collection, ids, vectors, model)
        except _chromadb().errors.InvalidArgumentError:
            stored = self._stored_dimension(collection)
            if stored is None or stored == vectors.shape[1]:
                raise
            # Vectors are written only while the stored index identity matches the configured
            # embedder (service._drain_batch), so vectors of another dimension are from an
            # earlier embedder: start the collection over (the reindex re-queued everything).
            log.warning(
                "Chroma collection %s holds %d-dimensional vectors, the embedder makes %d; "
                "recreating it",
                self.collection,
                stored,
                vectors.shape[1],
            )
            self.clear(session)
            self._write(self._collection(), ids, vectors, model)

    @staticmethod
    def _write(collection: Any, ids: list[str], vectors: np.ndarray, model: str) -> None:
        for start in range(0, len(ids), UPSERT_CHUNK):
            chunk = ids[start : start + UPSERT_CHUNK]
            collection.upsert(
                ids=chunk,
                embeddings=vectors[start : start + UPSERT_CHUNK],
                metadatas=[{"model": model} for _ in chunk],
            )

    def clear(self, session: Session) -> None:
        client = self._client()
        try:
            client.delete_collection(self.collection)
        except _chromadb().errors.NotFoundError:
            pass
        self._collection()

    def search(
        self, session: Session, vector: np.ndarray, *, limit: int, where: SearchFilter
    ) -> list[VectorHit]:
        if limit <= 0:
            return []
        collection = self._collection()
        query = np.asarray(vector, np.float32)
        want = limit if where.is_empty else limit * 4 + 32
        while True:
            try:
                result = collection.query(
                    query_embeddings=[query], n_results=want, include=["distances"]
                )
            except _chromadb().errors.InvalidArgumentError:
                stored = self._stored_dimension(collection)
                if stored is not None and stored != query.shape[0]:
                    return []  # built with another embedder; the service reports the mismatch
                raise
            ids, distances = result["ids"][0], result["distances"][0]
            hits = [
                VectorHit(doc_id, 1.0 - float(d)) for doc_id, d in zip(ids, distances, strict=True)
            ]
            if not where.is_empty and hits:
                allowed = where.among(session, [hit.doc_id for hit in hits])
                hits = [hit for hit in hits if hit.doc_id in allowed]
            if len(hits) >= limit or len(ids) < want:
                return hits[:limit]
            want *= 4
