"""How well a grouping matches labelled groups (pure): pairwise precision, recall, F1 and the
adjusted Rand index, as fractions.

Both groupings are labels, one per item (items with the same label are in one group).
Pairwise: a pair of items put together by the prediction is right when the labels put it
together too; precision = right pairs / predicted pairs, recall = right pairs / labelled pairs
(0 when there are none). The adjusted Rand index (Hubert and Arabie, 1985) is the Rand index
corrected for chance: 1 for identical groupings, about 0 for a random one (it can be negative),

    ARI = (sum_ij C(n_ij, 2) - E) / ((sum_i C(a_i, 2) + sum_j C(b_j, 2)) / 2 - E),
    E   = sum_i C(a_i, 2) * sum_j C(b_j, 2) / C(n, 2),

with ``n_ij`` the items in predicted group i and labelled group j, ``a_i``/``b_j`` the group
sizes. When both groupings are all singletons (or both one group) the index is 1 by convention.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


@dataclass(frozen=True)
class GroupingScore:
    precision: float
    recall: float
    f1: float
    ari: float
    predicted_pairs: int
    labelled_pairs: int
    right_pairs: int


def score_grouping(predicted: Sequence[Hashable], labelled: Sequence[Hashable]) -> GroupingScore:
    if len(predicted) != len(labelled):
        raise ValueError("predicted and labelled need one label per item each")
    right = sum(_pairs(c) for c in Counter(zip(predicted, labelled, strict=True)).values())
    said = sum(_pairs(c) for c in Counter(predicted).values())
    truth = sum(_pairs(c) for c in Counter(labelled).values())
    precision = right / said if said else 0.0
    recall = right / truth if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    total = _pairs(len(labelled))
    expected = said * truth / total if total else 0.0
    most = (said + truth) / 2
    ari = 1.0 if most == expected else (right - expected) / (most - expected)
    return GroupingScore(precision, recall, f1, ari, said, truth, right)


def labels_of(groups: Sequence[Sequence[int]], n: int) -> list[int]:
    """One label per item (the index of its group) from lists of item indexes."""
    labels = [-1] * n
    for label, members in enumerate(groups):
        for member in members:
            labels[member] = label
    if -1 in labels:
        raise ValueError("every item must be in a group")
    return labels
