"""Keyword indexes, one interface: the embedded one (``keyword_memory``: analysed documents in
the database, BM25 in memory) and PostgreSQL full text (below).

Both are written in the same transaction as the documents, so they cannot drift from them.
``search`` takes the caller's ``SearchFilter`` so that filters apply before ranking, not after.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import column, delete, func, select, table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from faultmaven.search.filters import SearchFilter
from faultmaven.search.query import query_terms

FIELDS = ("title", "symptoms", "body")
_MARK = re.compile(r"\x02(.*?)\x03", re.DOTALL)


@dataclass(frozen=True)
class SearchDocument:
    doc_id: str
    title: str
    symptoms: str
    body: str
    facets: Mapping[str, Collection[str]] = field(default_factory=dict)  # what filters match

    def columns(self) -> dict[str, str]:
        return {
            "runbook_id": self.doc_id,
            "title": self.title,
            "symptoms": self.symptoms,
            "body": self.body,
        }


@dataclass(frozen=True)
class KeywordHit:
    doc_id: str
    score: float
    matched: dict[str, list[str]] = field(default_factory=dict)  # field -> matched words

    @property
    def matched_terms(self) -> list[str]:
        seen: dict[str, None] = {}
        for words in self.matched.values():
            for word in words:
                seen.setdefault(word, None)
        return list(seen)


class KeywordIndex(Protocol):
    def upsert(self, session: Session, documents: Sequence[SearchDocument]) -> None: ...

    def remove(self, session: Session, doc_id: str) -> None: ...

    def clear(self, session: Session) -> None: ...

    def search(
        self, session: Session, query: str, *, limit: int, where: SearchFilter = SearchFilter()
    ) -> list[KeywordHit]:
        """The best ``limit`` matches, without ``matched`` (see ``explain``)."""
        ...

    def explain(
        self, session: Session, query: str, doc_ids: Sequence[str]
    ) -> dict[str, dict[str, list[str]]]:
        """For each of ``doc_ids`` (hits of ``search``): field -> the query words found there.
        Asked only for the hits shown, since it costs more than ranking."""
        ...


def _marked_words(highlighted: str | None) -> list[str]:
    if not highlighted:
        return []
    seen: dict[str, None] = {}
    for match in _MARK.finditer(highlighted):
        seen.setdefault(match.group(1).strip().lower(), None)
    return [word for word in seen if word]


_PG = table(
    "runbook_search", column("runbook_id"), column("document"), *(column(name) for name in FIELDS)
)


class PostgresFullTextIndex:
    """tsvector weighted A (title), B (symptoms), C (body); ranked by ts_rank normalised by
    document length; terms are OR-ed so that partial matches still rank."""

    def upsert(self, session: Session, documents: Sequence[SearchDocument]) -> None:
        statement = pg_insert(_PG)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[_PG.c.runbook_id],
                set_={name: statement.excluded[name] for name in FIELDS},
            ),
            [document.columns() for document in documents],
        )

    def remove(self, session: Session, doc_id: str) -> None:
        session.execute(delete(_PG).where(_PG.c.runbook_id == doc_id))

    def clear(self, session: Session) -> None:
        session.execute(delete(_PG))

    def search(
        self, session: Session, query: str, *, limit: int, where: SearchFilter = SearchFilter()
    ) -> list[KeywordHit]:
        terms = query_terms(query)
        if not terms:
            return []
        tsquery = _tsquery(terms)
        score = func.ts_rank(_PG.c.document, tsquery, 1).label("score")
        ranked = (
            select(_PG.c.runbook_id, score)
            .where(_PG.c.document.op("@@")(tsquery))
            .order_by(score.desc(), _PG.c.runbook_id)
            .limit(limit)
        )
        if where.sql is not None:
            ranked = ranked.where(_PG.c.runbook_id.in_(where.sql))
        return [KeywordHit(row.runbook_id, float(row.score)) for row in session.execute(ranked)]

    def explain(
        self, session: Session, query: str, doc_ids: Sequence[str]
    ) -> dict[str, dict[str, list[str]]]:
        terms = query_terms(query)
        if not terms or not doc_ids:
            return {}
        tsquery = _tsquery(terms)
        options = "StartSel=\x02, StopSel=\x03, HighlightAll=true"
        statement = select(
            _PG.c.runbook_id,
            *(
                func.ts_headline("english", _PG.c[name], tsquery, options).label(name)
                for name in FIELDS
            ),
        ).where(_PG.c.runbook_id.in_(list(doc_ids)))
        return {
            row.runbook_id: {
                name: words for name in FIELDS if (words := _marked_words(getattr(row, name)))
            }
            for row in session.execute(statement)
        }


def _tsquery(terms: list[str]):  # noqa: ANN202 - a SQL expression
    return func.to_tsquery("english", " | ".join(terms))
