"""Keyword indexes: SQLite FTS5 (bm25) and PostgreSQL full text, one interface.

The index lives in the same database as the documents and is written in the same transaction,
so it cannot drift from them. ``search`` takes an optional ``allowed_ids`` subquery so that the
caller's filters apply before ranking, not after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Select, column, delete, func, literal_column, select, table, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from faultmaven.kit.db import is_postgres
from faultmaven.search.query import query_terms

FIELDS = ("title", "symptoms", "body")
_MARK = re.compile(r"\x02(.*?)\x03", re.DOTALL)


@dataclass(frozen=True)
class SearchDocument:
    doc_id: str
    title: str
    symptoms: str
    body: str

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
    def upsert(self, session: Session, document: SearchDocument) -> None: ...

    def remove(self, session: Session, doc_id: str) -> None: ...

    def clear(self, session: Session) -> None: ...

    def search(
        self, session: Session, query: str, *, limit: int, allowed_ids: Select | None = None
    ) -> list[KeywordHit]: ...


def _marked_words(highlighted: str | None) -> list[str]:
    if not highlighted:
        return []
    seen: dict[str, None] = {}
    for match in _MARK.finditer(highlighted):
        seen.setdefault(match.group(1).strip().lower(), None)
    return [word for word in seen if word]


_FTS = table("runbook_fts", column("runbook_id"), *(column(name) for name in FIELDS))
_PG = table(
    "runbook_search", column("runbook_id"), column("document"), *(column(name) for name in FIELDS)
)


def _hits(session: Session, statement: Select) -> list[KeywordHit]:
    return [
        KeywordHit(
            doc_id=row.runbook_id,
            score=float(row.score),
            matched={
                name: words for name in FIELDS if (words := _marked_words(getattr(row, name)))
            },
        )
        for row in session.execute(statement)
    ]


class SqliteFts5Index:
    """FTS5 with the porter stemmer; bm25 weights title 10, symptoms 5, body 1.

    An FTS row shares its rowid with the document's row in ``runbooks`` (an indexed lookup),
    so replacing a document's entry never scans the index. Ranking first takes the top rows by
    bm25 alone; only those get their matched words highlighted.
    """

    _ROWID = "(SELECT rowid FROM runbooks WHERE id = :id)"

    def upsert(self, session: Session, document: SearchDocument) -> None:
        self.remove(session, document.doc_id)
        session.execute(
            text(
                "INSERT INTO runbook_fts (rowid, runbook_id, title, symptoms, body) "
                f"VALUES ({self._ROWID}, :id, :title, :symptoms, :body)"
            ),
            {"id": document.doc_id, **document.columns()},
        )

    def remove(self, session: Session, doc_id: str) -> None:
        session.execute(
            text(f"DELETE FROM runbook_fts WHERE rowid = {self._ROWID}"), {"id": doc_id}
        )

    def clear(self, session: Session) -> None:
        session.execute(delete(_FTS))

    def search(
        self, session: Session, query: str, *, limit: int, allowed_ids: Select | None = None
    ) -> list[KeywordHit]:
        terms = query_terms(query)
        if not terms:
            return []
        fts = literal_column("runbook_fts")
        match = fts.op("MATCH")(" OR ".join(f'"{term}"' for term in terms))
        rowid = literal_column("runbook_fts.rowid")
        score = (-func.bm25(fts, 0.0, 10.0, 5.0, 1.0)).label("score")
        ranked = (
            select(rowid.label("rowid"), _FTS.c.runbook_id, score)
            .where(match)
            .order_by(score.desc(), _FTS.c.runbook_id)
            .limit(limit)
        )
        if allowed_ids is not None:
            ranked = ranked.where(_FTS.c.runbook_id.in_(allowed_ids))
        top = session.execute(ranked).all()
        if not top:
            return []
        highlights = [
            func.highlight(fts, position, func.char(2), func.char(3)).label(name)
            for position, name in enumerate(FIELDS, start=1)
        ]
        marked = {
            row.runbook_id: row
            for row in session.execute(
                select(_FTS.c.runbook_id, *highlights)
                .where(match)
                .where(rowid.in_([row.rowid for row in top]))
            )
        }
        return [
            KeywordHit(
                doc_id=row.runbook_id,
                score=float(row.score),
                matched={
                    name: words
                    for name in FIELDS
                    if (words := _marked_words(getattr(marked[row.runbook_id], name)))
                },
            )
            for row in top
        ]


class PostgresFullTextIndex:
    """tsvector weighted A (title), B (symptoms), C (body); ranked by ts_rank normalised by
    document length; terms are OR-ed so that partial matches still rank."""

    def upsert(self, session: Session, document: SearchDocument) -> None:
        statement = pg_insert(_PG).values(**document.columns())
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[_PG.c.runbook_id],
                set_={name: statement.excluded[name] for name in FIELDS},
            )
        )

    def remove(self, session: Session, doc_id: str) -> None:
        session.execute(delete(_PG).where(_PG.c.runbook_id == doc_id))

    def clear(self, session: Session) -> None:
        session.execute(delete(_PG))

    def search(
        self, session: Session, query: str, *, limit: int, allowed_ids: Select | None = None
    ) -> list[KeywordHit]:
        terms = query_terms(query)
        if not terms:
            return []
        tsquery = func.to_tsquery("english", " | ".join(terms))
        score = func.ts_rank(_PG.c.document, tsquery, 1).label("score")
        ranked = (
            select(_PG.c.runbook_id, score, *(_PG.c[name] for name in FIELDS))
            .where(_PG.c.document.op("@@")(tsquery))
            .order_by(score.desc(), _PG.c.runbook_id)
            .limit(limit)
        )
        if allowed_ids is not None:
            ranked = ranked.where(_PG.c.runbook_id.in_(allowed_ids))
        top = ranked.subquery()
        options = "StartSel=\x02, StopSel=\x03, HighlightAll=true"
        statement = select(
            top.c.runbook_id,
            top.c.score,
            *(
                func.ts_headline("english", top.c[name], tsquery, options).label(name)
                for name in FIELDS
            ),
        ).order_by(top.c.score.desc(), top.c.runbook_id)
        return _hits(session, statement)


def keyword_index_for(session: Session) -> KeywordIndex:
    return PostgresFullTextIndex() if is_postgres(session) else SqliteFts5Index()
