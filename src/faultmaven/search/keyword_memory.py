"""The keyword index, on SQLite and PostgreSQL: analysed documents stored in the database,
ranked in each process's memory.

Write path (inside the caller's transaction): a document is analysed once (``analysis``:
words, Porter stems) and stored as one ``search_terms`` row: its stems (as ``term_key``s) with
field-weighted counts (title 10, symptoms 5, body 1), which fields each stem is in, its length
and its filter facets.

Read path: each process keeps the rows as posting arrays (numpy) and ranks with BM25 in the
form of SQLite FTS5's ``bm25()``: per query stem, ``q * idf * f (k1 + 1) / (f + k1 (1 - b + b D
/ avgdl))`` where ``f`` is the field-weighted count, ``D`` the document length and ``q = 1 +
ln(times the stem is in the query)``; facets filter before ranking. Scoring touches only the
postings of the query's stems, so a query costs milliseconds at 100k documents where FTS5
(which scores every matching row through its virtual-table interface) took hundreds
(bench/README.md).

Coherence (several processes, or apps, share the database) follows ``search.freshness``: newer
rows are applied as a delta (a re-written document replaces its old postings), deletions reload
everything, and so does a cache where replaced documents fill ``MAX_DEAD_SHARE`` of it.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from faultmaven.kit.db import NOT_IN_SESSION, is_postgres
from faultmaven.search.analysis import is_stop_word, word_key, words
from faultmaven.search.filters import Accepts, Facets, MaskOf, SearchFilter
from faultmaven.search.freshness import (
    KEYWORD_GENERATION,
    Stamp,
    index_state,
    new_generation,
)
from faultmaven.search.keyword import FIELDS, KeywordHit, SearchDocument
from faultmaven.search.models import TermsRow

# k1 2.0 (FTS5's is 1.2): less saturation, so a title match (weight 10) keeps more of its lead
# over a body match; b is FTS5's. Chosen on the tuning parts of both labelled sets together
# (bench/README.md, "Issue 10, fifth slice"), with the query term weight below.
K1, B = 2.0, 0.75
MAX_QUERY_STEMS = 400  # a 2,000-character query has fewer; no tuned cap (bench/README.md)
# A word in more than half the documents has no weight (FTS5's idf, clamped): it never makes a
# match on its own, nor is it shown as one once the index is big enough for "half" to mean
# "common" (in a store of 3 runbooks a word in 2 of them still tells them apart to a reader).
MIN_DOCS_FOR_COMMON = 10
# In the ideal score (the denominator of a hit's share) every query stem weighs at least this
# idf: a common word (idf ~ 0) then counts as query content that matched nothing, so a query of
# common words gets low shares instead of 0/0; a word no document has weighs as a word in one.
MIN_IDEAL_IDF = 0.5
_WRITERS_LOCK = 0x666D5F7465726D73  # "fm_terms": PostgreSQL advisory lock of index writers
FIELD_WEIGHTS = {"title": 10.0, "symptoms": 5.0, "body": 1.0}
FIELD_BITS = {name: 1 << i for i, name in enumerate(FIELDS)}
MAX_MASKS = 256  # facet filters (per viewer, with visibility) whose masks are kept
MAX_DEAD_SHARE = 0.3  # rebuild when this share of positions holds replaced documents
_POSTING = np.dtype([("pos", np.int32), ("weight", np.float32), ("fields", np.uint8)])


class _TermsValues(Protocol):
    """The columns of a ``search_terms`` row that the read path loads."""

    @property
    def runbook_id(self) -> str: ...
    @property
    def length(self) -> int: ...
    @property
    def term_keys(self) -> bytes: ...
    @property
    def weights(self) -> bytes: ...
    @property
    def fields(self) -> bytes: ...
    @property
    def facets(self) -> str: ...


# ---- analysis of one document (pure) -------------------------------------------------------------


@dataclass(frozen=True)
class AnalysedDocument:
    length: int
    keys: np.ndarray  # int64 term_key of each stem
    weights: np.ndarray  # float32, field-weighted count per term
    fields: np.ndarray  # uint8, FIELD_BITS of the fields each term occurs in
    facets: dict[str, list[str]]


def analyse(document: SearchDocument) -> AnalysedDocument:
    weighted: dict[int, float] = {}  # term key -> field-weighted count
    bits: dict[int, int] = {}
    length = 0
    for name in FIELDS:
        field_words = words(getattr(document, name))
        length += len(field_words)
        weight, bit = FIELD_WEIGHTS[name], FIELD_BITS[name]
        for word, count in Counter(field_words).items():
            key = word_key(word)
            weighted[key] = weighted.get(key, 0.0) + weight * count
            bits[key] = bits.get(key, 0) | bit
    return AnalysedDocument(
        length=length,
        keys=np.fromiter(weighted, np.int64, len(weighted)),
        weights=np.fromiter(weighted.values(), np.float32, len(weighted)),
        fields=np.fromiter(bits.values(), np.uint8, len(bits)),
        facets={facet: sorted(values) for facet, values in document.facets.items()},
    )


def analysed_row(document: SearchDocument) -> dict[str, object]:
    """The ``search_terms`` row of ``document``."""
    analysed = analyse(document)
    return {
        "runbook_id": document.doc_id,
        "length": analysed.length,
        "term_keys": analysed.keys.tobytes(),
        "weights": analysed.weights.tobytes(),
        "fields": analysed.fields.tobytes(),
        "facets": "\n".join(
            f"{facet}={value}" for facet, values in analysed.facets.items() for value in values
        ),
    }


# ---- in-memory postings --------------------------------------------------------------------------


def _facet_pairs(text: str) -> list[tuple[str, str]]:
    """(facet, value) pairs of a row's ``facets`` text: one ``facet=value`` per line."""
    pairs = (line.partition("=") for line in text.split("\n") if line)
    return [(facet, value) for facet, _, value in pairs]


def _grouped_order(keys: np.ndarray) -> np.ndarray:
    """The order that groups equal keys, first occurrences first (a stable argsort). Sorting
    the values (high 32 bits of the key, index) is several times faster than a stable argsort
    of the keys; when two keys share their high 32 bits (rare) and get interleaved, fall back."""
    if len(keys) >= 1 << 32:
        return np.argsort(keys, kind="stable")
    composite = keys & ~0xFFFFFFFF
    composite |= np.arange(len(keys), dtype=np.int64)
    composite.sort()
    order = composite & 0xFFFFFFFF
    grouped = keys[order]
    run_starts = grouped[np.r_[True, grouped[1:] != grouped[:-1]]]
    if len(np.unique(run_starts)) != len(run_starts):  # a key split in two runs
        return np.argsort(keys, kind="stable")
    return order


class _Column:
    """A numpy array that grows by appending (capacity doubles)."""

    __slots__ = ("data", "size")

    def __init__(self, data: np.ndarray) -> None:
        self.data, self.size = data, len(data)

    @classmethod
    def empty(cls, dtype: np.dtype | type, capacity: int = 8) -> _Column:
        column = cls(np.zeros(capacity, dtype))
        column.size = 0
        return column

    def append(self, value: object) -> None:
        if self.size == len(self.data):
            grown = np.zeros(max(8, 2 * len(self.data)), self.data.dtype)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size] = value
        self.size += 1

    def view(self) -> np.ndarray:
        return self.data[: self.size]


@dataclass
class _Memory:
    """Every committed document of one database, as postings keyed by position."""

    ids: list[str] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)  # doc id -> its live position
    alive: _Column = field(default_factory=lambda: _Column.empty(np.bool_))
    lengths: _Column = field(default_factory=lambda: _Column.empty(np.float32))
    postings: dict[int, _Column] = field(default_factory=dict)  # term key -> _POSTING rows
    facets: dict[tuple[str, str], _Column] = field(default_factory=dict)  # -> int32 positions
    total_length: float = 0.0
    stamp: Stamp = field(default_factory=lambda: Stamp(0, None, 0.0))
    masks: dict[tuple, np.ndarray] = field(default_factory=dict)  # facet filter -> mask
    # the positions of another index's id list (held, so its identity stays its own)
    aligned: tuple[Sequence[str], int, np.ndarray] | None = None

    @property
    def live(self) -> int:
        return len(self.positions)

    @property
    def dead_share(self) -> float:
        return 1 - self.live / len(self.ids) if self.ids else 0.0

    def add(
        self,
        doc_id: str,
        length: int,
        keys: np.ndarray,
        weights: np.ndarray,
        fields: np.ndarray,
        facets: str,
    ) -> None:
        self.masks.clear()
        self.aligned = None
        old = self.positions.get(doc_id)
        if old is not None:
            self.alive.data[old] = False
            self.total_length -= float(self.lengths.data[old])
        position = len(self.ids)
        self.ids.append(doc_id)
        self.positions[doc_id] = position
        self.alive.append(True)
        self.lengths.append(length)
        self.total_length += length
        for term, weight, bits in zip(
            keys.tolist(), weights.tolist(), fields.tolist(), strict=True
        ):
            column = self.postings.get(term)
            if column is None:
                column = self.postings[term] = _Column.empty(_POSTING, 4)
            column.append((position, weight, bits))
        for key in _facet_pairs(facets):
            column = self.facets.get(key)
            if column is None:
                column = self.facets[key] = _Column.empty(np.int32)
            column.append(position)

    def bulk_load(self, rows: Iterable[_TermsValues]) -> None:
        """Postings for many documents at once (a fresh ``_Memory``): gathered into flat
        arrays, sorted by term, then split into one view per term."""
        key_blobs: list[bytes] = []
        lengths: list[int] = []
        weight_blobs: list[bytes] = []
        field_blobs: list[bytes] = []
        by_facets: dict[str, list[int]] = {}  # facets text -> positions
        for position, row in enumerate(rows):
            self.ids.append(row.runbook_id)
            self.positions[row.runbook_id] = position
            lengths.append(row.length)
            key_blobs.append(row.term_keys)
            weight_blobs.append(row.weights)
            field_blobs.append(row.fields)
            by_facets.setdefault(row.facets, []).append(position)
        self.alive = _Column(np.ones(len(self.ids), np.bool_))
        self.lengths = _Column(np.asarray(lengths, np.float32))
        self.total_length = float(sum(lengths))
        facets: dict[tuple[str, str], list[int]] = {}
        for text, positions in by_facets.items():
            for key in _facet_pairs(text):
                facets.setdefault(key, []).extend(positions)
        self.facets = {key: _Column(np.sort(np.asarray(p, np.int32))) for key, p in facets.items()}
        keys = np.frombuffer(b"".join(key_blobs), np.int64)
        if not len(keys):
            return
        counts = [len(blob) // 8 for blob in key_blobs]
        order = _grouped_order(keys)  # keeps positions ascending per term
        keys = keys[order]
        postings = np.empty(len(order), _POSTING)
        postings["pos"] = np.repeat(np.arange(len(counts), dtype=np.int32), counts)[order]
        postings["weight"] = np.frombuffer(b"".join(weight_blobs), np.float32)[order]
        postings["fields"] = np.frombuffer(b"".join(field_blobs), np.uint8)[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]).tolist()
        for start, stop, term in zip(
            starts, [*starts[1:], len(keys)], keys[starts].tolist(), strict=True
        ):
            self.postings[term] = _Column(postings[start:stop])

    def positions_of(self, ids: Sequence[str]) -> np.ndarray:
        """The position of each of ``ids`` (-1: not here), kept for the last list asked about
        while neither it nor these documents change: the embedded vectors ask with their
        (unchanging) id list at every filtered search."""
        if self.aligned is not None and self.aligned[0] is ids and self.aligned[1] == len(ids):
            return self.aligned[2]
        found = np.fromiter((self.positions.get(i, -1) for i in ids), np.int64, len(ids))
        self.aligned = (ids, len(ids), found)
        return found

    def mask(self, facets: Facets) -> np.ndarray:
        """Live documents that every facet accepts."""
        key = tuple(sorted((facet, tuple(sorted(values))) for facet, values in facets.items()))
        cached = self.masks.get(key)
        if cached is not None:
            return cached
        mask = self.alive.view().copy()
        for facet, values in facets.items():
            accepted = np.zeros(len(mask), np.bool_)
            for value in values:
                column = self.facets.get((facet, value))
                if column is not None:
                    accepted[column.view()] = True
            mask &= accepted
        if len(self.masks) >= MAX_MASKS:  # one per viewer and filter: keep the cache bounded
            self.masks.clear()
        self.masks[key] = mask
        return mask


# ---- the index -----------------------------------------------------------------------------------


def query_weight(times: int) -> float:
    """``1 + ln(times)`` for a stem the query has ``times`` times: a stem the query repeats is
    what the query is about (a whole question or case text names its subject several times),
    but a word written five times is not five words' worth. Ignoring repetitions was most of
    the gap to plain BM25 (which counts them linearly) on whole-question queries; of the forms
    tried, the logarithm had the best mean over the tuning parts of both labelled sets
    (bench/README.md, "Issue 10, fifth slice")."""
    return 1.0 + math.log(times)


def query_stems(query: str) -> dict[int, tuple[str, int]]:
    """Term key of each meaningful stem -> (the query word shown as matched: the first with that
    stem, how many query words have that stem). Stop words are dropped: a query of only stop
    words has no stems and finds nothing."""
    first: dict[int, str] = {}  # key -> the first word with that stem
    times: dict[int, int] = {}
    for word in words(query):
        if is_stop_word(word):
            continue
        key = word_key(word)
        if key in times:
            times[key] += 1
        elif len(times) < MAX_QUERY_STEMS:
            first[key] = word
            times[key] = 1
    return {key: (word, times[key]) for key, word in first.items()}


def _idf(live: int, hits: int) -> float:
    """``log((N + 1) / n)``: always positive, near 0 for a word in every document of a big
    store, and meaningful in a store of one or two runbooks (FTS5's ``log((N - n + 0.5) /
    (n + 0.5))`` gives a word in one of two documents no weight at all). Chosen on the tuning
    part (bench/README.md)."""
    return math.log((live + 1) / max(hits, 1))


class MemoryKeywordIndex:
    """BM25 over in-memory postings of ``search_terms`` (see the module docstring). The postings
    belong to the instance: one per ``SearchRuntime``, so two apps in a process share nothing."""

    def __init__(self) -> None:
        self._caches: dict[str, _Memory] = {}  # engine url -> postings
        self._lock = threading.Lock()

    def upsert(self, session: Session, documents: Sequence[SearchDocument]) -> None:
        """Write the documents' rows; a re-written document gets a new row (a new seq).

        Rows must commit in ``seq`` order for the caches' delta loading (``freshness``). SQLite
        has one writer at a time; on PostgreSQL, writers of this table queue on a transaction
        advisory lock, taken just before the rows get their seqs (index writes are rare)."""
        rows = [analysed_row(document) for document in documents]
        if not rows:
            return
        if is_postgres(session):
            session.execute(select(func.pg_advisory_xact_lock(_WRITERS_LOCK)))
            ids = [row["runbook_id"] for row in rows]
            session.execute(
                delete(TermsRow).where(TermsRow.runbook_id.in_(ids)),
                execution_options=NOT_IN_SESSION,
            )
            session.execute(insert(TermsRow), rows)
        else:  # REPLACE deletes a document's old row
            session.execute(insert(TermsRow).prefix_with("OR REPLACE"), rows)

    def clear(self, session: Session) -> None:
        session.execute(delete(TermsRow), execution_options=NOT_IN_SESSION)
        new_generation(session, KEYWORD_GENERATION)

    # -- read path --

    def _fresh(self, session: Session) -> _Memory:
        engine = session.get_bind().engine
        key = str(engine.url)
        current = index_state(session).keyword
        cache = self._caches.get(key)
        if (
            cache is not None
            and cache.stamp.extends_to(current)
            and cache.dead_share <= MAX_DEAD_SHARE
        ):
            if current.max_seq > cache.stamp.max_seq:
                with engine.connect() as connection:
                    for row in self._rows(connection, cache.stamp.max_seq, current.max_seq):
                        cache.add(
                            row.runbook_id,
                            row.length,
                            np.frombuffer(row.term_keys, np.int64),
                            np.frombuffer(row.weights, np.float32),
                            np.frombuffer(row.fields, np.uint8),
                            row.facets,
                        )
                cache.stamp = replace(cache.stamp, max_seq=current.max_seq)
            return cache
        cache = _Memory(stamp=current)
        with engine.connect() as connection:
            cache.bulk_load(self._rows(connection, 0, current.max_seq))
        self._caches[key] = cache
        return cache

    def load(self, session: Session) -> None:
        """Bring this runtime's copy of the index up to date now."""
        with self._lock:
            self._fresh(session)

    def _as_last_loaded(self, session: Session) -> _Memory:
        """The cache as the last search left it (a search has just refreshed it)."""
        return self._caches.get(str(session.get_bind().engine.url)) or self._fresh(session)

    @staticmethod
    def _rows(connection: Connection, after_seq: int, up_to_seq: int) -> Iterable[_TermsValues]:
        return connection.execute(
            select(
                TermsRow.runbook_id,
                TermsRow.length,
                TermsRow.term_keys,
                TermsRow.weights,
                TermsRow.fields,
                TermsRow.facets,
            )
            .where(TermsRow.seq > after_seq, TermsRow.seq <= up_to_seq)
            .order_by(TermsRow.seq)
        )

    def accepting(self, session: Session, facets: Facets) -> tuple[Accepts, MaskOf]:
        """Checkers of candidate ids against ``facets`` (for vector candidates): the accepted
        ones of some ids, and which of a whole id list are accepted; on the documents as this
        process last loaded them (a search has just refreshed them)."""
        with self._lock:
            memory = self._as_last_loaded(session)
            mask = memory.mask(facets)

        def accepts(ids: Collection[str]) -> set[str]:
            positions = (memory.positions.get(doc_id, len(mask)) for doc_id in ids)
            return {
                doc_id
                for doc_id, position in zip(ids, positions, strict=True)
                if position < len(mask) and mask[position]
            }

        def mask_of(ids: Sequence[str]) -> np.ndarray:
            with self._lock:
                positions = memory.positions_of(ids)
            known = (positions >= 0) & (positions < len(mask))  # newer ones: not yet checked
            return known & mask[np.where(known, positions, 0)]

        return accepts, mask_of

    def search(
        self, session: Session, query: str, *, limit: int, where: SearchFilter = SearchFilter()
    ) -> list[KeywordHit]:
        stems = query_stems(query)
        if not stems:
            return []
        with self._lock:
            memory = self._fresh(session)
            return self._ranked(memory, stems, limit, memory.mask(where.facets))

    @staticmethod
    def _ranked(
        memory: _Memory, stems: dict[int, tuple[str, int]], limit: int, allowed: np.ndarray
    ) -> list[KeywordHit]:
        if not memory.live:
            return []
        alive = memory.alive.view()
        lengths = memory.lengths.view()
        avgdl = memory.total_length / memory.live or 1.0
        positions, scores = [], []
        ideal = 0.0  # what a document scores that has every query stem, saturated
        meaningful: list[np.ndarray] = []  # positions matched by a word that is not common
        for term, (_, times) in stems.items():
            column = memory.postings.get(term)
            postings = column.view() if column is not None else None
            if postings is not None:
                postings = postings[alive[postings["pos"]]]
            hits = len(postings) if postings is not None else 0
            weight = query_weight(times)
            idf = _idf(memory.live, hits)
            ideal += weight * max(idf, MIN_IDEAL_IDF) * (K1 + 1)
            if postings is None or not hits:
                continue
            if memory.live < MIN_DOCS_FOR_COMMON or hits <= memory.live / 2:
                meaningful.append(postings["pos"])
            freq = postings["weight"]
            norm = K1 * (1 - B + B * lengths[postings["pos"]] / avgdl)
            positions.append(postings["pos"])
            scores.append(weight * idf * freq * (K1 + 1) / (freq + norm))
        if not positions:
            return []
        total = np.bincount(
            np.concatenate(positions), weights=np.concatenate(scores), minlength=len(alive)
        )
        total[~allowed] = 0.0
        if not meaningful:
            return []
        matched = np.zeros(len(alive), np.bool_)
        matched[np.concatenate(meaningful)] = True
        total[~matched] = 0.0  # common words alone are no match
        candidates = np.flatnonzero(total > 0)
        if len(candidates) > limit:
            candidates = candidates[np.argpartition(-total[candidates], limit - 1)[:limit]]
        ordered = sorted(candidates.tolist(), key=lambda p: (-total[p], memory.ids[p]))
        return [
            KeywordHit(
                doc_id=memory.ids[p], score=float(total[p]), share=min(1.0, float(total[p]) / ideal)
            )
            for p in ordered
        ]

    def explain(
        self, session: Session, query: str, doc_ids: Sequence[str]
    ) -> dict[str, dict[str, list[str]]]:
        stems = query_stems(query)
        if not stems or not doc_ids:
            return {}
        with self._lock:
            memory = self._as_last_loaded(session)
            known = [doc_id for doc_id in doc_ids if doc_id in memory.positions]
            positions = np.fromiter((memory.positions[d] for d in known), np.int64, len(known))
            found: list[dict[str, list[str]]] = [{} for _ in known]
            alive = memory.alive.view()
            for term, (word, _) in stems.items():
                column = memory.postings.get(term)
                if column is None:
                    continue
                postings = column.view()  # sorted by position
                live_hits = int(np.count_nonzero(alive[postings["pos"]]))
                if memory.live >= MIN_DOCS_FOR_COMMON and live_hits > memory.live / 2:
                    continue  # a common word explains nothing
                index = np.minimum(np.searchsorted(postings["pos"], positions), len(postings) - 1)
                for i in np.flatnonzero(postings["pos"][index] == positions).tolist():
                    bits = int(postings["fields"][index[i]])
                    for name, bit in FIELD_BITS.items():
                        if bits & bit:
                            found[i].setdefault(name, []).append(word)
        return {
            doc_id: {name: fields[name] for name in FIELDS if name in fields}
            for doc_id, fields in zip(known, found, strict=True)
        }
