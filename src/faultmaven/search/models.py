"""ORM rows of the search domain: analysed documents, embedded vectors, the index outbox, index
metadata."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from faultmaven.kit.db import Base

_SEQ = Integer().with_variant(BigInteger(), "postgresql")


class TermsRow(Base):
    """One analysed document of the in-process keyword index (search/keyword_memory.py): its
    stems (keys) with their field-weighted counts and field bits (parallel arrays), its length
    in words and its filter facets. ``seq`` grows with every write, as in ``VectorRow``."""

    __tablename__ = "search_terms"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    runbook_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("runbooks.id", ondelete="CASCADE"), unique=True
    )
    length: Mapped[int] = mapped_column(Integer)
    term_keys: Mapped[bytes] = mapped_column(LargeBinary)  # int64 term_key per stem
    weights: Mapped[bytes] = mapped_column(LargeBinary)  # float32 per stem
    fields: Mapped[bytes] = mapped_column(LargeBinary)  # uint8 field bits per stem
    facets: Mapped[str] = mapped_column(Text)  # "facet=value" lines


class VectorRow(Base):
    """One embedding per runbook. ``seq`` grows with every write, so a process that caches the
    vectors loads only what changed since its last look (see search/vectors.py)."""

    __tablename__ = "runbook_vectors"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    runbook_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("runbooks.id", ondelete="CASCADE"), unique=True
    )
    model: Mapped[str] = mapped_column(String(300))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class OutboxRow(Base):
    """A document whose vector must be (re)computed: written in the same transaction as the
    document, removed once its vector is stored. A crash in between leaves the row, and the
    next drain repairs the index."""

    __tablename__ = "search_outbox"

    runbook_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class IndexMetaRow(Base):
    __tablename__ = "search_index_meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
