"""Fusion of keyword and vector rankings (pure)."""

from __future__ import annotations

import math

import pytest

from faultmaven.search.fusion import (
    DEFAULT_WEIGHTS,
    SEMANTIC_WEIGHTS,
    FusedHit,
    fuse,
    recommended_weights,
)

EQUAL = {"keyword": 1.0, "vector": 1.0}


def _z(values: list[float]) -> list[float]:
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return [(v - mean) / std for v in values]


def test_zscore_is_the_weighted_sum_of_standardised_scores() -> None:
    keyword = [("a", 12.0), ("b", 6.0), ("c", 3.0)]
    vector = [("b", 0.9), ("c", 0.8), ("a", 0.4)]
    hits = fuse(
        {"keyword": keyword, "vector": vector}, weights={"keyword": 0.7, "vector": 0.3}, limit=10
    )
    kz = dict(zip("abc", _z([12.0, 6.0, 3.0]), strict=True))
    vz = dict(zip("bca", _z([0.9, 0.8, 0.4]), strict=True))
    expected = {d: 0.7 * kz[d] + 0.3 * vz[d] for d in "abc"}
    assert [hit.doc_id for hit in hits] == sorted(expected, key=lambda d: -expected[d])
    for hit in hits:
        assert hit.score == pytest.approx(expected[hit.doc_id])


def test_sources_keep_rank_and_raw_score() -> None:
    hits = fuse(
        {"keyword": [("a", 12.5), ("b", 3.0)], "vector": [("c", 0.9), ("a", 0.7)]}, limit=10
    )
    by_id = {hit.doc_id: hit for hit in hits}
    assert by_id["a"].sources == {"keyword": (1, 12.5), "vector": (2, 0.7)}
    assert by_id["b"].sources == {"keyword": (2, 3.0)}
    assert by_id["c"].sources == {"vector": (1, 0.9)}
    assert all(isinstance(hit, FusedHit) for hit in hits)


def test_a_document_missing_from_a_source_gets_its_lowest_value() -> None:
    keyword = [("a", 9.0), ("b", 5.0), ("c", 1.0)]
    vector = [("d", 0.8), ("a", 0.6)]
    hits = {
        h.doc_id: h.score
        for h in fuse({"keyword": keyword, "vector": vector}, weights=EQUAL, limit=10)
    }
    kz = dict(zip("abc", _z([9.0, 5.0, 1.0]), strict=True))
    vz = dict(zip("da", _z([0.8, 0.6]), strict=True))
    assert hits["b"] == pytest.approx(kz["b"] + min(vz.values()))
    assert hits["d"] == pytest.approx(min(kz.values()) + vz["d"])


def test_a_clear_keyword_lead_survives_a_lukewarm_vector_vote() -> None:
    """What plain RRF gets wrong: rank votes ignore that the keyword winner is far ahead."""
    keyword = [("exact", 40.0), *((f"k{i}", 10.0 - i * 0.1) for i in range(20))]
    vector = [(f"k{i}", 0.80 - i * 0.001) for i in range(3)] + [("exact", 0.79)]
    vector += [(f"v{i}", 0.70 - i * 0.01) for i in range(20)]
    rankings = {"keyword": keyword, "vector": vector}
    assert fuse(rankings, limit=1)[0].doc_id == "exact"
    assert fuse(rankings, weights=EQUAL, limit=1, method="rrf")[0].doc_id != "exact"


def test_ties_break_by_doc_id_whatever_the_input_order() -> None:
    rankings = {"keyword": [("b", 2.0), ("a", 1.0)], "vector": [("a", 0.9), ("b", 0.1)]}
    swapped = {"vector": rankings["vector"], "keyword": rankings["keyword"]}
    first = fuse(rankings, weights=EQUAL, limit=10)
    assert first[0].score == pytest.approx(first[1].score)
    assert [h.doc_id for h in first] == ["a", "b"]
    assert fuse(swapped, weights=EQUAL, limit=10) == first
    tied = fuse({"keyword": [("z", 1.0), ("m", 1.0), ("q", 1.0)]}, limit=10)
    assert [h.doc_id for h in tied] == ["m", "q", "z"]


def test_limit() -> None:
    rankings = {"keyword": [(f"d{i:02}", float(100 - i)) for i in range(50)]}
    assert [h.doc_id for h in fuse(rankings, limit=3)] == ["d00", "d01", "d02"]
    assert fuse(rankings, limit=0) == []
    assert len(fuse(rankings, limit=500)) == 50


def test_empty_sources_are_ignored() -> None:
    assert fuse({}, limit=5) == []
    assert fuse({"keyword": [], "vector": []}, limit=5) == []
    only = fuse({"keyword": [], "vector": [("a", 0.5), ("b", 0.2)]}, limit=5)
    assert [h.doc_id for h in only] == ["a", "b"]


def test_a_single_or_all_tied_candidate_list_counts_as_found() -> None:
    hits = fuse(
        {"keyword": [("only", 3.2)], "vector": [("x", 0.9), ("only", 0.1)]}, weights=EQUAL, limit=10
    )
    by_id = {h.doc_id: h.score for h in hits}
    vz = dict(zip(["x", "only"], _z([0.9, 0.1]), strict=True))
    assert by_id["only"] == pytest.approx(1.0 + vz["only"])
    assert by_id["x"] == pytest.approx(0.0 + vz["x"])


def test_zscore_ignores_the_scale_of_each_source() -> None:
    keyword = [("a", 8.0), ("b", 7.5), ("c", 2.0), ("d", 1.0)]
    vector = [("c", 0.9), ("d", 0.85), ("a", 0.3), ("e", 0.2)]
    base = fuse({"keyword": keyword, "vector": vector}, limit=10)
    rescaled = fuse(
        {
            "keyword": [(d, s * 0.001 + 5) for d, s in keyword],  # e.g. ts_rank instead of bm25
            "vector": [(d, s * 40 - 3) for d, s in vector],
        },
        limit=10,
    )
    assert [h.doc_id for h in rescaled] == [h.doc_id for h in base]
    for a, b in zip(base, rescaled, strict=True):
        assert a.score == pytest.approx(b.score)


def test_default_weights_favour_keyword() -> None:
    assert DEFAULT_WEIGHTS == {"keyword": 0.7, "vector": 0.3}
    rankings = {"keyword": [("k", 2.0), ("v", 1.0)], "vector": [("v", 0.9), ("k", 0.1)]}
    assert fuse(rankings, limit=1)[0].doc_id == "k"
    assert fuse(rankings, weights={"keyword": 0.2, "vector": 0.8}, limit=1)[0].doc_id == "v"


def test_a_repeated_doc_keeps_its_first_entry() -> None:
    hits = fuse({"keyword": [("a", 5.0), ("b", 4.0), ("a", 1.0)]}, limit=10)
    assert [h.doc_id for h in hits] == ["a", "b"]
    assert hits[0].sources == {"keyword": (1, 5.0)}


def test_minmax() -> None:
    hits = fuse(
        {"keyword": [("a", 10.0), ("b", 5.0), ("c", 0.0)], "vector": [("c", 1.0), ("d", 0.5)]},
        weights=EQUAL,
        limit=10,
        method="minmax",
    )
    assert {h.doc_id: h.score for h in hits} == pytest.approx(
        {"a": 1.0, "b": 0.5, "c": 1.0, "d": 0.0}
    )
    assert [h.doc_id for h in hits] == ["a", "c", "b", "d"]


def test_rrf() -> None:
    hits = fuse(
        {"keyword": [("a", 3.0), ("b", 2.0)], "vector": [("b", 0.9), ("c", 0.8)]},
        weights={"keyword": 1.0, "vector": 0.5},
        limit=10,
        method="rrf",
        rrf_k=10,
    )
    assert {h.doc_id: h.score for h in hits} == pytest.approx(
        {"a": 1 / 11, "b": 1 / 12 + 0.5 / 11, "c": 0.5 / 12}
    )
    assert [h.doc_id for h in hits] == ["b", "a", "c"]


def test_inputs_are_not_changed() -> None:
    keyword = [("a", 2.0), ("b", 1.0)]
    weights = {"keyword": 0.5, "vector": 0.5}
    rankings = {"keyword": keyword, "vector": [("b", 0.3)]}
    fuse(rankings, weights=weights, limit=5)
    assert keyword == [("a", 2.0), ("b", 1.0)]
    assert weights == {"keyword": 0.5, "vector": 0.5}
    assert list(rankings) == ["keyword", "vector"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rankings": {"title": [("a", 1.0)]}}, "no weight for source 'title'"),
        (
            {"rankings": {"keyword": [("a", 1.0)]}, "weights": {"keyword": -1.0}},
            "finite number >= 0",
        ),
        ({"rankings": {"keyword": [("a", math.nan)]}}, "must be finite"),
        ({"rankings": {"vector": [("a", math.inf)]}}, "must be finite"),
        ({"rankings": {"keyword": [("a", 1.0)]}, "method": "borda"}, "unknown fusion method"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fuse(limit=5, **kwargs)


def test_recommended_weights() -> None:
    assert recommended_weights("wordllama:l2_supercat_256") == DEFAULT_WEIGHTS
    assert recommended_weights("sentence-transformers:all-MiniLM-L6-v2") == SEMANTIC_WEIGHTS
    assert recommended_weights("openai:text-embedding-3-small") == {"keyword": 0.6, "vector": 0.4}
