"""Tuning harness for issue 10: every choice made on the *tuning* part of a labelled set, the
*untouched* part only reported. Offline re-implementations of the product's keyword ranking
(same analysis: ``faultmaven.search.analysis``) so that field weights, query-term caps and idf
can be compared without re-indexing; vectors from the product's embedders; bm25s (plain BM25,
lowercase word tokens) as the baseline in the same run.

    PYTHONPATH=src .venv/bin/python bench/retrieval_tuning.py --corpus C --queries Q \
        [--embedder default|sentence-transformers:all-MiniLM-L6-v2] [--part tune|untouched|all] \
        [--grid fourth|fifth]

The split is ``faultmaven.search.evaluation.split_by_cluster`` (fixed seed): the same one
``faultmaven bench retrieval`` reports. The confidence curve and the floor's trade-off table,
over several sets at once, are ``retrieval_calibration.py``'s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from faultmaven.search import fusion
from faultmaven.search.analysis import is_stop_word, stem, words
from faultmaven.search.embedders import make_embedder
from faultmaven.search.evaluation import mean_metrics, query_metrics, split_by_cluster
from faultmaven.search.service import embedding_text

DEPTH = 100


def load(corpus: Path, queries: Path) -> tuple[list[dict], list[dict]]:
    docs = [json.loads(line) for line in corpus.read_text().splitlines() if line.strip()]
    qs = [json.loads(line) for line in queries.read_text().splitlines() if line.strip()]
    return docs, qs


def title_body(text: str) -> tuple[str, str]:
    title, _, rest = text.strip().partition("\n")
    return title.strip()[:300], rest.strip()[:20000]


# The product's keyword ranking (keyword_memory) in this harness's parameters.
PRODUCT: dict[str, Any] = dict(
    title_weight=10.0, cap=None, stop=True, idf_kind="atire", k1=2.0, b=0.75, qtf="log"
)


def query_weight(count: int, qtf: str) -> float:
    """Weight of a stem the query holds ``count`` times: ``none`` 1 (the product before the
    fifth slice), ``lin`` count (bm25s), ``log`` 1 + ln(count) (the product), ``sqrt``,
    ``satK`` (K + 1) count / (K + count) (Robertson's k3)."""
    if qtf == "none":
        return 1.0
    if qtf == "lin":
        return float(count)
    if qtf == "log":
        return 1.0 + math.log(count)
    if qtf == "sqrt":
        return math.sqrt(count)
    if qtf.startswith("sat"):
        k3 = float(qtf[3:])
        return (k3 + 1) * count / (k3 + count)
    raise ValueError(qtf)


class OfflineBM25:
    """The product's BM25 (fields title / body), parameters free."""

    def __init__(self, docs: Sequence[dict]) -> None:
        self.n = len(docs)
        self.postings: dict[str, list[tuple[int, int, int]]] = {}
        lengths, title_lengths = [], []
        for i, doc in enumerate(docs):
            title, body = title_body(doc["text"])
            t, b = Counter(map(stem, words(title))), Counter(map(stem, words(body)))
            lengths.append(sum(t.values()) + sum(b.values()))
            title_lengths.append(sum(t.values()))
            for term in t.keys() | b.keys():
                self.postings.setdefault(term, []).append((i, t[term], b[term]))
        self.arrays = {k: np.array(v, dtype=np.float64) for k, v in self.postings.items()}
        self.lengths = np.array(lengths, np.float64)
        self.avgdl = self.lengths.mean()
        self.title_lengths = np.array(title_lengths, np.float64)
        self.body_lengths = self.lengths - self.title_lengths
        self.avg_title = max(self.title_lengths.mean(), 1e-9)
        self.avg_body = max(self.body_lengths.mean(), 1e-9)

    def stems(self, query: str, cap: int | None, stop: bool) -> Counter[str]:
        """Query stems (first occurrence order) and how many query words have each."""
        seen: Counter[str] = Counter()
        for word in words(query):
            if stop and is_stop_word(word):
                continue
            key = stem(word)
            if key in seen or not cap or len(seen) < cap:
                seen[key] += 1
        return seen

    def scores(
        self,
        query: str,
        *,
        title_weight: float = 10.0,
        cap: int | None = 32,
        stop: bool = False,
        idf_kind: str = "fts5",
        k1: float = 1.2,
        b: float = 0.75,
        qtf: str = "none",
        fields: str = "joint",
    ) -> tuple[np.ndarray, float]:
        """Scores of every document and the query's ideal score (every stem saturated).
        ``fields``: ``joint`` = the product's (field-weighted count, whole-document length
        normalisation, FTS5's form); ``bm25f`` = each field's count normalised by that field's
        length before weighting (BM25F proper)."""
        total = np.zeros(self.n)
        ideal = 0.0
        for term, count in self.stems(query, cap, stop).items():
            q = query_weight(count, qtf)
            arr = self.arrays.get(term)
            df = 0 if arr is None else len(arr)
            if idf_kind == "fts5":
                idf = max(math.log((self.n - df + 0.5) / (df + 0.5)), 1e-6)
            elif idf_kind == "atire":
                idf = math.log((self.n + 1) / max(df, 1))
            else:
                idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
            if idf_kind == "atire":  # the product's share denominator (keyword_memory)
                ideal += q * max(idf, 0.5) * (k1 + 1)
            else:
                ideal += q * idf * (k1 + 1)
            if df > self.n / 2 and idf_kind == "atire":
                continue  # common words alone are no match (approximation: never a match)
            if arr is None:
                continue
            pos = arr[:, 0].astype(np.int64)
            if fields == "bm25f":
                in_title = arr[:, 1] / (1 - b + b * self.title_lengths[pos] / self.avg_title)
                in_body = arr[:, 2] / (1 - b + b * self.body_lengths[pos] / self.avg_body)
                f = title_weight * in_title + in_body
                norm = np.full(len(pos), k1)
            else:
                f = title_weight * arr[:, 1] + arr[:, 2]
                norm = k1 * (1 - b + b * self.lengths[pos] / self.avgdl)
            np.add.at(total, pos, q * idf * f * (k1 + 1) / (f + norm))
        return total, ideal


def top(scores: np.ndarray, ids: Sequence[str], skip: set[str], depth: int = DEPTH) -> list[str]:
    order = np.lexsort((np.arange(len(scores)), -scores))
    out = []
    for i in order:
        if scores[i] <= 0:
            break
        if ids[i] in skip:
            continue
        out.append(ids[i])
        if len(out) == depth:
            break
    return out


def bm25s_scores(docs: Sequence[dict]) -> Callable[[str], np.ndarray]:
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([d["text"] for d in docs], stopwords=None, show_progress=False),
        show_progress=False,
    )

    def score(query: str) -> np.ndarray:
        tokens = bm25s.tokenize([query], stopwords=None, show_progress=False)
        ids = tokens.ids[0]
        if not ids:
            return np.zeros(len(docs))
        vocab_inv = {v: k for k, v in tokens.vocab.items()}
        return retriever.get_scores([vocab_inv[i] for i in ids])

    return score


def vectors(name: str, texts: Sequence[str]) -> np.ndarray:
    key = hashlib.sha256(("\x00".join(texts) + name).encode()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / "faultmaven-tuning-cache" / f"{key}.npy"
    if cache.exists():
        return np.load(cache)
    matrix = make_embedder(name).embed(list(texts))
    cache.parent.mkdir(exist_ok=True)
    np.save(cache, matrix)
    return matrix


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--embedder", default="default")
    parser.add_argument("--part", default="tune", choices=["tune", "untouched", "all"])
    parser.add_argument(
        "--grid",
        default="fifth",
        choices=["fourth", "fifth"],
        help="keyword variants: the first slices' grid (idf, title weight, term cap, stop "
        "words) or the fifth slice's (query term weight, k1, b, BM25F, title weight)",
    )
    args = parser.parse_args()
    docs, queries = load(args.corpus, args.queries)
    tune, untouched = split_by_cluster(queries)
    chosen = {"tune": tune, "untouched": untouched, "all": queries}[args.part]
    ids = [d["id"] for d in docs]
    offline = OfflineBM25(docs)
    plain = bm25s_scores(docs)
    doc_vectors = vectors(args.embedder, [embedding_text(d["text"]) for d in docs])
    query_vectors = vectors(args.embedder, [embedding_text(q["text"][:2000]) for q in chosen])
    rows: dict[str, list[dict[str, float]]] = {}

    def add(name: str, ranked: list[str], query: dict) -> None:
        rows.setdefault(name, []).append(query_metrics(ranked, set(query["relevant_ids"])))

    keyword_variants = fourth_grid() if args.grid == "fourth" else fifth_grid()
    fuse_base = os.environ.get(
        "FUSE_BASE", "kw atire t10 capNone stop" if args.grid == "fourth" else "product"
    )
    for qi, query in enumerate(chosen):
        text = query["text"][:2000]
        skip = {query["id"], *query.get("exclude_ids", [])}
        add("bm25s", top(plain(text), ids, skip), query)
        cos = doc_vectors @ query_vectors[qi]
        add("vector", top(cos + 2, ids, skip), query)
        for name, params in keyword_variants.items():
            scores, ideal = offline.scores(text, **params)  # type: ignore[arg-type]
            ranked = top(scores, ids, skip)
            add(name, ranked, query)
            if name != fuse_base:
                continue
            kc = scores / ideal if ideal else scores
            kw_top = np.lexsort((np.arange(len(scores)), -scores))[:DEPTH]
            kw_top = kw_top[scores[kw_top] > 0]
            vec_top = np.lexsort((np.arange(len(cos)), -cos))[:DEPTH]
            for variant in (
                "zscore0.2",
                "zscore0.3",
                "zscore0.4",
                "agree0.2",
                "agree0.3",
                "agree0.5",
                "agree1.0",
                "abs0.1",
                "abs0.2",
                "abs0.3",
                "abs0.4",
                "abs0.5",
            ):
                fused = fuse_variant(variant, kc, cos, kw_top, vec_top)
                add(f"fuse {variant}", top(fused, ids, skip), query)
    for name, per_query in rows.items():
        metrics = mean_metrics(per_query)
        print(f"{name:32s} " + " ".join(f"{k} {v:5.1f}" for k, v in metrics.items()))


def fourth_grid() -> dict[str, dict[str, Any]]:
    """The first slices' keyword grid (query term frequency ignored, k1 1.2)."""
    return {
        f"kw {idf} t{t} cap{cap} {'stop' if stop else 'nostop'}": dict(
            title_weight=t, cap=cap, stop=stop, idf_kind=idf
        )
        for idf in ("fts5", "lucene", "atire")
        for t in (3, 10, 20)
        for cap in (16, 32, 48, 64, None)
        for stop in (True, False)
        if stop or (t == 10 and idf == "fts5")
    }


def fifth_grid() -> dict[str, dict[str, Any]]:
    """The fifth slice's variants (bench/README.md), each a change from the ranking before it
    (``before``: query term frequency ignored, k1 1.2), then combinations; ``product`` is the
    ranking chosen (1 + ln(query term frequency), k1 2.0)."""
    before = dict(PRODUCT, qtf="none", k1=1.2)
    grid: dict[str, dict[str, Any]] = {"before": before}
    for qtf in ("lin", "log", "sqrt", "sat1", "sat2", "sat5", "sat10"):
        grid[f"qtf {qtf}"] = dict(before, qtf=qtf)
    for t in (1, 2, 3, 5, 20):
        grid[f"title {t}"] = dict(before, title_weight=t)
    for t in (2, 3, 5, 10):
        grid[f"bm25f title {t}"] = dict(before, title_weight=t, fields="bm25f")
    for k1 in (0.9, 1.5, 2.0):
        grid[f"k1 {k1}"] = dict(before, k1=k1)
    for b in (0.5, 0.9, 1.0):
        grid[f"b {b}"] = dict(before, b=b)
    grid["idf lucene"] = dict(before, idf_kind="lucene")
    for k1 in (1.5, 1.8, 2.5, 3.0):
        grid[f"qtf log k1 {k1}"] = dict(before, qtf="log", k1=k1)
    for qtf in ("lin", "sat5", "sat10"):
        grid[f"qtf {qtf} k1 2.0"] = dict(before, qtf=qtf, k1=2.0)
    for t in (5, 20):
        grid[f"qtf log k1 2.0 title {t}"] = dict(PRODUCT, title_weight=t)
    for b in (0.5, 0.9):
        grid[f"qtf log k1 2.0 b {b}"] = dict(PRODUCT, b=b)
    grid["qtf log k1 2.0 title 20 b 0.9"] = dict(PRODUCT, title_weight=20, b=0.9)
    grid["qtf log k1 2.0 bm25f title 10"] = dict(PRODUCT, fields="bm25f")
    grid["product"] = dict(PRODUCT)
    return grid


def product_ranking(
    offline: OfflineBM25,
    ids: Sequence[str],
    text: str,
    cos: np.ndarray | None,
    weight: float,
    drop: set[str],
) -> list[tuple[str, float]]:
    """The product's ranking (keyword share blended with cosine), raw blended scores."""
    scores, ideal = offline.scores(text, **PRODUCT)
    share = scores / ideal if ideal else scores
    keep = np.array([i not in drop for i in ids])
    order = np.lexsort((np.arange(len(scores)), -scores))
    kw = [(ids[i], float(share[i])) for i in order if keep[i] and scores[i] > 0][:DEPTH]
    vec: list[tuple[str, float]] = []
    if cos is not None:
        vorder = np.lexsort((np.arange(len(cos)), -cos))
        vec = [(ids[i], float(cos[i])) for i in vorder if keep[i]][:DEPTH]
    return [(h.doc_id, h.score) for h in fusion.blend(kw, vec, weight=weight, limit=DEPTH)]


def fuse_variant(
    variant: str, kc: np.ndarray, cos: np.ndarray, kw_top: np.ndarray, vec_top: np.ndarray
) -> np.ndarray:
    candidates = np.union1d(kw_top, vec_top)
    out = np.zeros(len(kc))
    if not len(kw_top):
        return out
    weight = float(re.sub("^[a-z]+", "", variant))
    if variant.startswith("zscore"):
        k, v = kc[kw_top], cos[vec_top]
        kz = (kc[candidates] - k.mean()) / (k.std() or 1)
        kz = np.where(np.isin(candidates, kw_top), kz, kz.min() if len(kz) else 0)
        kz = np.maximum(kz, ((k - k.mean()) / (k.std() or 1)).min())
        vz = (cos[candidates] - v.mean()) / (v.std() or 1)
        vz = np.maximum(vz, ((v - v.mean()) / (v.std() or 1)).min())
        out[candidates] = (1 - weight) * kz + weight * vz + 100
        return out
    if variant.startswith("agree"):
        k10, v10 = set(kw_top[:10].tolist()), set(vec_top[:10].tolist())
        agreement = len(k10 & v10) / 10
        k, v = kc[kw_top], cos[vec_top]
        kz = (kc[candidates] - k.mean()) / (k.std() or 1)
        kz = np.maximum(kz, ((k - k.mean()) / (k.std() or 1)).min())
        vz = (cos[candidates] - v.mean()) / (v.std() or 1)
        vz = np.maximum(vz, ((v - v.mean()) / (v.std() or 1)).min())
        w = weight * agreement
        out[candidates] = kz + w * vz + 100
        return out
    # absolute: keyword confidence + weight * similarity above the candidates' median
    base = float(np.median(cos[vec_top]))
    out[candidates] = kc[candidates] + weight * np.maximum(cos[candidates] - base, 0) + 1
    return out


if __name__ == "__main__":
    main()
