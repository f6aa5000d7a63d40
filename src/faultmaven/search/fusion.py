"""Fuse the rankings of several retrievers (keyword, vector) into one ranking. Pure: no I/O.

Method (default ``"zscore"``): each source's raw scores are standardised over that source's own
candidates, ``z = (score - mean) / std``; a document missing from a source's candidates gets that
source's lowest z (it is at best as good as the worst candidate there); the fused score is the
weighted sum ``sum_s weight_s * z_s``. Ties go to the smaller ``doc_id``. A source whose
candidates all score the same (one candidate, or all tied) gives them 1 and everyone else 0.
``"minmax"`` (scores scaled to [0, 1] per source, missing = 0) and ``"rrf"`` (reciprocal rank
fusion, ``weight / (rrf_k + rank)``, missing = 0) are kept for comparison.

Why this method. Measured on real data, 2,503 Apache Hadoop bug reports and 64 dev queries whose
answers are the duplicates the Hadoop maintainers linked (``bench/retrieval_experiments.py``; the
full table is in ``bench/README.md``). Keyword = FaultMaven's FTS5 bm25; 100 candidates per
source; vectors of the title plus the first 300 characters of the rest (documents and queries):

=====================================================  =====  ======  ================
variant                                                 MAP    R@10   held-out MAP (*)
=====================================================  =====  ======  ================
keyword only (FTS5 bm25, first 32 terms, title x10)     59.0   79.7   59.0
+ wordllama, RRF k=60, equal weights                    56.8   80.5   54.8 (k=60)
+ wordllama, z-score, keyword 0.7 / vector 0.3          64.0   85.9   60.9
+ all-MiniLM-L6-v2, RRF k=60, equal weights             61.5   87.5   57.8 (k=60)
+ all-MiniLM-L6-v2, z-score, keyword 0.6 / vector 0.4   66.2   89.1   62.1
=====================================================  =====  ======  ================

(*) repeated 2-fold cross-validation over duplicate clusters: the text variant and weight are
chosen on half of the clusters and scored on the other half, 200 random halvings. That is what
to expect on new data; the dev-set MAP of a tuned variant is optimistic (one query ~1.5 points).

Plain RRF throws away how far ahead the top keyword hit is, and with a weak embedder (wordllama)
its equal vote drags good keyword hits down: RRF(k=60) is *below* keyword alone. Score fusion
keeps those margins. Held out, z-score (wordllama 60.9, MiniLM 62.1) ties divide-by-max (61.1,
61.8) and beats min-max (60.5, 60.5) and every RRF (k=5/20/60: 59.2/55.8/54.8 and
60.8/59.0/57.8). It also moves little with the candidate depth (20 to all 2,503 documents:
wordllama 63.8-64.5, MiniLM 64.9-66.2), and it needs no knowledge of either score's scale
(bm25 on SQLite, ts_rank on PostgreSQL, cosine).

Weights: the vector share that worked is ~0.3 for wordllama and ~0.4 for MiniLM (a stronger
embedder earns more); ``DEFAULT_WEIGHTS`` is the safe one (0.3), and ``recommended_weights``
picks by embedder name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Method = Literal["zscore", "minmax", "rrf"]

DEFAULT_WEIGHTS: Mapping[str, float] = {"keyword": 0.7, "vector": 0.3}
SEMANTIC_WEIGHTS: Mapping[str, float] = {"keyword": 0.6, "vector": 0.4}


@dataclass(frozen=True)
class FusedHit:
    doc_id: str
    score: float
    sources: dict[str, tuple[int, float]]  # source name -> (1-based rank, raw score)


def recommended_weights(embedder_name: str) -> dict[str, float]:
    """Keyword/vector weights for an embedder (by its ``Embedder.name``): wordllama's static
    vectors get 0.3, transformer models (sentence-transformers, OpenAI-compatible) 0.4."""
    if embedder_name.startswith("wordllama"):
        return dict(DEFAULT_WEIGHTS)
    return dict(SEMANTIC_WEIGHTS)


def _normalised(scores: Sequence[float], method: Method) -> tuple[list[float], float]:
    """Per-candidate values and the value of a document that is not a candidate."""
    if method == "rrf":
        raise AssertionError("rrf is rank-based")
    low, high = min(scores), max(scores)
    if high == low:
        return [1.0] * len(scores), 0.0
    if method == "minmax":
        return [(s - low) / (high - low) for s in scores], 0.0
    mean = math.fsum(scores) / len(scores)
    std = math.sqrt(math.fsum((s - mean) ** 2 for s in scores) / len(scores))
    values = [(s - mean) / std for s in scores]
    return values, min(values)


def fuse(
    rankings: Mapping[str, Sequence[tuple[str, float]]],
    *,
    weights: Mapping[str, float] | None = None,
    limit: int,
    method: Method = "zscore",
    rrf_k: float = 60.0,
) -> list[FusedHit]:
    """One ranking from several. ``rankings``: source name -> ``(doc_id, raw score)`` best
    first (higher raw score = better; a repeated doc_id keeps its first, best, entry). Every
    source needs a weight (``weights`` or ``DEFAULT_WEIGHTS`` for "keyword"/"vector"); empty
    sources are ignored. Returns at most ``limit`` hits, best first, ties by doc_id."""
    if method not in ("zscore", "minmax", "rrf"):
        raise ValueError(f"unknown fusion method {method!r}; use zscore, minmax or rrf")
    chosen = DEFAULT_WEIGHTS if weights is None else weights
    sources: dict[str, dict[str, tuple[int, float]]] = {}
    contributions: list[tuple[float, dict[str, float], float]] = []  # weight, values, missing
    for source, ranking in rankings.items():
        if source not in chosen:
            raise ValueError(f"no weight for source {source!r}; weights: {dict(chosen)}")
        weight = float(chosen[source])
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"weight of {source!r} must be a finite number >= 0, not {weight}")
        ids: list[str] = []
        raws: list[float] = []
        for doc_id, raw in ranking:
            raw = float(raw)
            if not math.isfinite(raw):
                raise ValueError(f"{source} score of {doc_id!r} is {raw}; scores must be finite")
            entry = sources.setdefault(doc_id, {})
            if source in entry:
                continue
            entry[source] = (len(ids) + 1, raw)
            ids.append(doc_id)
            raws.append(raw)
        if not ids:
            continue
        if method == "rrf":
            values, missing = [1.0 / (rrf_k + rank) for rank in range(1, len(ids) + 1)], 0.0
        else:
            values, missing = _normalised(raws, method)
        contributions.append((weight, dict(zip(ids, values, strict=True)), missing))
    if limit <= 0:
        return []
    scores = {
        doc_id: math.fsum(w * values.get(doc_id, missing) for w, values, missing in contributions)
        for doc_id in sources
    }
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [FusedHit(doc_id, score, sources[doc_id]) for doc_id, score in ordered]


# ---- the product's fusion: absolute scores, so that they mean the same in every query ---------

# Vector weight per embedder family, chosen on the tuning part of the labelled sets (see
# bench/README.md, "Issue 10"): what a similarity above the query's typical one adds to the share.
BLEND_WEIGHTS: Mapping[str, float] = {"wordllama": 0.2, "default": 0.2}


def blend_weight(embedder_name: str) -> float:
    """The vector weight of ``blend`` for an embedder (by its ``Embedder.name``)."""
    family = "wordllama" if embedder_name.startswith("wordllama") else "default"
    return BLEND_WEIGHTS[family]


def blend(
    keyword: Sequence[tuple[str, float]],
    vector: Sequence[tuple[str, float]],
    *,
    weight: float,
    limit: int,
) -> list[FusedHit]:
    """Keyword share plus what the meaning adds: ``share + weight * max(0, cos - typical)``.

    ``keyword``: (doc_id, share of the query's ideal BM25 score, 0..1) best first; ``vector``:
    (doc_id, cosine) best first; ``typical`` is the median cosine of the vector candidates (what
    an unrelated document scores for this query with this embedder). Unlike z-scores this keeps
    absolute levels: a query that matches nothing well scores low everywhere, and the vector side
    can add at most ``weight * (1 - typical)``, so a weak embedder cannot overturn a clear keyword
    winner (measured: z-score fusion fell below keyword-only on a small post-mortem corpus).
    Ties go to the smaller doc_id."""
    if limit <= 0:
        return []
    sources: dict[str, dict[str, tuple[int, float]]] = {}
    scores: dict[str, float] = {}
    for rank, (doc_id, share) in enumerate(keyword, start=1):
        if doc_id not in sources:
            sources[doc_id] = {"keyword": (rank, float(share))}
            scores[doc_id] = float(share)
    if vector:
        cosines = sorted(float(c) for _, c in vector)
        middle = len(cosines) // 2
        typical = (
            cosines[middle] if len(cosines) % 2 else (cosines[middle - 1] + cosines[middle]) / 2
        )
        seen: set[str] = set()
        for rank, (doc_id, cosine) in enumerate(vector, start=1):
            if doc_id in seen:
                continue
            seen.add(doc_id)
            sources.setdefault(doc_id, {})["vector"] = (rank, float(cosine))
            scores[doc_id] = scores.get(doc_id, 0.0) + weight * max(0.0, float(cosine) - typical)
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [FusedHit(doc_id, score, sources[doc_id]) for doc_id, score in ordered]


# Raw blended score -> confidence in [0, 1]: the chance that a hit this strong is a right answer,
# a logistic fit on the top 10 hits of every query of the tuning parts of both labelled sets,
# each set weighing the same (bench/retrieval_calibration.py; bench/README.md, "Issue 10, fifth
# slice"). One curve per mode, so that a score means the same with and without vectors.
CALIBRATION: Mapping[str, tuple[float, float]] = {
    "keyword": (5.584, -3.780),
    "hybrid": (5.310, -3.819),
}


def confidence(raw: float, mode: str) -> float:
    """A raw ``blend`` score (keyword share plus the vector bonus) as a confidence in [0, 1]."""
    slope, intercept = CALIBRATION[mode]
    return 1.0 / (1.0 + math.exp(-(slope * raw + intercept)))
