"""Database plumbing shared by every domain: declarative base, engine, unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from faultmaven.kit.clock import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores timezone-aware UTC; always returns aware UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_Row = TypeVar("_Row", bound=Base)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not open transactions by itself: ``_sqlite_begin`` does, so that a
    # writer can take the lock up front (BEGIN IMMEDIATE) and a reader keeps one snapshot.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


WRITE = "faultmaven_write"  # execution option: this transaction will write


def _sqlite_begin(connection: Connection) -> None:
    """``BEGIN IMMEDIATE`` for a transaction that will write: it waits for the one write lock
    at its start, never half-way (a deferred transaction that read first cannot upgrade once
    another writer committed: SQLite answers "database is locked" at once, without waiting).
    Readers ``BEGIN`` (deferred): in WAL mode they never wait for a writer."""
    immediate = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# For bulk UPDATE/DELETE of rows that are written with Core and never loaded as objects (labels,
# index rows): skip matching them against the session's objects, which costs a scan of every
# object in the session per statement.
NOT_IN_SESSION = {"synchronize_session": False}


SQLITE_BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str, *, pool_size: int = 5, pool_timeout: float = 30.0) -> Engine:
    """An engine for ``url`` with at most ``pool_size`` connections; a caller waits at most
    ``pool_timeout`` seconds for one (then ``sqlalchemy.exc.TimeoutError``). SQLite gets WAL,
    foreign keys, a busy timeout and explicit ``BEGIN`` so that several processes (API replicas,
    the CLI) can share one file."""
    pool = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            poolclass=QueuePool,
            **pool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def make_session_factory(
    engine: Engine, *, info: dict[str, Any] | None = None
) -> sessionmaker[Session]:
    """Sessions for ``engine``; ``info`` is handed to every session (``session.info``), which is
    how process-wide machinery such as the search runtime reaches the services. A session is a
    writer unless opened read-only (``unit_of_work(write=False)``)."""
    return sessionmaker(
        bind=engine,
        expire_on_commit=False,
        autoflush=True,
        info=info or {},
        execution_options={WRITE: True},
    )


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """One transaction: commits once when the block ends, rolls back whole on any error.

    ``write=False`` declares a read-only transaction: on SQLite it takes no lock and never
    waits for a writer; work that writes on another connection (draining the search outbox)
    may run inside it. A writing transaction (the default) takes SQLite's write lock at its
    start, so keep it short; on PostgreSQL rows it changes are locked until it ends."""
    session = factory(execution_options={WRITE: write}, info={WRITE: write})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_row(
    session: Session, model: type[_Row], key: Any, *, for_update: bool = False
) -> _Row | None:
    """The row of ``model`` with primary key ``key``. ``for_update`` reads it fresh and locks it
    until the transaction ends (PostgreSQL; a SQLite writer already holds the database's one
    write lock): concurrent changes to one record then wait for each other instead of
    colliding."""
    if for_update:
        return session.get(model, key, with_for_update=True, populate_existing=True)
    return session.get(model, key)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def upsert(session: Session, model: type[Base]) -> Any:
    """``INSERT`` of the session's dialect, with ``.on_conflict_do_update(...)``."""
    return (pg_insert if is_postgres(session) else sqlite_insert)(model)
