"""When may a process's in-memory copy of an index table be extended, and when reloaded?

A table of index rows (analysed documents, vectors) has a ``seq`` that grows with every write
and a *generation* in ``search_index_meta`` that changes whenever rows are deleted. A copy made at
stamp (max seq, generation) is brought up to date by loading the rows after its max seq, unless
rows were deleted (the generation changed, or the max seq went down) or, on PostgreSQL, the copy
is older than ``FULL_RELOAD_SECONDS`` (a safety net: sequence numbers may commit out of order
there; SQLite has one writer at a time): then it is reloaded whole. Stamps are read through a
connection of their own, so a copy only ever holds committed rows.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute, Session

from faultmaven.search.models import IndexMetaRow

FULL_RELOAD_SECONDS = 300.0


@dataclass(frozen=True)
class Stamp:
    max_seq: int
    generation: str | None
    taken_at: float
    in_commit_order: bool = False  # SQLite: one writer at a time, seqs commit in order

    def extends_to(self, current: Stamp) -> bool:
        """Can a copy at this stamp reach ``current`` by loading newer rows only?"""
        return (
            current.generation == self.generation
            and current.max_seq >= self.max_seq
            and (self.in_commit_order or current.taken_at - self.taken_at < FULL_RELOAD_SECONDS)
        )


def current_stamp(connection: Connection, seq: InstrumentedAttribute, generation_key: str) -> Stamp:
    max_seq, generation = connection.execute(
        select(
            select(func.max(seq)).scalar_subquery(),
            select(IndexMetaRow.value).where(IndexMetaRow.key == generation_key).scalar_subquery(),
        )
    ).one()
    sqlite = connection.dialect.name == "sqlite"
    return Stamp(max_seq or 0, generation, time.monotonic(), in_commit_order=sqlite)


def new_generation(session: Session, generation_key: str) -> None:
    """Say that rows were deleted: every process reloads its copy."""
    session.merge(IndexMetaRow(key=generation_key, value=uuid.uuid4().hex))
