"""Placeholder: replaced once the experiments are done."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FusedHit:
    doc_id: str
    score: float
    sources: dict[str, tuple[int, float]]


def fuse(
    rankings: Mapping[str, Sequence[tuple[str, float]]],
    *,
    weights: Mapping[str, float] | None = None,
    limit: int,
    k: float = 60.0,
) -> list[FusedHit]:
    scores: dict[str, float] = {}
    sources: dict[str, dict[str, tuple[int, float]]] = {}
    for source, ranking in rankings.items():
        w = 1.0 if weights is None else weights.get(source, 1.0)
        for rank, (doc_id, raw) in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + w / (k + rank)
            sources.setdefault(doc_id, {})[source] = (rank, raw)
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [FusedHit(d, s, sources[d]) for d, s in ordered]
