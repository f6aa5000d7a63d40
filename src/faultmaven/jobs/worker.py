"""The job worker: claims jobs and runs their handler, each in its own unit of work."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from faultmaven.errors import FaultMavenError
from faultmaven.jobs import service
from faultmaven.kit.db import unit_of_work

log = logging.getLogger("faultmaven.jobs")

Handler = Callable[[Session, dict[str, Any], str], dict[str, Any]]  # (session, payload, actor)


class Worker:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        handlers: Mapping[str, Handler],
        *,
        poll_seconds: float = 0.5,
    ) -> None:
        self.session_factory = session_factory
        self.handlers = dict(handlers)
        self.poll_seconds = poll_seconds
        self.name = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> bool:
        """Claim and run one job; False when there was nothing to do."""
        with unit_of_work(self.session_factory) as session:
            job = service.claim_next(session, worker=self.name)
        if job is None:
            return False
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise FaultMavenError(f"no handler for job kind {job.kind!r}")
            with unit_of_work(self.session_factory) as session:
                result = handler(session, job.payload, "worker")
                service.succeed(session, job_id=job.id, result=result)
        except Exception as error:  # noqa: BLE001 - a job's failure is recorded, not raised
            message = error.message if isinstance(error, FaultMavenError) else "unexpected error"
            log.warning("job %s (%s) failed: %s", job.id, job.kind, message, exc_info=True)
            with unit_of_work(self.session_factory) as session:
                service.fail(session, job_id=job.id, error=message)
        return True

    def run_until_idle(self) -> int:
        done = 0
        while self.run_once():
            done += 1
        return done

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # noqa: BLE001 - keep the worker alive (e.g. database restart)
                log.exception("worker loop error")
                worked = False
            if not worked:
                self._stop.wait(self.poll_seconds)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.run_forever, name="faultmaven-worker", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
