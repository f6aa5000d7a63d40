"""Database plumbing shared by every domain: declarative base, engine, unit of work."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
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
_HOLDS_TURN = "faultmaven_holds_write_turn"  # connection info: this connection is the writer


class _SQLiteWriters:
    """How transactions on one SQLite file begin.

    A writer runs ``BEGIN IMMEDIATE``: it waits for the one write lock at its start, never
    half-way (a deferred transaction that read first cannot upgrade once another writer
    committed: SQLite answers "database is locked" at once, without waiting). Readers ``BEGIN``
    (deferred): in WAL mode they never wait for a writer.

    Before that, the writers of this process take turns on a Python lock, which hands the turn
    over as soon as it is free. SQLite's own wait (the busy timeout) polls with sleeps that grow
    to 100 ms, so under load the write lock sat free while writers slept: with 20 clients and
    8% writes, writes took seconds at p99 (bench/README.md, "Load"). The turn ends when the
    connection goes back to the pool, after its commit or rollback. Other processes (the CLI, a
    second server) still meet at SQLite's lock.
    """

    def __init__(self) -> None:
        self._turn = threading.Lock()

    def begin(self, connection: Connection) -> None:
        if not connection.get_execution_options().get(WRITE, False):
            connection.exec_driver_sql("BEGIN")
            return
        if not self._turn.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            )
        connection.info[_HOLDS_TURN] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # on failure the check-in ends the turn

    def checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_HOLDS_TURN, False):
            self._turn.release()


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
        writers = _SQLiteWriters()
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", writers.begin)
        event.listen(engine.pool, "checkin", writers.checkin)
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


AFTER_COMMIT = "faultmaven_after_commit"


def after_commit(session: Session, key: str, callback: Callable[[], object]) -> None:
    """Run ``callback`` when the unit of work of ``session`` has committed and let go of its
    connection (and with it, on SQLite, the write turn): work that follows a write without
    holding it up, such as embedding what the write queued. One callback per ``key``."""
    session.info.setdefault(AFTER_COMMIT, {})[key] = callback


def cancel_after_commit(session: Session, key: str) -> None:
    session.info.get(AFTER_COMMIT, {}).pop(key, None)


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """One transaction: commits once when the block ends, rolls back whole on any error; then
    runs what was queued with ``after_commit``.

    ``write=False`` declares a read-only transaction: on SQLite it takes no lock and never
    waits for a writer. A writing transaction (the default) takes SQLite's write lock at its
    first statement, so keep it short; on PostgreSQL rows it locks stay locked until it ends."""
    session = factory(execution_options={WRITE: write}, info={WRITE: write})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    for callback in session.info.pop(AFTER_COMMIT, {}).values():
        callback()


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
