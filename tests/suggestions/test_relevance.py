"""A duplicate needs a confident hit that shares the runbook's title and meaning (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from faultmaven.runbooks.schemas import RunbookSummary
from faultmaven.runbooks.service import MatchExplanation, SearchHit
from faultmaven.suggestions.relevance import looks_like_duplicate


def _hit(score: float, title_words: list[str], similarity: float | None) -> SearchHit:
    return SearchHit(
        runbook=RunbookSummary.model_validate(
            {
                "id": "rb_1",
                "title": "Redis Cluster OOM Kills",
                "severity": "high",
                "status": "published",
                "services": [],
                "tags": [],
                "version": 1,
                "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
            }
        ),
        score=score,
        why=MatchExplanation(
            method="keyword+semantic" if similarity is not None else "keyword",
            matched_terms=title_words,
            fields={"title": title_words, "symptoms": ["oomkilled"]},
            similarity=similarity,
        ),
    )


@pytest.mark.parametrize(
    ("score", "title_words", "similarity", "expected"),
    [
        (0.58, ["redis", "oom"], 0.95, True),  # the demo case again
        (0.58, ["redis", "oom"], None, True),  # keyword-only search
        (0.41, ["redis", "oom"], 0.95, False),  # worth a look, not more likely right than not
        (0.80, [], 0.95, False),  # shares symptoms only: not the same problem
        (0.80, ["redis"], 0.40, False),  # words alike, meaning not
        # a low confidence (a store of look-alike runbooks), but the case names the whole title
        # and means the same: a duplicate; with a weaker meaning, or half the title, it is not
        (0.14, ["redis", "cluster", "oom", "kills"], 0.94, True),
        (0.14, ["redis", "cluster", "oom", "kills"], 0.70, False),
        (0.14, ["redis", "cluster", "oom", "kills"], None, False),
        (0.14, ["redis", "oom"], 0.94, False),
    ],
)
def test_looks_like_duplicate(
    score: float, title_words: list[str], similarity: float | None, expected: bool
) -> None:
    assert looks_like_duplicate(_hit(score, title_words, similarity)) is expected
