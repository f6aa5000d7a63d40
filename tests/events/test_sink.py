"""Usage events are written after the unit of work commits, by the app's sink, never in the
request's transaction; a failed write is logged, not raised; two apps share nothing. On SQLite
and PostgreSQL."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from faultmaven.events import service as events
from faultmaven.events.models import EventRow
from faultmaven.events.schemas import EventKind
from faultmaven.events.sink import EventSink
from faultmaven.kit.db import make_engine, unit_of_work
from faultmaven.search.service import session_factory_for


def _count(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory, write=False) as session:
        return session.scalar(select(func.count()).select_from(EventRow)) or 0


def _view(session: Session, n: int = 1) -> None:
    for _ in range(n):
        events.record(session, kind=EventKind.runbook_viewed, runbook_id="rb_1", actor="t")


def test_a_read_records_after_commit_into_the_sink(session_factory) -> None:
    sink = events.install_sink(session_factory, interval=3600)
    with unit_of_work(session_factory, write=False) as session:
        _view(session, 3)
        assert sink.buffered == 0  # nothing before the commit
    assert sink.buffered == 3
    assert _count(session_factory) == 0
    sink.flush()
    assert _count(session_factory) == 3
    assert sink.stats.written == 3
    sink.close()


def test_a_rolled_back_unit_of_work_records_nothing(session_factory) -> None:
    sink = events.install_sink(session_factory, interval=3600)
    with pytest.raises(RuntimeError), unit_of_work(session_factory) as session:
        _view(session)
        raise RuntimeError("the request failed")
    assert sink.buffered == 0
    sink.close()


def test_without_a_sink_events_are_written_at_the_commit(session_factory) -> None:
    with unit_of_work(session_factory) as session:
        _view(session, 2)
    assert _count(session_factory) == 2


def test_the_thread_writes_without_being_asked(session_factory) -> None:
    sink = events.install_sink(session_factory, interval=0.05)
    with unit_of_work(session_factory, write=False) as session:
        _view(session)
    deadline = time.monotonic() + 30
    while _count(session_factory) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _count(session_factory) == 1
    sink.close()


def test_close_writes_what_is_left(session_factory) -> None:
    sink = events.install_sink(session_factory, interval=3600)
    with unit_of_work(session_factory, write=False) as session:
        _view(session, 2)
    sink.close()
    assert _count(session_factory) == 2


def test_a_failed_write_is_logged_never_raised(tmp_path, caplog) -> None:
    broken = make_engine(f"sqlite:///{tmp_path}/missing/dir/db.sqlite")
    sink = EventSink(broken, interval=3600)
    sink.put([{"kind": "runbook_viewed", "actor": "t"}])
    with caplog.at_level(logging.WARNING, logger="faultmaven.events.sink"):
        sink.close()
    assert sink.stats.failed == 1
    assert "could not write 1 usage event" in caplog.text
    broken.dispose()


def test_two_apps_share_nothing(engine, settings) -> None:
    first = session_factory_for(engine, settings)
    second = session_factory_for(engine, settings)
    sink_1 = events.install_sink(first, interval=3600)
    sink_2 = events.install_sink(second, interval=3600)
    with unit_of_work(first, write=False) as session:
        _view(session)
    assert (sink_1.buffered, sink_2.buffered) == (1, 0)
    sink_1.close()
    sink_2.close()
