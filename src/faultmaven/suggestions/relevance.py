"""When is a runbook similar enough to a case to show it, or to call it a duplicate? (pure)

A search hit's score is a calibrated confidence in [0, 1] (``search.fusion.confidence``: the
chance that a hit this strong is a right answer), and search already leaves out the hits below
the relevance floor (setting ``search_min_score``, chosen from the trade-off table in
bench/README.md, issue 10). So the floor decides what is *suggested*: every hit search returns
is worth showing. Counting matched title words on top of it (the earlier rules) double-counted
what the score already weighs and misfired once very common words stopped counting as matches.

A *duplicate* (the case's problem already has a runbook, so offer to update it instead of
making another) needs more than "worth a look": a confidence of at least ``DUPLICATE_MIN_SCORE``
(more likely right than not), a meaningful word of the runbook's title among the matches (the
same problem, not only the same fix or the same systems), and, when semantic search is on, a
similar meaning. Checked on the demo cases: each finds its own runbook again as a duplicate
(confidence 0.58-0.63, similarity >= 0.95) and no demo case looks like another's duplicate.

The confidence says "this is the right one *among these*": in a store of a few runbooks that
share most of their words (three about the same Kafka topic), even the runbook a case describes
word for word stays below 0.5. So a case that names nearly all of a runbook's title
(``DUPLICATE_MIN_TITLE_COVERAGE`` of its meaningful words) with a very similar meaning is a
duplicate too, whatever the store around it.
"""

from __future__ import annotations

from faultmaven.runbooks.service import SearchHit
from faultmaven.search.analysis import is_stop_word, words

DUPLICATE_MIN_SCORE = 0.5
DUPLICATE_MIN_SIMILARITY = 0.6  # checked when semantic search is on
DUPLICATE_MIN_TITLE_COVERAGE = 0.75
DUPLICATE_MIN_SIMILARITY_BY_TITLE = 0.8


def title_coverage(hit: SearchHit) -> float:
    """Share of the runbook title's meaningful words that the case matched in the title."""
    title = {word for word in words(hit.runbook.title) if not is_stop_word(word)}
    if not title:
        return 0.0
    matched = {word for term in hit.why.fields.get("title", []) for word in words(term)}
    return len(title & matched) / len(title)


def looks_like_duplicate(hit: SearchHit) -> bool:
    if not hit.why.fields.get("title"):
        return False
    similarity = hit.why.similarity
    if hit.score >= DUPLICATE_MIN_SCORE:
        return similarity is None or similarity >= DUPLICATE_MIN_SIMILARITY
    return title_coverage(hit) >= DUPLICATE_MIN_TITLE_COVERAGE and (
        similarity is not None and similarity >= DUPLICATE_MIN_SIMILARITY_BY_TITLE
    )
