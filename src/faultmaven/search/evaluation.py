"""Retrieval quality metrics (pure): MAP, MRR, nDCG@10, Recall@10, P@1, as percentages."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

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
