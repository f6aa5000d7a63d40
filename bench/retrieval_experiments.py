"""Retrieval quality experiments on real data: Apache Hadoop duplicate bug reports (dev set).

Every corpus report becomes a runbook through the real service path (``create_runbook`` into a
throwaway, migrated SQLite database; title = first line, summary = the rest, cut to the schema's
limits), so the keyword side is FaultMaven's own FTS5 ranking. The vector side uses
``faultmaven.search.embedders``. Each variant is a full-corpus ranking per query (the query's own
report and its ``exclude_ids`` removed), scored with MAP, MRR, nDCG@10, Recall@10 and P@1 (x100).

Fused variants fuse the top ``--depth`` candidates of each source (what a product query would
fetch); a relevant report outside every source's candidates counts as not retrieved.

Dev-set scores of tuned variants are optimistic. To see what survives, each fusion method is also
scored by repeated 2-fold cross-validation over duplicate clusters (200 random halvings; its text
variant and weight chosen on one half, scored on the other), and the recipes get paired bootstrap
intervals against keyword-only and against plain RRF. One query is worth ~1.5 MAP points here.

    .venv/bin/python bench/retrieval_experiments.py                 # everything available
    .venv/bin/python bench/retrieval_experiments.py --no-semantic   # default install only
    .venv/bin/python bench/retrieval_experiments.py --markdown out.md   # also a markdown table

Vectors are cached under ``--cache-dir`` (keyed by embedder, text variant and corpus hash), so a
second run takes seconds; MiniLM's first run takes a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from faultmaven.kit.db import make_engine, make_session_factory, unit_of_work
from faultmaven.migrations import upgrade
from faultmaven.runbooks.schemas import RunbookCreate
from faultmaven.runbooks.service import create_runbook, search_runbooks
from faultmaven.search import fusion
from faultmaven.search.embedders import make_embedder
from faultmaven.search.evaluation import cluster_roots
from faultmaven.search.keyword import keyword_index_for
from faultmaven.search.query import MAX_QUERY_CHARS, query_terms

DATA_DIR = Path("/work/shared/data/retrieval/hadoop-duplicates")
TITLE_MAX, SUMMARY_MAX = 300, 20_000
_WORD = re.compile(r"\w+", re.UNICODE)

Ranking = list[tuple[str, float]]  # (corpus id, score), best first


# ---- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    body: str

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}" if self.body else self.title


@dataclass(frozen=True)
class Query:
    id: str
    doc: Doc
    relevant: frozenset[str]
    excluded: frozenset[str]


def _split(report: str) -> tuple[str, str]:
    title, _, body = report.strip().partition("\n")
    return title.strip()[:TITLE_MAX].strip(), body.strip()[:SUMMARY_MAX].strip()


def load(data_dir: Path) -> tuple[list[Doc], list[Query], str]:
    corpus_raw = (data_dir / "corpus.jsonl").read_bytes()
    docs = []
    for line in corpus_raw.decode().splitlines():
        row = json.loads(line)
        docs.append(Doc(row["id"], *_split(row["text"])))
    queries = []
    for line in (data_dir / "dev_queries.jsonl").read_text().splitlines():
        row = json.loads(line)
        queries.append(
            Query(
                id=row["id"],
                doc=Doc(row["id"], *_split(row["text"])),
                relevant=frozenset(row["relevant_ids"]),
                excluded=frozenset([row["id"], *row["exclude_ids"]]),
            )
        )
    return docs, queries, hashlib.sha256(corpus_raw).hexdigest()[:16]


def clusters(queries: Sequence[Query]) -> list[int]:
    """Duplicate cluster (connected component of the relevance links) of each query, numbered
    in the order of the clusters' representative ids (``evaluation.cluster_roots``)."""
    roots = cluster_roots([(q.id, sorted(q.relevant)) for q in queries])
    names = sorted(set(roots))
    return [names.index(root) for root in roots]


# ---- metrics -------------------------------------------------------------------------------------

METRICS = ("MAP", "MRR", "nDCG@10", "R@10", "P@1")


def score_query(ranked_ids: Sequence[str], relevant: frozenset[str]) -> dict[str, float]:
    hits, precision_sum, first, dcg = 0, 0.0, 0, 0.0
    for rank, doc_id in enumerate(ranked_ids, start=1):
        if doc_id in relevant:
            hits += 1
            precision_sum += hits / rank
            first = first or rank
            if rank <= 10:
                dcg += 1 / math.log2(rank + 1)
    ideal = sum(1 / math.log2(r + 1) for r in range(1, min(len(relevant), 10) + 1))
    top10 = sum(1 for doc_id in ranked_ids[:10] if doc_id in relevant)
    return {
        "MAP": precision_sum / len(relevant),
        "MRR": 1 / first if first else 0.0,
        "nDCG@10": dcg / ideal,
        "R@10": top10 / len(relevant),
        "P@1": 1.0 if ranked_ids[:1] and ranked_ids[0] in relevant else 0.0,
    }


def evaluate(
    rankings: Sequence[Sequence[str]], queries: Sequence[Query], subset: Iterable[int] | None = None
) -> dict[str, float]:
    indexes = list(range(len(queries)) if subset is None else subset)
    per_query = [score_query(rankings[i], queries[i].relevant) for i in indexes]
    return {m: 100 * sum(s[m] for s in per_query) / len(per_query) for m in METRICS}


def filtered(ranking: Ranking, query: Query) -> Ranking:
    return [(doc_id, score) for doc_id, score in ranking if doc_id not in query.excluded]


def _session_factory(engine: Engine, workdir: Path) -> sessionmaker[Session]:
    """The service's own session factory when the tree has one (it carries the search runtime
    and embeds new runbooks after commit with the default embedder), else the plain one."""
    try:
        from faultmaven.config import Settings
        from faultmaven.search.service import session_factory_for
    except ImportError:
        return make_session_factory(engine)
    settings = Settings(database_url=str(engine.url), data_dir=workdir, embedder="default")
    return session_factory_for(engine, settings)


def _by_score(ranking: Ranking) -> Ranking:
    """Ties broken by corpus id: the database breaks them by runbook id, which is random."""
    return sorted(ranking, key=lambda item: (-item[1], item[0]))


# ---- keyword side: the real FTS5 index -----------------------------------------------------------


class KeywordSide:
    """The corpus indexed through ``create_runbook``; searches with FaultMaven's FTS5 bm25."""

    def __init__(self, docs: Sequence[Doc], workdir: Path) -> None:
        self.engine = make_engine(f"sqlite:///{workdir / 'bench.db'}")
        upgrade(self.engine)
        self.factory = _session_factory(self.engine, workdir)
        self.to_corpus: dict[str, str] = {}
        started = time.perf_counter()
        with unit_of_work(self.factory) as session:
            for doc in docs:
                runbook = create_runbook(
                    session, data=RunbookCreate(title=doc.title, summary=doc.body), actor="bench"
                )
                self.to_corpus[runbook.id] = doc.id
        self.index_seconds = time.perf_counter() - started
        self.n_docs = len(docs)
        self._df: dict[str, int] = {}

    def session(self) -> Session:
        return self.factory()

    def production(self, session: Session, query: Query) -> Ranking:
        """Exactly the product's keyword index (``keyword_index_for(session).search``), the query
        cut to MAX_QUERY_CHARS as ``search_runbooks`` demands."""
        hits = keyword_index_for(session).search(
            session, query.doc.text[:MAX_QUERY_CHARS], limit=self.n_docs
        )
        return _by_score([(self.to_corpus[hit.doc_id], hit.score) for hit in hits])

    def service(self, session: Session, query: Query, **kwargs: object) -> Ranking:
        """``search_runbooks`` as it is wired at run time (hybrid if the tree has it)."""
        results = search_runbooks(
            session, query=query.doc.text[:MAX_QUERY_CHARS], limit=200, **kwargs
        )
        return _by_score([(self.to_corpus[hit.runbook.id], hit.score) for hit in results.items])

    def df(self, session: Session, term: str) -> int:
        if term not in self._df:
            self._df[term] = session.execute(
                sql_text("SELECT count(*) FROM runbook_fts WHERE runbook_fts MATCH :q"),
                {"q": f'"{term}"'},
            ).scalar_one()
        return self._df[term]

    def terms(
        self, session: Session, text: str, *, cap: int | None, order: str = "text"
    ) -> list[str]:
        """Unique lower-cased word terms: the first ``cap`` in text order (``query_terms`` is
        cap=32), or the ``cap`` rarest in the index (order="idf"; terms in no document dropped)."""
        seen = list(dict.fromkeys(m.group(0) for m in _WORD.finditer(text.lower())))
        if order == "text":
            return seen if cap is None else seen[:cap]
        known = [(self.df(session, t), i, t) for i, t in enumerate(seen)]
        known = [k for k in known if k[0] > 0]
        chosen = sorted(known)[: cap if cap is not None else len(known)]
        return [t for _, _, t in sorted(chosen, key=lambda k: k[1])]

    def search(
        self,
        session: Session,
        terms: Sequence[str],
        *,
        weights: tuple[float, float, float] = (10.0, 5.0, 1.0),
    ) -> Ranking:
        """The statement of ``SqliteFts5Index.search`` (without highlights), with the column
        weights and the term list as parameters."""
        if not terms:
            return []
        rows = session.execute(
            sql_text(
                "SELECT runbook_id, -bm25(runbook_fts, 0.0, :t, :s, :b) AS score "
                "FROM runbook_fts WHERE runbook_fts MATCH :q ORDER BY score DESC, runbook_id"
            ),
            {
                "t": weights[0],
                "s": weights[1],
                "b": weights[2],
                "q": " OR ".join(f'"{t}"' for t in terms),
            },
        )
        return _by_score([(self.to_corpus[row.runbook_id], float(row.score)) for row in rows])


# ---- vector side ---------------------------------------------------------------------------------


def text_variant(doc: Doc, variant: str) -> str:
    """title | head<N> (title + first N chars of the body) | full."""
    if variant == "title":
        return doc.title
    if variant == "full":
        return doc.text
    if variant.startswith("head"):
        return f"{doc.title}\n{doc.body[: int(variant[4:])]}".strip()
    raise ValueError(variant)


def chunks(doc: Doc, size: int, max_chunks: int) -> list[str]:
    """The title followed by consecutive ~size-char pieces of the body (cut at whitespace), the
    title repeated at the head of every piece; at most ``max_chunks``."""
    pieces, rest = [], doc.body
    while rest and len(pieces) < max_chunks:
        cut = len(rest) if len(rest) <= size else (rest.rfind(" ", 0, size) + 1 or size)
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].lstrip()
    return [f"{doc.title}\n{p}" for p in pieces if p] or [doc.title]


class VectorSide:
    def __init__(self, spec: str, cache_dir: Path, corpus_hash: str) -> None:
        started = time.perf_counter()
        self.embedder = make_embedder(spec)
        self.load_seconds = time.perf_counter() - started
        self.cache_dir, self.corpus_hash = cache_dir, corpus_hash
        self.embed_seconds = 0.0

    def _cached(self, key: str, texts: Sequence[str]) -> np.ndarray:
        digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:12]
        safe = re.sub(r"[^\w.-]+", "_", f"{self.embedder.name}-{key}-{digest}")
        path = self.cache_dir / f"{safe}.npy"
        if path.exists():
            return np.load(path)
        started = time.perf_counter()
        vectors = self.embedder.embed(list(texts))
        self.embed_seconds += time.perf_counter() - started
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
        return vectors

    def doc_matrix(self, docs: Sequence[Doc], variant: str) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of every doc's text (or chunk) and the doc index of each row."""
        if variant.startswith("chunks"):  # chunks<size>x<max>
            size, max_chunks = (int(x) for x in variant[6:].split("x"))
            texts, owner = [], []
            for i, doc in enumerate(docs):
                for piece in chunks(doc, size, max_chunks):
                    texts.append(piece)
                    owner.append(i)
            return self._cached(variant, texts), np.asarray(owner)
        texts = [text_variant(doc, variant) for doc in docs]
        return self._cached(variant, texts), np.arange(len(docs))

    def query_matrix(self, queries: Sequence[Query], variant: str) -> np.ndarray:
        return self._cached(f"q-{variant}", [text_variant(q.doc, variant) for q in queries])


def vector_rankings(
    doc_ids: Sequence[str],
    doc_vectors: np.ndarray,
    owner: np.ndarray,
    query_vectors: np.ndarray,
    queries: Sequence[Query],
) -> list[Ranking]:
    """Cosine ranking of every doc per query; a chunked doc scores its best chunk (max-pool)."""
    sims = query_vectors @ doc_vectors.T  # (queries, rows)
    n_docs = len(doc_ids)
    out = []
    for qi, query in enumerate(queries):
        best = np.full(n_docs, -np.inf, dtype=np.float32)
        np.maximum.at(best, owner, sims[qi])
        order = sorted(range(n_docs), key=lambda i: (-best[i], doc_ids[i]))
        out.append(filtered([(doc_ids[i], float(best[i])) for i in order], query))
    return out


# ---- fusion variants (the chosen one lives in faultmaven.search.fusion) --------------------------

Fuser = Callable[[Mapping[str, Ranking]], list[str]]


def _order(scores: Mapping[str, float]) -> list[str]:
    return [d for d, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]


def rrf(k: float, weights: Mapping[str, float] | None = None) -> Fuser:
    def fuse(rankings: Mapping[str, Ranking]) -> list[str]:
        scores: dict[str, float] = {}
        for source, ranking in rankings.items():
            w = 1.0 if weights is None else weights.get(source, 1.0)
            for rank, (doc_id, _) in enumerate(ranking, start=1):
                scores[doc_id] = scores.get(doc_id, 0.0) + w / (k + rank)
        return _order(scores)

    return fuse


def _normalised(ranking: Ranking, how: str) -> dict[str, float]:
    values = np.asarray([s for _, s in ranking], dtype=np.float64)
    if how == "minmax":
        low, high = values.min(), values.max()
        scaled = (values - low) / (high - low) if high > low else np.ones_like(values)
    elif how == "zscore":
        spread = values.std()
        scaled = (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)
    elif how == "max":  # divide by the top score (keeps 0 as "no evidence")
        scaled = values / values.max() if values.max() > 0 else values
    else:
        raise ValueError(how)
    return {doc_id: float(v) for (doc_id, _), v in zip(ranking, scaled, strict=True)}


def convex(how: str, weights: Mapping[str, float], missing: str = "min") -> Fuser:
    """sum_s w_s * norm_s(score); a doc absent from a source's candidates gets that source's
    lowest normalised value (missing="min") or 0 (missing="zero")."""

    def fuse(rankings: Mapping[str, Ranking]) -> list[str]:
        normed = {s: _normalised(r, how) for s, r in rankings.items() if r}
        every = {d for n in normed.values() for d in n}
        scores = dict.fromkeys(every, 0.0)
        for source, values in normed.items():
            floor = min(values.values()) if missing == "min" else 0.0
            w = weights.get(source, 1.0)
            for doc_id in every:
                scores[doc_id] += w * values.get(doc_id, floor)
        return _order(scores)

    return fuse


def library(**kwargs: object) -> Fuser:
    def fuse(rankings: Mapping[str, Ranking]) -> list[str]:
        limit = len({d for r in rankings.values() for d, _ in r})
        return [hit.doc_id for hit in fusion.fuse(rankings, limit=limit, **kwargs)]

    return fuse


# ---- experiment plumbing -------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    group: str
    scores: dict[str, float]
    note: str = ""
    cv: float | None = None  # cross-validated MAP of the family this row was chosen from


@dataclass
class Lab:
    queries: list[Query]
    depth: int
    cluster_of: list[int]
    rows: list[Row] = field(default_factory=list)

    def add(self, name: str, group: str, rankings: Sequence[Ranking], note: str = "") -> Row:
        row = Row(name, group, evaluate([[d for d, _ in r] for r in rankings], self.queries), note)
        self.rows.append(row)
        print(_fmt(row), flush=True)
        return row

    def fuse(
        self,
        name: str,
        sources: Mapping[str, Sequence[Ranking]],
        fuser: Fuser,
        group: str = "fusion",
        note: str = "",
    ) -> Row:
        return self.add(name, group, self.fused(sources, fuser), note)

    def fused(self, sources: Mapping[str, Sequence[Ranking]], fuser: Fuser) -> list[Ranking]:
        out = []
        for qi in range(len(self.queries)):
            top = {s: list(r[qi][: self.depth]) for s, r in sources.items()}
            out.append([(d, 0.0) for d in fuser(top)])
        return out

    def average_precision(self, rankings: Sequence[Ranking]) -> np.ndarray:
        return np.asarray(
            [
                score_query([d for d, _ in r], q.relevant)["MAP"]
                for r, q in zip(rankings, self.queries, strict=True)
            ]
        )

    def repeated_cv(
        self, family: Mapping[str, np.ndarray], *, repeats: int = 200, seed: int = 0
    ) -> tuple[float, float, str]:
        """Split the duplicate clusters in random halves ``repeats`` times; each time pick the
        family member (e.g. text variant x weight) with the best MAP on one half and score it on
        the other, both ways. Returns the mean and standard deviation of the held-out MAP over
        the repeats, and the member picked most often."""
        names = sorted(family)
        ap = np.stack([family[name] for name in names])  # (members, queries)
        cluster_of = np.asarray(self.cluster_of)
        n_clusters = int(cluster_of.max()) + 1
        rng = np.random.default_rng(seed)
        held_out, picks = [], Counter()
        for _ in range(repeats):
            half = rng.permutation(n_clusters)[: n_clusters // 2]
            first = np.isin(cluster_of, half)
            total = 0.0
            for train in (first, ~first):
                best = max(range(len(names)), key=lambda i: (ap[i, train].mean(), names[i]))
                picks[names[best]] += 1
                total += ap[best, ~train].sum()
            held_out.append(100 * total / len(self.queries))
        return float(np.mean(held_out)), float(np.std(held_out)), picks.most_common(1)[0][0]


def paired_bootstrap(
    a: np.ndarray, b: np.ndarray, *, resamples: int = 2000, seed: int = 0
) -> tuple[float, float, float, float]:
    """MAP(a) - MAP(b) over queries resampled with replacement: mean, 95% interval, and the
    share of resamples where a is ahead."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(a), size=(resamples, len(a)))
    diffs = 100 * (a[picks] - b[picks]).mean(axis=1)
    low, high = np.percentile(diffs, [2.5, 97.5])
    return float(diffs.mean()), float(low), float(high), float((diffs > 0).mean())


def _fmt(row: Row) -> str:
    cells = " ".join(f"{row.scores[m]:6.1f}" for m in METRICS)
    return f"{row.name:<58} {cells}  {row.note}"


def markdown(rows: Sequence[Row]) -> str:
    lines = [
        "| variant | MAP | MRR | nDCG@10 | R@10 | P@1 | note |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        cells = " | ".join(f"{row.scores[m]:.1f}" for m in METRICS)
        lines.append(f"| {row.name} | {cells} | {row.note} |")
    return "\n".join(lines)


# ---- the experiments -----------------------------------------------------------------------------

EMBEDDERS = {"wl": "default", "ml": "sentence-transformers:all-MiniLM-L6-v2"}
VECTOR_VARIANTS = {  # (document text, query text); see text_variant and chunks
    "wl": [
        ("title", "title"),
        ("head150", "head150"),
        ("head300", "head300"),
        ("head500", "head500"),
        ("head1000", "head1000"),
        ("head2000", "head2000"),
        ("full", "full"),
        ("chunks1000x8", "head1000"),
        ("chunks500x16", "head500"),
        ("head300", "full"),
        ("head300", "title"),
        ("full", "title"),
        ("title", "head1000"),
    ],
    "ml": [
        ("title", "title"),
        ("head300", "head300"),
        ("head1000", "head1000"),
        ("chunks1000x4", "head1000"),
        ("title", "head1000"),
        ("head1000", "title"),
    ],
}
FUSION_VARIANTS = {"wl": ["title", "head300", "full"], "ml": ["title", "head300", "head1000"]}
NORM_WEIGHTS = (0.2, 0.3, 0.4, 0.5)
RRF_GRID = ((5, 1.0), (5, 0.5), (20, 1.0), (20, 0.5), (60, 1.0), (60, 0.5))
RECIPES = {"wl": ("head300", 0.3), "ml": ("head300", 0.4)}  # text variant, vector weight


def run_keyword(lab: Lab, kw: KeywordSide, queries: Sequence[Query]) -> dict[str, list[Ranking]]:
    print(f"\n## keyword (FTS5 bm25; {kw.n_docs} runbooks indexed in {kw.index_seconds:.0f}s)")
    out: dict[str, list[Ranking]] = {}
    with kw.session() as session:

        def run(name: str, terms_of: Callable[[Query], list[str]], **kwargs: object) -> None:
            rankings = [filtered(kw.search(session, terms_of(q), **kwargs), q) for q in queries]
            lab.add(name, "keyword", rankings)
            out[name] = rankings

        product = [filtered(kw.production(session, q), q) for q in queries]
        same = all(
            [d for d, _ in a] == [d for d, _ in b]
            for a, b in zip(
                product,
                [
                    filtered(kw.search(session, query_terms(q.doc.text[:MAX_QUERY_CHARS])), q)
                    for q in queries
                ],
                strict=True,
            )
        )
        lab.add(
            "kw: product (first 32 terms, title/symptoms/body 10/5/1)",
            "keyword",
            product,
            note="keyword_index_for(session).search"
            + ("" if same else " (differs from the copy!)"),
        )
        out["kw"] = product
        for cap in (16, 24, 40, 48, 64, 128, None):
            run(
                f"kw: first {cap or 'all'} terms",
                lambda q, c=cap: kw.terms(session, q.doc.text, cap=c),
            )
        for cap in (16, 32, 64, 128):
            run(
                f"kw: {cap} rarest terms (IDF)",
                lambda q, c=cap: kw.terms(session, q.doc.text, cap=c, order="idf"),
            )
        for weights in ((20.0, 5.0, 1.0), (40.0, 5.0, 1.0)):
            run(
                f"kw: first 32 terms, weights {weights[0]:g}/{weights[1]:g}/{weights[2]:g}",
                lambda q: kw.terms(session, q.doc.text, cap=32),
                weights=weights,
            )
        for weights in ((5.0, 5.0, 1.0), (3.0, 3.0, 1.0), (2.0, 2.0, 1.0), (1.0, 1.0, 1.0)):
            run(
                f"kw: all terms, weights {weights[0]:g}/{weights[1]:g}/{weights[2]:g}",
                lambda q: kw.terms(session, q.doc.text, cap=None),
                weights=weights,
            )
        run("kw: title of the query only", lambda q: kw.terms(session, q.doc.title, cap=None))
    return out


def run_vectors(
    lab: Lab, docs: Sequence[Doc], queries: Sequence[Query], tag: str, cache_dir: Path, digest: str
) -> dict[str, list[Ranking]]:
    side = VectorSide(EMBEDDERS[tag], cache_dir, digest)
    print(f"\n## vectors: {side.embedder.name} (loaded in {side.load_seconds:.1f}s)")
    doc_ids = [doc.id for doc in docs]
    out: dict[str, list[Ranking]] = {}
    for doc_variant, query_variant in VECTOR_VARIANTS[tag]:
        matrix, owner = side.doc_matrix(docs, doc_variant)
        rankings = vector_rankings(
            doc_ids, matrix, owner, side.query_matrix(queries, query_variant), queries
        )
        suffix = "" if doc_variant == query_variant else f", query {query_variant}"
        lab.add(f"{tag}: {doc_variant}{suffix}", "vector", rankings)
        if doc_variant == query_variant:
            out[doc_variant] = rankings
    if side.embed_seconds:
        print(f"   (embedding took {side.embed_seconds:.0f}s; cached for the next run)")
    return out


def run_fusion(
    lab: Lab, keyword: list[Ranking], vectors: Mapping[str, Mapping[str, list[Ranking]]]
) -> None:
    print(f"\n## keyword + vector, {lab.depth} candidates per source")
    for tag, by_variant in vectors.items():
        for variant in FUSION_VARIANTS[tag]:
            sources = {"keyword": keyword, "vector": by_variant[variant]}
            for k, w in RRF_GRID:
                lab.fuse(
                    f"{tag} {variant}: RRF k={k}, vector weight {w:g}",
                    sources,
                    rrf(k, {"keyword": 1.0, "vector": w}),
                )
            for how in ("zscore", "minmax", "max"):
                for w in NORM_WEIGHTS:
                    lab.fuse(
                        f"{tag} {variant}: {how}, keyword {1 - w:g} / vector {w:g}",
                        sources,
                        convex(how, {"keyword": 1 - w, "vector": w}),
                    )
        variant, w = RECIPES[tag]
        sources = {"keyword": keyword, "vector": by_variant[variant]}
        weights = {"keyword": 1 - w, "vector": w}
        lab.fuse(
            f"{tag} {variant}: zscore {1 - w:g}/{w:g}, missing doc = mean (z 0)",
            sources,
            convex("zscore", weights, missing="zero"),
        )
        row = lab.fuse(
            f"{tag} {variant}: RECIPE fusion.fuse(zscore, {1 - w:g}/{w:g})",
            sources,
            library(weights=weights),
            note="faultmaven.search.fusion",
        )
        row.group = "recipe"
        depth = lab.depth
        for lab.depth in (10, 20, 50, 200, 10_000):
            lab.fuse(
                f"{tag} {variant}: recipe, {lab.depth} candidates per source",
                sources,
                library(weights=weights),
                group="depth",
            )
        lab.depth = depth

    if len(vectors) == 2:
        print("\n## keyword + wordllama + MiniLM")
        for wl_variant, ml_variant in (
            ("head300", "head300"),
            ("title", "title"),
            ("head300", "title"),
        ):
            sources = {
                "keyword": keyword,
                "wl": vectors["wl"][wl_variant],
                "ml": vectors["ml"][ml_variant],
            }
            name = f"3-way wl {wl_variant} + ml {ml_variant}"
            lab.fuse(f"{name}: RRF k=60", sources, rrf(60))
            for kw_w, wl_w, ml_w in ((0.5, 0.2, 0.3), (0.5, 0.15, 0.35), (0.4, 0.2, 0.4)):
                weights = {"keyword": kw_w, "wl": wl_w, "ml": ml_w}
                lab.fuse(
                    f"{name}: zscore {kw_w:g}/{wl_w:g}/{ml_w:g}", sources, library(weights=weights)
                )


@dataclass
class Generalisation:
    cv: list[tuple[str, float, float, str]] = field(default_factory=list)
    bootstrap: list[tuple[str, float, float, float, float]] = field(default_factory=list)


def run_generalisation(
    lab: Lab, keyword: list[Ranking], vectors: Mapping[str, Mapping[str, list[Ranking]]]
) -> Generalisation:
    """How much of each method's dev-set score survives choosing its parameters on other
    queries (repeated 2-fold CV over duplicate clusters), and paired bootstrap intervals for
    the recipes."""
    print("\n## generalisation: repeated 2-fold CV over duplicate clusters (200 random halvings)")
    print("   (parameters = text variant x weight, chosen on one half, scored on the other)")
    out = Generalisation()
    keyword_ap = lab.average_precision(keyword)
    mean, std, _ = lab.repeated_cv({"keyword": keyword_ap})
    out.cv.append(("keyword only (nothing to tune)", mean, std, "-"))
    print(f"{'keyword only':<24} held-out MAP {mean:5.1f} +- {std:.1f}")
    for tag, by_variant in vectors.items():
        families: dict[str, dict[str, np.ndarray]] = {}
        for variant in FUSION_VARIANTS[tag]:
            sources = {"keyword": keyword, "vector": by_variant[variant]}
            for how in ("zscore", "minmax", "max"):
                for w in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
                    fused = lab.fused(sources, convex(how, {"keyword": 1 - w, "vector": w}))
                    families.setdefault(how, {})[f"{variant} {w:g}"] = lab.average_precision(fused)
            for k in (5, 20, 60):
                for w in (0.25, 0.5, 0.75, 1.0):
                    fused = lab.fused(sources, rrf(k, {"keyword": 1.0, "vector": w}))
                    families.setdefault(f"rrf k={k}", {})[f"{variant} {w:g}"] = (
                        lab.average_precision(fused)
                    )
        for name, family in families.items():
            mean, std, pick = lab.repeated_cv(family)
            best = 100 * max(ap.mean() for ap in family.values())
            out.cv.append((f"{tag}: {name}", mean, std, f"{pick} (best on all 64: {best:.1f})"))
            print(f"{tag}: {name:<20} held-out MAP {mean:5.1f} +- {std:.1f}   usual pick {pick}")

        variant, w = RECIPES[tag]
        sources = {"keyword": keyword, "vector": by_variant[variant]}
        recipe = lab.average_precision(
            lab.fused(sources, library(weights={"keyword": 1 - w, "vector": w}))
        )
        for other_name, other in (
            ("keyword only", keyword_ap),
            ("RRF k=60 (same vectors)", lab.average_precision(lab.fused(sources, rrf(60)))),
        ):
            diff, low, high, ahead = paired_bootstrap(recipe, other)
            label = f"{tag} recipe - {other_name}"
            out.bootstrap.append((label, diff, low, high, ahead))
            print(f"{label:<40} MAP {diff:+5.1f}  95% [{low:+.1f}, {high:+.1f}]  ahead {ahead:.0%}")
    return out


def run_service(lab: Lab, kw: KeywordSide, queries: Sequence[Query]) -> None:
    """``search_runbooks`` as the tree wires it at run time (default embedder), for reference."""
    try:
        with kw.session() as session:
            rankings = [filtered(kw.service(session, q), q) for q in queries]
    except Exception as error:  # noqa: BLE001 - another engineer's work in progress
        print(f"\nsearch_runbooks (hybrid, as wired): not measurable now: {error!r}")
        return
    lab.add(
        "search_runbooks(mode=hybrid) as wired at run time", "service", rankings, note="200 results"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "faultmaven-retrieval-cache"
    )
    parser.add_argument("--depth", type=int, default=100, help="candidates per source (100)")
    parser.add_argument(
        "--semantic",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="include all-MiniLM-L6-v2 (default: when sentence-transformers is installed)",
    )
    parser.add_argument("--markdown", type=Path, help="also write the table as markdown here")
    args = parser.parse_args(argv)

    semantic = args.semantic
    if semantic is None:
        import importlib.util

        semantic = importlib.util.find_spec("sentence_transformers") is not None
    docs, queries, digest = load(args.data)
    lab = Lab(queries, depth=args.depth, cluster_of=clusters(queries))
    print(
        f"{len(docs)} documents, {len(queries)} queries; {'':<19}"
        + " ".join(f"{m:>6}" for m in METRICS)
    )
    with tempfile.TemporaryDirectory() as workdir:
        kw = KeywordSide(docs, Path(workdir))
        keyword = run_keyword(lab, kw, queries)["kw"]
        tags = ["wl", "ml"] if semantic else ["wl"]
        vectors = {
            tag: run_vectors(lab, docs, queries, tag, args.cache_dir, digest) for tag in tags
        }
        run_fusion(lab, keyword, vectors)
        run_service(lab, kw, queries)
        kw.engine.dispose()
    general = run_generalisation(lab, keyword, vectors)
    if args.markdown:
        lines = [
            markdown(lab.rows),
            "",
            "| method (2-fold CV, 200 halvings) | held-out MAP | usual pick |",
        ]
        lines.append("|---|---:|---|")
        lines += [f"| {n} | {m:.1f} ± {s:.1f} | {p} |" for n, m, s, p in general.cv]
        lines += ["", "| paired bootstrap (2,000 resamples) | ΔMAP | 95% interval | ahead in |"]
        lines.append("|---|---:|---|---:|")
        lines += [
            f"| {n} | {d:+.1f} | [{lo:+.1f}, {hi:+.1f}] | {a:.0%} |"
            for n, d, lo, hi, a in general.bootstrap
        ]
        args.markdown.write_text("\n".join(lines) + "\n")
        print(f"\nmarkdown written to {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
