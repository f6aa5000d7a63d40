"""Which resolved cases are the same problem (pure: no I/O).

Two cases are compared by one similarity in [0, 1] (vectors are L2-normalised, so every part is
a cosine), a weighted sum of three signals:

- **keyword**: TF-IDF cosine of the cases' stemmed words (``search.analysis``: the words search
  ranks by; stop words dropped; ``1 + log tf`` times smoothed idf over the cases compared);
- **semantic**: cosine of the vectors of the configured embedder (the bundled one by default),
  given by the caller (``None``: the keyword part takes its weight);
- **service**: cosine of the services the cases name (one-hot); cases that name no service
  neither gain nor lose by it.

Severity is not a signal: the same problem comes back at different severities (it is a filter
of the report instead). Cases linked to the same runbook are the same problem, whatever their
similarity.

Grouping: **average-linkage** agglomerative clustering cut at ``threshold``: two groups merge
while the mean similarity of all their pairs of cases is at least ``threshold``. Unlike
connected components (single linkage) it does not chain: A~B and B~C do not put A with C unless
A and C are, on average, alike too. It runs per connected component of the graph "similarity >=
threshold or same runbook" (an average-linkage group never spans two components), with the
nearest-neighbour chain, O(n^2) per component.

Cost (``bench/bench_recurring_speed.py``): one n x n float32 matrix (100 MB at 5,000 cases);
the keyword cosines without the dense product over every term (``keyword_cosines``), the other
signals a block of rows at a time, one BLAS thread; the results are those of the plain dense
computation (tests compare them).

Measured (``bench/bench_recurring.py``, numbers in ``bench/README.md``): Apache Hadoop bug
reports whose duplicate links the maintainers made, grouped with one-off reports mixed in;
weights and threshold tuned on half of the duplicate clusters, reported on the other half.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from faultmaven.search.analysis import is_stop_word, stem, words
from faultmaven.search.blas import single_blas_thread


@dataclass(frozen=True)
class Weights:
    """Shares of the similarity (normalised to sum to 1 when used)."""

    keyword: float
    semantic: float
    service: float


# chosen on the tuning part of bench/bench_recurring.py (see bench/README.md)
DEFAULT_WEIGHTS = Weights(keyword=0.72, semantic=0.18, service=0.1)
THRESHOLD = 0.475


@dataclass(frozen=True)
class ProblemText:
    """What the grouping knows of one case."""

    text: str
    services: frozenset[str] = frozenset()
    runbook_ids: frozenset[str] = frozenset()


TERM_CACHE = 50_000  # texts whose stemmed words are kept between reports (~3 KB each)
DENSE_SHARE = 32  # a term in more than 1/32 of the texts: its pairs by matrix product


@lru_cache(maxsize=TERM_CACHE)
def _terms(text: str) -> tuple[tuple[str, int], ...]:
    """The stems of ``text`` with their counts, stop words dropped. Cached: a report compares
    the same resolved cases request after request, and stemming is most of the keyword cost."""
    return tuple(Counter(stem(w) for w in words(text) if not is_stop_word(w)).items())


@dataclass(frozen=True)
class KeywordVectors:
    """The nonzero entries of the TF-IDF rows (``row``, ``column``, ``weight``, sorted by
    column) and their shape: mostly zeros, so stored sparse."""

    row: np.ndarray
    column: np.ndarray
    weight: np.ndarray
    shape: tuple[int, int]

    def dense(self) -> np.ndarray:
        matrix = np.zeros(self.shape, dtype=np.float32)
        matrix[self.row, self.column] = self.weight
        return matrix


def keyword_rows(texts: Sequence[str]) -> KeywordVectors:
    """TF-IDF rows (L2-normalised) of ``texts``; only the columns of terms found in two texts
    or more (a term of one text adds nothing to a cosine between two texts, only to the norm,
    which is computed over every term)."""
    n = len(texts)
    counts = [_terms(text) for text in texts]
    term_id: dict[str, int] = {}
    ids = [term_id.setdefault(term, len(term_id)) for terms in counts for term, _ in terms]
    term = np.array(ids, dtype=np.intp)
    row = np.repeat(np.arange(n), [len(terms) for terms in counts])
    count = np.array([c for terms in counts for _, c in terms], dtype=np.float64)
    df = np.bincount(term, minlength=len(term_id))
    idf = np.log((1 + n) / (1 + df)) + 1
    weight = (1 + np.log(count)) * idf[term] if len(term) else count
    norm = np.sqrt(np.bincount(row, weight * weight, minlength=n))
    shared = df > 1
    column_of = np.cumsum(shared) - 1
    kept = shared[term] & (norm[row] > 0)
    column = column_of[term[kept]]
    order = np.argsort(column, kind="stable")
    return KeywordVectors(
        row=row[kept][order],
        column=column[order],
        weight=(weight[kept] / norm[row[kept]]).astype(np.float32)[order],
        shape=(n, int(shared.sum())),
    )


def keyword_vectors(texts: Sequence[str]) -> np.ndarray:
    """``keyword_rows`` as a dense matrix (n x shared terms)."""
    return keyword_rows(texts).dense()


def keyword_cosines(vectors: KeywordVectors) -> np.ndarray:
    """``V @ V.T`` (n x n) of the sparse rows without the dense product over every term (which
    grows as n^2 x terms): the terms in many texts by one matrix product, each other term
    adds its weight products to the pairs of texts that hold it (few texts each)."""
    n, width = vectors.shape
    df = np.bincount(vectors.column, minlength=width)
    common = df > max(n // DENSE_SHARE, 1)
    picked = common[vectors.column]
    part = np.zeros((n, int(common.sum())), dtype=np.float32)
    remap = np.cumsum(common) - 1
    part[vectors.row[picked], remap[vectors.column[picked]]] = vectors.weight[picked]
    result = part @ part.T
    flat = result.reshape(-1)
    rare_row, rare_weight = vectors.row[~picked], vectors.weight[~picked]
    size = df[~common & (df > 0)]  # entries are sorted by column: one run per term
    start = np.concatenate(([0], np.cumsum(size)[:-1]))
    for d in np.unique(size):
        first = start[size == d]
        batch = max(1, 1_000_000 // int(d * d))  # bounds the temporaries
        for at in range(0, len(first), batch):
            slots = first[at : at + batch, None] + np.arange(d)
            r, w = rare_row[slots], rare_weight[slots]
            np.add.at(
                flat,
                (r[:, :, None] * n + r[:, None, :]).ravel(),
                (w[:, :, None] * w[:, None, :]).ravel(),
            )
    return result


def _service_vectors(items: Sequence[ProblemText]) -> np.ndarray:
    names = sorted({s.lower() for item in items for s in item.services})
    column = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(items), len(names)), dtype=np.float32)
    for row, item in enumerate(items):
        for service in item.services:
            matrix[row, column[service.lower()]] = 1.0
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.divide(matrix, norms, out=matrix, where=norms > 0)
    return matrix


BLOCK_ROWS = 256  # rows of the semantic and service cosines computed at a time


@dataclass(frozen=True)
class Signals:
    """What the similarity is made of: the keyword cosines (n x n, float32), the rows whose
    cosines give the other two signals (``semantic``: embedder vectors, None without them;
    ``service``: one-hot service rows, L2-normalised) and ``names_services``, the cases that
    name a service (n). The semantic and service cosines are computed a block of rows at a
    time by ``combine``: never n x n matrices of their own (at 5,000 cases each one is 100 MB
    to fill)."""

    keyword: np.ndarray
    semantic: np.ndarray | None
    service: np.ndarray
    names_services: np.ndarray


def signals(items: Sequence[ProblemText], semantic: np.ndarray | None) -> Signals:
    """The signals of ``items`` (``semantic``: their embedder vectors, rows in the same order,
    L2-normalised; None: keyword and service signals only)."""
    keyword = keyword_cosines(keyword_rows([item.text for item in items]))
    service = _service_vectors(items)
    vectors = None if semantic is None else np.asarray(semantic, dtype=np.float32)
    return Signals(keyword, vectors, service, np.linalg.norm(service, axis=1) > 0)


def combine(
    parts: Signals, weights: Weights = DEFAULT_WEIGHTS, *, reuse: bool = False
) -> np.ndarray:
    """The similarity matrix: the weighted mean of the signals (the semantic share goes to the
    keyword one without vectors; the service share counts only where both name services: the
    service cosine is 0 elsewhere, and the share is left out of the divisor there; semantic
    cosines below 0 count as 0). ``reuse``: the result overwrites ``parts.keyword`` (one
    n x n array less, when the signals are not needed again)."""
    keyword_share, semantic_share = weights.keyword, weights.semantic
    if parts.semantic is None:
        keyword_share, semantic_share = keyword_share + semantic_share, 0.0
    text_share = np.float32(max(keyword_share + semantic_share, 1e-9))
    result = parts.keyword
    if reuse:
        result *= np.float32(keyword_share)
    else:
        result = result * np.float32(keyword_share)
    named = parts.names_services.astype(np.float32)
    service_named = named * np.float32(weights.service)
    for start in range(0, len(result), BLOCK_ROWS):
        rows = slice(start, start + BLOCK_ROWS)
        block = result[rows]
        if semantic_share and parts.semantic is not None:
            cosine = parts.semantic[rows] @ parts.semantic.T
            np.clip(cosine, 0.0, 1.0, out=cosine)
            cosine *= np.float32(semantic_share)
            block += cosine
        if weights.service:
            block += (parts.service[rows] @ parts.service.T) * np.float32(weights.service)
            divisor = np.multiply.outer(named[rows], service_named)
            divisor += text_share
            block /= divisor
        else:
            block /= text_share
    np.fill_diagonal(result, 1.0)
    return result


def similarity(
    items: Sequence[ProblemText],
    semantic: np.ndarray | None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> np.ndarray:
    """The n x n similarity matrix of ``items`` (see ``signals`` and ``combine``). With one
    BLAS thread: on a busy 2-core machine threaded products of these sizes spin-wait, and took
    2-5x longer than one thread (bench/README.md, recurring speed)."""
    with single_blas_thread():
        return combine(signals(items, semantic), weights, reuse=True)


class _Parents:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)

    def groups(self, members: Sequence[int]) -> list[list[int]]:
        by_root: dict[int, list[int]] = {}
        for m in members:
            by_root.setdefault(self.find(m), []).append(m)
        return list(by_root.values())


def group(
    items: Sequence[ProblemText],
    semantic: np.ndarray | None = None,
    *,
    threshold: float = THRESHOLD,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[list[int]]:
    """The problems among ``items``: lists of item indexes (each sorted, lists in order of
    their first index); every item is in exactly one list (a one-off problem is alone)."""
    return group_by_similarity(
        similarity(items, semantic, weights), [item.runbook_ids for item in items], threshold
    )


def group_by_similarity(
    matrix: np.ndarray, runbook_ids: Sequence[frozenset[str]], threshold: float
) -> list[list[int]]:
    """``group`` on a given similarity matrix (the bench sweeps thresholds over one matrix)."""
    n = len(runbook_ids)
    linked = _Parents(n)  # the same runbook: the same problem
    first_with: dict[str, int] = {}
    for index, ids in enumerate(runbook_ids):
        for runbook_id in ids:
            linked.union(index, first_with.setdefault(runbook_id, index))
    first, second = np.nonzero(matrix >= threshold)
    above = first < second
    roots = np.array([linked.find(index) for index in range(n)], dtype=np.intp)
    labels = _component_labels(
        n, np.concatenate((first[above], np.arange(n))), np.concatenate((second[above], roots))
    )
    order = np.argsort(labels, kind="stable")  # each component's members in index order
    problems: list[list[int]] = []
    for part in np.split(order, np.flatnonzero(np.diff(labels[order])) + 1):
        members = part.tolist()
        if len(members) == 1:
            problems.append(members)
            continue
        seeds = linked.groups(members)
        problems.extend(_average_linkage(matrix, seeds, threshold))
    return sorted((sorted(p) for p in problems), key=lambda p: p[0])


def _component_labels(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The connected components of the graph of edges ``a[i]``-``b[i]`` over ``n`` nodes: a
    label per node, the same within a component (its smallest node). Hooking and pointer
    jumping in numpy: at 5,000 cases the pairs above the threshold number ~150,000, too many
    for a union-find in Python within a request."""
    labels = np.arange(n)
    while True:
        low = np.minimum(labels[a], labels[b])
        hooked = labels.copy()
        np.minimum.at(hooked, labels[a], low)  # each root takes the smallest label it meets
        np.minimum.at(hooked, labels[b], low)
        np.minimum.at(hooked, a, low)
        np.minimum.at(hooked, b, low)
        while True:  # labels point at smaller nodes of the same component: follow them
            jumped = hooked[hooked]
            if np.array_equal(jumped, hooked):
                break
            hooked = jumped
        if np.array_equal(hooked, labels):
            return labels
        labels = hooked


def _average_linkage(
    matrix: np.ndarray, seeds: list[list[int]], threshold: float
) -> list[list[int]]:
    """Merge ``seeds`` (groups that must stay together) while the best mean pair similarity of
    two groups is >= ``threshold``: the nearest-neighbour chain with the Lance-Williams update
    (exact for average linkage, which is reducible: merging never brings a group closer to a
    third than the nearer of its two parts was)."""
    k = len(seeds)
    items = [item for members in seeds for item in members]  # seed by seed
    sizes = np.array([len(members) for members in seeds], dtype=np.float64)
    inside = matrix[np.ix_(items, items)].astype(np.float64)
    if len(items) > k:  # the sums over each pair of seeds' blocks: O(m^2), not k x m x m
        starts = np.concatenate(([0], np.cumsum(sizes[:-1]))).astype(np.intp)
        inside = np.add.reduceat(np.add.reduceat(inside, starts, axis=0), starts, axis=1)
        inside /= np.outer(sizes, sizes)
    mean = inside  # all seeds single cases: the similarities themselves
    np.fill_diagonal(mean, -np.inf)
    groups: dict[int, list[int]] = dict(enumerate(seeds))
    done: list[list[int]] = []
    active = set(range(k))
    chain: list[int] = []
    while active:
        if not chain:
            chain.append(min(active))
        a = chain[-1]
        b = int(np.argmax(mean[a]))
        if not np.isfinite(mean[a, b]) or mean[a, b] < threshold:
            for final in chain:  # every group on the chain is at most this close to any other
                done.append(groups.pop(final))
                active.discard(final)
                mean[final, :] = -np.inf
                mean[:, final] = -np.inf
            chain = []
            continue
        if len(chain) > 1 and mean[a, chain[-2]] >= mean[a, b]:
            b = chain[-2]
            chain = chain[:-2]
            merged = (sizes[a] * mean[a] + sizes[b] * mean[b]) / (sizes[a] + sizes[b])
            mean[a, :] = merged
            mean[:, a] = merged
            mean[a, a] = -np.inf
            mean[b, :] = -np.inf
            mean[:, b] = -np.inf
            sizes[a] += sizes[b]
            groups[a] = groups[a] + groups.pop(b)
            active.discard(b)
        else:
            chain.append(b)
    return done
