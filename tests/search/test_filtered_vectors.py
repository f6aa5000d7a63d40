"""Filtered semantic candidates (the embedded vectors checked against the keyword index's facet
mask by position): only accepted documents, and the check follows the index as documents change
facets or new ones arrive. On SQLite and PostgreSQL, through the runbook service."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from faultmaven.kit.db import unit_of_work
from faultmaven.runbooks import service as runbooks
from faultmaven.runbooks.schemas import RunbookCreate
from faultmaven.runbooks.service import RunbookFilters
from faultmaven.search.service import finish_background_work


def _create(factory: sessionmaker[Session], title: str, service: str) -> str:
    data = RunbookCreate(title=title, services=[service], status="published")
    with unit_of_work(factory) as session:
        made = runbooks.create_runbook(session, data=data, actor="t").id
    finish_background_work(factory)  # its vector is stored
    return made


def _semantic_hits(factory: sessionmaker[Session], service: str) -> list[str]:
    """The hits that the vectors found, of a hybrid search filtered by ``service``."""
    with unit_of_work(factory, write=False) as session:
        found = runbooks.search_runbooks(
            session,
            query="redis memory eviction latency",
            filters=RunbookFilters(service=service),
            mode="hybrid",
            min_score=0,
        )
    assert not found.notes, found.notes
    return sorted(hit.runbook.id for hit in found.items if "vector" in hit.why.ranks)


def test_vector_candidates_follow_the_filter_as_documents_change(
    session_factory: sessionmaker[Session],
) -> None:
    redis = _create(session_factory, "Redis memory eviction latency", "redis")
    postgres = _create(session_factory, "Postgres memory eviction latency", "postgres")
    assert _semantic_hits(session_factory, "redis") == [redis]
    assert _semantic_hits(session_factory, "postgres") == [postgres]
    with unit_of_work(session_factory) as session:  # its status facet changes
        runbooks.archive_runbook(session, runbook_id=redis, actor="t")
    assert _semantic_hits(session_factory, "redis") == []
    newer = _create(session_factory, "Redis memory eviction latency again", "redis")
    assert _semantic_hits(session_factory, "redis") == [newer]
    assert _semantic_hits(session_factory, "postgres") == [postgres]
