"""The grouping (pure) and its scores, against hand-computed expectations."""

from __future__ import annotations

import numpy as np
import pytest

from faultmaven.analytics.recurring import (
    ProblemText,
    Weights,
    group,
    group_by_similarity,
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
