"""Where recorded events go after their request committed: an in-process buffer of one app
that a background thread writes in batches.

Why: recording must never slow or fail the request that caused it. A runbook view is a GET,
which runs in a read-only transaction; writing its event there would make every view a writer
(on SQLite: wait for the one write lock). So ``events.service.record`` keeps the event in the
session and, once the unit of work has committed, hands it to the app's sink; the sink writes
what gathered every ``interval`` seconds (or at once when ``batch`` are waiting) in one
``INSERT`` per batch, on its own connection, and logs a failure instead of raising it.

Crash window: events buffered but not yet written (at most ``interval`` seconds' worth, 1 s by
default) are lost if the process dies; ``close()`` (app shutdown) writes them. Feedback is not
an event only: its record is written in the request's own transaction and is never lost.

Each app owns one sink (``create_app`` installs it; ``events.service.install_sink``); two apps
in one process share nothing. Without a sink (the CLI, a bare session factory) events are
written right after the commit, synchronously, so a command has written them when it exits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from faultmaven.events.models import EventRow
from faultmaven.kit.db import WRITE

log = logging.getLogger(__name__)
_EVENTS = EventRow.metadata.tables[EventRow.__tablename__]


def write_events(engine: Engine, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` in one transaction of their own (a writer: on SQLite it takes the write
    turn like any other write)."""
    if not rows:
        return
    with engine.connect() as connection:
        writer = connection.execution_options(**{WRITE: True})
        with writer.begin():
            writer.execute(insert(_EVENTS), list(rows))


def write_quietly(engine: Engine, rows: Sequence[dict[str, Any]]) -> bool:
    """``write_events``, logging instead of raising; True when written."""
    try:
        write_events(engine, rows)
    except Exception:  # noqa: BLE001 - analytics must never fail the work that caused them
        log.warning("could not write %d usage event(s); they are lost", len(rows), exc_info=True)
        return False
    return True


@dataclass
class SinkStats:
    written: int = 0
    failed: int = 0  # lost to a failed write
    dropped: int = 0  # lost because the buffer was full (the database kept failing)


class EventSink:
    """The buffer and its writer thread. ``put`` never blocks on the database."""

    def __init__(
        self,
        engine: Engine,
        *,
        interval: float = 1.0,
        batch: int = 500,
        max_buffered: int = 100_000,
    ) -> None:
        self._engine = engine
        self._interval = interval
        self._batch = batch
        self._max = max_buffered
        self._buffer: list[dict[str, Any]] = []
        self._lock = threading.Condition()
        self._write_lock = threading.Lock()  # one batch at a time, in order
        self._thread: threading.Thread | None = None
        self._closed = False
        self.stats = SinkStats()
        # told of each batch written (the app's /metrics counts events by kind); never raises
        self.on_written: Callable[[Sequence[dict[str, Any]]], None] | None = None

    def put(self, rows: Sequence[dict[str, Any]]) -> None:
        with self._lock:
            if self._closed:  # after shutdown: write now rather than lose them
                pending = list(rows)
            else:
                room = self._max - len(self._buffer)
                if room < len(rows):
                    self.stats.dropped += len(rows) - max(room, 0)
                    rows = rows[: max(room, 0)]
                self._buffer.extend(rows)
                if len(self._buffer) >= self._batch:
                    self._lock.notify()
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="faultmaven-events", daemon=True
                    )
                    self._thread.start()
                return
        self._write(pending)

    @property
    def buffered(self) -> int:
        with self._lock:
            return len(self._buffer)

    def flush(self) -> None:
        """Write everything buffered now (tests; shutdown)."""
        self._write(self._take())

    def close(self, timeout: float = 10.0) -> None:
        """Stop the thread and write what is left (app shutdown)."""
        with self._lock:
            self._closed = True
            self._lock.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        self.flush()

    def _take(self) -> list[dict[str, Any]]:
        with self._lock:
            taken, self._buffer = self._buffer, []
            return taken

    def _write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        with self._write_lock:
            for start in range(0, len(rows), self._batch):
                chunk = rows[start : start + self._batch]
                if write_quietly(self._engine, chunk):
                    self.stats.written += len(chunk)
                    if self.on_written is not None:
                        self.on_written(chunk)
                else:
                    self.stats.failed += len(chunk)

    def _run(self) -> None:
        idle = 0
        while True:
            with self._lock:
                if not self._closed and len(self._buffer) < self._batch:
                    self._lock.wait(self._interval)
                closing = self._closed
                if not self._buffer:
                    idle += 1
                    # nothing for a while (or closing): end; the next put starts a new thread
                    if closing or idle >= 30:
                        self._thread = None
                        return
                    continue
            idle = 0
            self._write(self._take())
