"""The grouping (pure) and its scores, against hand-computed expectations."""

from __future__ import annotations

import numpy as np
import pytest

from faultmaven.analytics.recurring import (
    ProblemText,
    Weights,
    _component_labels,
    group,
    group_by_similarity,
    keyword_cosines,
    keyword_rows,
    keyword_vectors,
    similarity,
)
from faultmaven.analytics.recurring_evaluation import labels_of, score_grouping

NONE = frozenset[str]()


def test_the_adjusted_rand_index_and_pair_scores_match_the_hand_computed_values() -> None:
    # contingency (pred, label): (0,0)x2 (1,0) (1,1) (2,1): right pairs 1; predicted pairs
    # 1+1=2; labelled pairs 3+1=4; of 10 pairs: expected 2*4/10=0.8; ARI=(1-.8)/(3-.8)
    score = score_grouping([0, 0, 1, 1, 2], ["a", "a", "a", "b", "b"])
    assert (score.right_pairs, score.predicted_pairs, score.labelled_pairs) == (1, 2, 4)
    assert score.precision == pytest.approx(0.5)
    assert score.recall == pytest.approx(0.25)
    assert score.f1 == pytest.approx(1 / 3)
    assert score.ari == pytest.approx(0.2 / 2.2)


def test_identical_groupings_score_one_and_all_alone_scores_zero() -> None:
    labels = [1, 1, 2, 3, 3, 3]
    assert score_grouping([7, 7, 8, 9, 9, 9], labels).ari == pytest.approx(1.0)
    alone = score_grouping(list(range(6)), labels)
    assert (alone.precision, alone.recall, alone.ari) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        score_grouping([1], [1, 2])


def test_labels_of_needs_every_item_in_a_group() -> None:
    assert labels_of([[0, 2], [1]], 3) == [0, 1, 0]
    with pytest.raises(ValueError):
        labels_of([[0]], 2)


def test_average_linkage_does_not_chain_where_connected_components_would() -> None:
    # A~B 0.8, B~C 0.8, A~C 0.1: single linkage at 0.5 would make {A, B, C}
    matrix = np.array([[1, 0.8, 0.1], [0.8, 1, 0.8], [0.1, 0.8, 1]], dtype=np.float32)
    groups = group_by_similarity(matrix, [NONE] * 3, 0.5)
    assert sorted(map(len, groups)) == [1, 2]
    assert group_by_similarity(matrix, [NONE] * 3, 0.45) == [[0, 1, 2]]  # mean 0.567


def test_cases_of_one_runbook_are_one_problem_whatever_their_words() -> None:
    matrix = np.eye(3, dtype=np.float32)
    runbook = frozenset(["rb_1"])
    assert group_by_similarity(matrix, [runbook, NONE, runbook], 0.5) == [[0, 2], [1]]


def test_similar_reports_group_and_different_ones_stay_apart() -> None:
    items = [
        ProblemText("Redis pods OOMKilled in production\nredis memory limit exceeded"),
        ProblemText("Disk full on /var/log of web nodes\nnginx logs filled the disk"),
        ProblemText("Redis pod OOMKilled again\nredis memory limit exceeded, pods restart"),
        ProblemText("TLS certificate expired on the API gateway"),
        ProblemText("Disk full: /var/log filled by nginx logs on web nodes"),
    ]
    assert group(items) == [[0, 2], [1, 4], [3]]


def test_the_service_signal_counts_only_when_both_name_services() -> None:
    items = [
        ProblemText("alpha beta", services=frozenset(["redis"])),
        ProblemText("alpha beta", services=frozenset(["kafka"])),
        ProblemText("alpha beta"),
    ]
    weights = Weights(keyword=0.5, semantic=0.0, service=0.5)
    matrix = similarity(items, None, weights)
    assert matrix[0, 1] == pytest.approx(0.5)  # same words, different services
    assert matrix[0, 2] == pytest.approx(1.0)  # no service named: words alone


def test_keyword_vectors_ignore_stop_words_and_are_unit_length() -> None:
    vectors = keyword_vectors(["the redis pod", "a redis pod", "kafka lag"])
    assert vectors.shape[1] == 2  # redis, pod: the only stems in two texts
    assert float(vectors[0] @ vectors[1]) == pytest.approx(1.0)
    assert float(np.linalg.norm(vectors[2])) == 0.0  # shares nothing


def _naive_average_linkage(
    matrix: np.ndarray, seeds: list[list[int]], threshold: float
) -> list[list[int]]:
    """Textbook average linkage: merge the closest pair of groups (mean over all their pairs)
    while it is at least ``threshold``."""
    groups = [list(seed) for seed in seeds]
    while True:
        best, pair = -1.0, None
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                mean = float(matrix[np.ix_(groups[i], groups[j])].astype(np.float64).mean())
                if mean > best:
                    best, pair = mean, (i, j)
        if pair is None or best < threshold:
            return sorted((sorted(g) for g in groups), key=lambda g: g[0])
        i, j = pair
        groups[i] += groups.pop(j)


@pytest.mark.parametrize("seed", range(6))
def test_grouping_equals_textbook_average_linkage_with_runbook_seeds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    points = rng.normal(size=(n, 3)) + rng.integers(0, 4, size=(n, 1)) * 3.0
    distance = np.linalg.norm(points[:, None] - points[None], axis=2)
    matrix = np.exp(-distance / 2).astype(np.float32)
    np.fill_diagonal(matrix, 1.0)
    runbooks = [NONE] * n
    for a, b in rng.integers(0, n, size=(4, 2)):  # a few cases share a runbook
        shared = frozenset([f"rb_{a}"])
        runbooks[a] = runbooks[a] | shared
        runbooks[b] = runbooks[b] | shared
    expected_seeds: dict[int, list[int]] = {}
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for ids in {r for rs in runbooks for r in rs}:
        holders = [i for i in range(n) if ids in runbooks[i]]
        for other in holders[1:]:
            parent[root(other)] = root(holders[0])
    for i in range(n):
        expected_seeds.setdefault(root(i), []).append(i)
    expected = _naive_average_linkage(matrix, list(expected_seeds.values()), 0.5)
    assert group_by_similarity(matrix, runbooks, 0.5) == expected
    assert any(len(g) > 2 for g in expected)  # the data makes real groups


def test_components_are_those_of_a_union_find() -> None:
    rng = np.random.default_rng(7)
    n = 300
    a, b = rng.integers(0, n, size=(2, 260))
    chain = np.arange(100, 160)  # a long path: labels must travel its whole length
    a, b = np.concatenate((a, chain[1:])), np.concatenate((b, chain[:-1]))
    labels = _component_labels(n, a, b)
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        parent[root(x)] = root(y)
    for x in range(n):
        for y in range(x + 1, n):
            assert (labels[x] == labels[y]) == (root(x) == root(y))
        assert labels[x] == min(i for i in range(n) if root(i) == root(x))  # smallest member


def test_keyword_cosines_equal_the_dense_product_for_common_and_rare_terms() -> None:
    rng = np.random.default_rng(3)
    vocabulary = [f"term{i}" for i in range(400)]
    texts = [
        " ".join(["redis", "timeout"][: i % 3] + list(rng.choice(vocabulary, size=12)))
        for i in range(200)
    ]  # redis/timeout in 2/3 of the texts: by matrix product; the rest by pairs
    rows = keyword_rows(texts)
    dense = rows.dense()
    np.testing.assert_allclose(keyword_cosines(rows), dense @ dense.T, atol=1e-6)
    assert (np.bincount(rows.column) > len(texts) // 32).any()  # both paths were taken
    assert (np.bincount(rows.column) <= len(texts) // 32).any()


def test_the_similarity_is_the_same_whatever_the_row_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = [
        ProblemText(f"redis {word} pods OOMKilled", services=frozenset(services))
        for word, services in zip(
            ["memory", "limit", "restart", "eviction", "node", "memory", "swap"],
            [["redis"], [], ["redis", "kafka"], ["kafka"], [], ["redis"], ["nginx"]],
            strict=True,
        )
    ]
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(len(items), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    whole = similarity(items, vectors)
    monkeypatch.setattr("faultmaven.analytics.recurring.BLOCK_ROWS", 2)
    np.testing.assert_allclose(similarity(items, vectors), whole, atol=1e-6)  # BLAS order
    # the weighted mean, by hand, for one pair naming services and one that does not
    keyword = keyword_vectors([item.text for item in items])
    semantic = max(float(vectors[0] @ vectors[5]), 0.0)
    expected = (0.72 * float(keyword[0] @ keyword[5]) + 0.18 * semantic + 0.1 * 1.0) / 1.0
    assert whole[0, 5] == pytest.approx(expected, abs=1e-6)
    semantic = max(float(vectors[0] @ vectors[1]), 0.0)
    expected = (0.72 * float(keyword[0] @ keyword[1]) + 0.18 * semantic) / 0.9
    assert whole[0, 1] == pytest.approx(expected, abs=1e-6)
