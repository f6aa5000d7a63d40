"""Which documents a search may return (pure).

A filter has two equal forms: facet values (what an in-process index checks) and a SQL query
of the allowed ids (what an index inside the database joins with). The caller builds both from
one set of choices; ``SearchFilter.among`` answers for a handful of candidate ids.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

Facets = Mapping[str, frozenset[str]]  # facet -> accepted values (all facets must accept)


@dataclass(frozen=True)
class SearchFilter:
    facets: Facets = field(default_factory=dict)
    sql: Select | None = None  # SELECT id ... of the allowed documents; None = all
    accepts: Callable[[Collection[str]], set[str]] | None = None  # set by an in-memory index

    @property
    def is_empty(self) -> bool:
        return not self.facets and self.sql is None

    def checked_by(self, accepts: Callable[[Collection[str]], set[str]]) -> SearchFilter:
        return replace(self, accepts=accepts)

    def among(self, session: Session, ids: Collection[str]) -> set[str]:
        """The allowed ones of ``ids``."""
        if self.accepts is not None:
            return self.accepts(ids)
        if self.sql is None:
            return set(ids)
        allowed = self.sql.subquery()
        column = next(iter(allowed.c))
        return set(session.scalars(select(column).where(column.in_(list(ids)))))
