"""What the keyword index (``keyword_memory``) takes and gives: documents and hits (pure)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

FIELDS = ("title", "symptoms", "body")


@dataclass(frozen=True)
class SearchDocument:
    doc_id: str
    title: str
    symptoms: str
    body: str
    facets: Mapping[str, Collection[str]] = field(default_factory=dict)  # what filters match


@dataclass(frozen=True)
class KeywordHit:
    doc_id: str
    score: float
    # share of the query's ideal score (every query stem present, saturated): 0..1, comparable
    # across queries; what the confidence of a search hit is made of
    share: float = 0.0
    matched: dict[str, list[str]] = field(default_factory=dict)  # field -> matched words

    @property
    def matched_terms(self) -> list[str]:
        seen: dict[str, None] = {}
        for words in self.matched.values():
            for word in words:
                seen.setdefault(word, None)
        return list(seen)
