"""Which documents a search may return (pure).

A filter has two equal forms: facet values (what an in-process index checks) and a SQL query
of the allowed ids (what an index inside the database joins with). The caller builds both from
one set of choices; ``SearchFilter.among`` answers for a handful of candidate ids.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

Facets = Mapping[str, frozenset[str]]  # facet -> accepted values (all facets must accept)
Accepts = Callable[[Collection[str]], set[str]]  # the accepted ones of some ids
MaskOf = Callable[[Sequence[str]], np.ndarray]  # which of all these ids are accepted (bools)


@dataclass(frozen=True)
class SearchFilter:
    facets: Facets = field(default_factory=dict)
    sql: Select | None = None  # SELECT id ... of the allowed documents; None = all
    accepts: Accepts | None = None  # set by an in-memory index
    # set by an in-memory index too: for an index that scores every document (the embedded
    # vectors), one array lookup instead of growing a candidate list by id
    mask_of: MaskOf | None = None

    @property
    def is_empty(self) -> bool:
        return not self.facets and self.sql is None

    def checked_by(self, accepts: Accepts, mask_of: MaskOf | None = None) -> SearchFilter:
        return replace(self, accepts=accepts, mask_of=mask_of)

    def among(self, session: Session, ids: Collection[str]) -> set[str]:
        """The allowed ones of ``ids``."""
        if self.accepts is not None:
            return self.accepts(ids)
        if self.sql is None:
            return set(ids)
        allowed = self.sql.subquery()
        column = next(iter(allowed.c))
        return set(session.scalars(select(column).where(column.in_(list(ids)))))
