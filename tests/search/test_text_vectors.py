"""``TextVectors``: the embedder's vectors of texts seen before are reused, exactly, and only
the new texts are embedded; the cache stays within its bound (least recently used out)."""

from __future__ import annotations

import numpy as np

from faultmaven.search.embedders import make_embedder
from faultmaven.search.text_vectors import TextVectors


class _Counted:
    """The real default embedder, with the texts it was asked to embed recorded."""

    def __init__(self) -> None:
        self.embedder = make_embedder("default")
        self.asked: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.asked.append(list(texts))
        return self.embedder.embed(texts)


TEXTS = ["Redis pods OOMKilled", "Disk full on /var/log", "Kafka consumer lag", ""]


def test_texts_seen_before_are_not_embedded_again_and_get_the_same_vectors() -> None:
    embed = _Counted()
    cache = TextVectors()
    first = cache.embed(TEXTS, embed)
    np.testing.assert_array_equal(first, embed.embedder.embed(TEXTS))
    again = cache.embed(["TLS certificate expired", *reversed(TEXTS)], embed)
    assert embed.asked[1:] == [["TLS certificate expired"]]  # one call, only the new text
    np.testing.assert_array_equal(again[1:], first[::-1])
    assert cache.embed([], embed).shape[0] == 0


def test_the_cache_keeps_at_most_its_limit_dropping_the_least_recently_used() -> None:
    embed = _Counted()
    cache = TextVectors(limit=2)
    cache.embed(["alpha", "beta"], embed)
    cache.embed(["alpha"], embed)  # alpha used again: beta is the oldest
    cache.embed(["gamma"], embed)
    embed.asked.clear()
    cache.embed(["alpha", "beta", "gamma"], embed)
    assert embed.asked == [["beta"]]
