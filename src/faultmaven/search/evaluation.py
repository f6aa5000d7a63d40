"""Retrieval quality metrics (pure): MAP, MRR, nDCG@10, Recall@10, P@1, as percentages."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

Q = TypeVar("Q")
SPLIT_SEED = 20261204  # fixed: the tuning / untouched split never changes between runs

METRICS = ("MAP", "MRR", "nDCG@10", "Recall@10", "P@1")


def query_metrics(ranked: Sequence[str], relevant: set[str]) -> dict[str, float]:
    """Metrics of one ranked list against the set of relevant ids (x100)."""
    if not relevant:
        raise ValueError("a query needs at least one relevant id")
    hits, precision_sum, first = 0, 0.0, None
    for position, doc_id in enumerate(ranked, start=1):
        if doc_id in relevant:
            hits += 1
            precision_sum += hits / position
            first = first or position
    dcg = sum(1 / math.log2(p + 1) for p, d in enumerate(ranked[:10], start=1) if d in relevant)
    ideal = sum(1 / math.log2(p + 1) for p in range(1, min(len(relevant), 10) + 1))
    return {
        "MAP": 100 * precision_sum / len(relevant),
        "MRR": 100 / first if first else 0.0,
        "nDCG@10": 100 * dcg / ideal,
        "Recall@10": 100 * len(relevant & set(ranked[:10])) / len(relevant),
        "P@1": 100.0 if ranked[:1] and ranked[0] in relevant else 0.0,
    }


def mean_metrics(per_query: Sequence[Mapping[str, float]]) -> dict[str, float]:
    if not per_query:
        return {name: 0.0 for name in METRICS}
    return {name: round(sum(q[name] for q in per_query) / len(per_query), 1) for name in METRICS}


def _field(query: Any, name: str) -> Any:
    return query[name] if isinstance(query, Mapping) else getattr(query, name)


def cluster_roots(links: Sequence[tuple[str, Iterable[str]]]) -> list[str]:
    """The duplicate cluster of each ``(id, linked ids)`` item, as one member id that stands
    for the cluster: items linked directly or through others share it (union-find)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for item, linked in links:
        root = find(item)
        for other in linked:
            parent[find(other)] = root
    return [find(item) for item, _ in links]


def split_by_cluster(queries: Sequence[Q], *, seed: int = SPLIT_SEED) -> tuple[list[Q], list[Q]]:
    """The queries in two parts by duplicate cluster (a query, its relevant and its excluded
    ids are one cluster; linked clusters merge): a *tuning* part for every choice and an
    *untouched* part that is only reported. Clusters are shuffled with a fixed seed and dealt
    alternately, so both parts get about half the clusters; no cluster is in both."""
    of_query = cluster_roots(
        [
            (
                _field(q, "id"),
                [*_field(q, "relevant_ids"), *(_field(q, "exclude_ids") or ())],
            )
            for q in queries
        ]
    )
    roots = sorted(set(of_query))
    random.Random(seed).shuffle(roots)
    tuning_roots = set(roots[0::2])
    tuning = [q for q, root in zip(queries, of_query, strict=True) if root in tuning_roots]
    untouched = [q for q, root in zip(queries, of_query, strict=True) if root not in tuning_roots]
    return tuning, untouched
