"""Embedder vectors of texts outside the index, kept between requests (``embed_texts``).

The recurring-problems report compares every resolved case of its window on every request;
the cases are mostly the same ones each time, and embedding them was a quarter of the report's
time at 5,000 cases (bench/README.md, "Recurring problems: speed"). Keyed by a digest of the
exact text the embedder reads, so an edited case is a new key and never a stale vector; one
cache per search runtime, whose embedder does not change. Bounded (least recently used out).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

CACHED_TEXTS = 20_000  # ~1 KB a vector at 256 dimensions: ~25 MB at most


class TextVectors:
    """``embed`` with the vectors of texts seen before reused."""

    def __init__(self, limit: int = CACHED_TEXTS) -> None:
        self.limit = limit
        self._vectors: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], compute: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """The vectors of ``texts`` (rows in order); ``compute`` embeds the ones not cached,
        in one call."""
        keys = [hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts]
        rows: list[np.ndarray | None] = []
        with self._lock:
            for key in keys:
                row = self._vectors.get(key)
                if row is not None:
                    self._vectors.move_to_end(key)
                rows.append(row)
        missing = [i for i, row in enumerate(rows) if row is None]
        if missing:
            computed = compute([texts[i] for i in missing])
            with self._lock:
                for i, row in zip(missing, computed, strict=True):
                    kept = row.copy()  # not a view: it would keep the whole batch alive
                    rows[i] = self._vectors[keys[i]] = kept
                    self._vectors.move_to_end(keys[i])
                while len(self._vectors) > self.limit:
                    self._vectors.popitem(last=False)
        if not rows:
            return compute([])
        return np.stack([row for row in rows if row is not None])
