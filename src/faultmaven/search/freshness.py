"""When may a process's in-memory copy of an index table be extended, and when reloaded?

A table of index rows (analysed documents, vectors) has a ``seq`` that grows with every write
and a *generation* in ``search_index_meta`` that changes whenever rows are deleted. A copy made at
stamp (max seq, generation) is brought up to date by loading the rows after its max seq, unless
rows were deleted (the generation changed, or the max seq went down) or, for a table whose seqs
may commit out of order (vectors on PostgreSQL), the copy is older than ``FULL_RELOAD_SECONDS``:
then it is reloaded whole. Stamps are read through a
connection of their own, so a copy only ever holds committed rows, once per transaction
(``index_state``: one round trip for every index of a search).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from faultmaven.search.models import IndexMetaRow, OutboxRow, TermsRow, VectorRow

FULL_RELOAD_SECONDS = 300.0


@dataclass(frozen=True)
class Stamp:
    max_seq: int
    generation: str | None
    taken_at: float
    in_commit_order: bool = False  # seqs commit in order: no timed full reload needed

    def extends_to(self, current: Stamp) -> bool:
        """Can a copy at this stamp reach ``current`` by loading newer rows only?"""
        return (
            current.generation == self.generation
            and current.max_seq >= self.max_seq
            and (self.in_commit_order or current.taken_at - self.taken_at < FULL_RELOAD_SECONDS)
        )


KEYWORD_GENERATION = "keyword_generation"
VECTOR_GENERATION = "vector_generation"
_STATE = "search_index_state"


@dataclass(frozen=True)
class IndexState:
    """What a search needs to know of the committed index, read in one round trip."""

    keyword: Stamp  # search_terms
    vectors: Stamp  # runbook_vectors (embedded backend)
    pending: bool  # documents wait in the outbox for their vectors
    meta: dict[str, str]  # search_index_meta (the index identity, generations)


def index_state(session: Session) -> IndexState:
    """The committed state of the index, read once per transaction of ``session`` (through a
    connection of its own) and kept until that transaction ends."""
    state = session.info.get(_STATE)
    if state is None:
        with session.get_bind().engine.connect() as connection:
            state = _read_state(connection)
        session.info[_STATE] = state
    return state


def forget_state(session: Session) -> None:
    """Read the state again at the next search (after a commit, or after draining the outbox)."""
    session.info.pop(_STATE, None)


# Built once: every search reads the state, and building these statements cost as much as
# running them (0.8 -> 0.4 ms a read, SQLite, bench/README.md "Issue 10, third slice").
_META = select(IndexMetaRow.key, IndexMetaRow.value)
_SEQS_AND_PENDING = select(
    select(func.max(TermsRow.seq)).scalar_subquery(),
    select(func.max(VectorRow.seq)).scalar_subquery(),
    select(OutboxRow.runbook_id).limit(1).scalar_subquery(),
)


def _read_state(connection: Connection) -> IndexState:
    meta = {row.key: row.value for row in connection.execute(_META)}
    terms_seq, vectors_seq, pending = connection.execute(_SEQS_AND_PENDING).one()
    now, sqlite = time.monotonic(), connection.dialect.name == "sqlite"
    return IndexState(
        # keyword rows commit in seq order everywhere (see MemoryKeywordIndex.upsert)
        keyword=Stamp(terms_seq or 0, meta.get(KEYWORD_GENERATION), now, in_commit_order=True),
        vectors=Stamp(vectors_seq or 0, meta.get(VECTOR_GENERATION), now, in_commit_order=sqlite),
        pending=pending is not None,
        meta=meta,
    )


def new_generation(session: Session, generation_key: str) -> None:
    """Say that rows were deleted: every process reloads its copy."""
    session.merge(IndexMetaRow(key=generation_key, value=uuid.uuid4().hex))
