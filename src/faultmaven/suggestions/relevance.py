"""When is a runbook similar enough to a case to show it, or to call it a duplicate? (pure)

A search hit is ranked by fused rank, which says nothing absolute; these rules look at *what*
matched. The strongest sign of "the same problem" is the runbook's title: how much of it the case
describes. Words that carry no meaning (stop words, bare numbers) do not count.

Calibrated on the demo cases (four different incidents: none may look like another's duplicate,
each must find its own runbook) with the bundled embedder; see tests/suggestions.
"""

from __future__ import annotations

from faultmaven.runbooks.service import SearchHit
from faultmaven.search.query import query_terms

_STOP_WORDS_TEXT = """a an and are as at be by for from has in is it its no not of on or the to
was were with after before during when while this that these those"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
PROBLEM_FIELDS = ("title", "symptoms")  # where a match means "same problem", not "same fix"

SUGGEST_MIN_TITLE_COVERAGE = 0.5  # half the runbook's title, or
SUGGEST_MIN_SHARED = 2  # this many problem words, one of them in the title, or
SUGGEST_MIN_SIMILARITY = 0.6  # one problem word and this much semantic similarity
DUPLICATE_MIN_TITLE_COVERAGE = 0.75
DUPLICATE_MIN_SHARED = 3
DUPLICATE_MIN_SIMILARITY = 0.6  # checked when semantic search is on


def informative(words: set[str] | list[str]) -> set[str]:
    return {w for w in words if w not in STOP_WORDS and not w.isdigit() and len(w) > 1}


def title_coverage(hit: SearchHit) -> float:
    """Share of the runbook title's meaningful words that the query matched."""
    title_words = informative(query_terms(hit.runbook.title))
    if not title_words:
        return 0.0
    matched = informative(hit.why.fields.get("title", []))
    return min(1.0, len(matched) / len(title_words))


def shared_problem_words(hit: SearchHit) -> int:
    return len(informative([w for f in PROBLEM_FIELDS for w in hit.why.fields.get(f, [])]))


def worth_suggesting(hit: SearchHit) -> bool:
    coverage, shared = title_coverage(hit), shared_problem_words(hit)
    if coverage >= SUGGEST_MIN_TITLE_COVERAGE:
        return True
    if coverage > 0 and shared >= SUGGEST_MIN_SHARED:
        return True
    return shared >= 1 and (hit.why.similarity or 0.0) >= SUGGEST_MIN_SIMILARITY


def looks_like_duplicate(hit: SearchHit) -> bool:
    if title_coverage(hit) < DUPLICATE_MIN_TITLE_COVERAGE:
        return False
    if shared_problem_words(hit) < DUPLICATE_MIN_SHARED:
        return False
    return hit.why.similarity is None or hit.why.similarity >= DUPLICATE_MIN_SIMILARITY
