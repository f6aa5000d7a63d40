"""``create_app(settings)``: the FastAPI application, built from settings, no import-time state."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from faultmaven import __version__
from faultmaven.api.admission import AdmissionMiddleware
from faultmaven.api.auth import install_auth
from faultmaven.api.docs import install_docs
from faultmaven.api.errors import UnexpectedErrorMiddleware, install_error_handlers
from faultmaven.api.health import HEALTH_CONNECTIONS, HEALTH_TIMEOUT_SECONDS
from faultmaven.api.metrics import MetricsMiddleware, install_metrics
from faultmaven.api.request_guards import (
    AllowedHostsMiddleware,
    BodyLimitMiddleware,
    JsonBodyMiddleware,
    SecurityHeadersMiddleware,
)
from faultmaven.api.router import api_router
from faultmaven.assistant.runbook_writing import JOB_HANDLERS
from faultmaven.config import Settings
from faultmaven.events.service import install_sink
from faultmaven.jobs.worker import Worker
from faultmaven.kit.db import make_engine
from faultmaven.migrations import upgrade
from faultmaven.search.service import finish_background_work, session_factory_for, warm_up
from faultmaven.web.mount import install_web

DESCRIPTION = """
FaultMaven turns resolved troubleshooting cases into structured runbooks and finds them again.

Flow: `POST /cases` → record the investigation → `POST /cases/{id}/resolve` (the assistant offers a
runbook) → `POST /cases/{id}/runbook-offer` with `accept` → `GET /runbooks/search?q=...`.
Errors are `{"error": {"code", "message", "details"}}`.
"""


def create_app(settings: Settings) -> FastAPI:
    engine = make_engine(
        settings.resolved_database_url,
        # an admitted request holds at most two connections (see api.admission)
        pool_size=2 * settings.max_concurrent_requests + settings.worker_threads + 2,
        pool_timeout=settings.queue_timeout_seconds,
    )
    if settings.auto_migrate:
        upgrade(engine)
    session_factory = session_factory_for(engine, settings)
    # usage events go to this app's buffer, written in batches by a thread (events.sink)
    event_sink = install_sink(session_factory)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        workers = [Worker(session_factory, JOB_HANDLERS) for _ in range(settings.worker_threads)]
        for worker in workers:
            worker.start()
        warming = threading.Thread(
            target=warm_up, args=(session_factory,), name="faultmaven-warm-up", daemon=True
        )
        warming.start()
        yield
        for worker in workers:
            worker.stop()
        warming.join(timeout=60)  # it holds a database connection until it is done
        finish_background_work(session_factory)
        event_sink.close()  # writes what is buffered
        _app.state.health_engine.dispose()

    app = FastAPI(
        title="FaultMaven",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs from installed files, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.health_engine = make_engine(
        settings.resolved_database_url,
        pool_size=HEALTH_CONNECTIONS,
        pool_timeout=HEALTH_TIMEOUT_SECONDS,
    )
    app.state.session_factory = session_factory
    app.state.event_sink = event_sink
    install_error_handlers(app)
    install_auth(app)
    app.include_router(api_router)
    metrics = install_metrics(app, job_kinds=JOB_HANDLERS)
    event_sink.on_written = metrics.count_events
    install_docs(app)
    install_web(app)  # the pages: / is the runbook library (after the error handlers it wraps)
    # the last added runs first: metrics, security headers on every answer, then the Host check
    app.add_middleware(JsonBodyMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        AdmissionMiddleware,
        max_concurrent=settings.max_concurrent_requests,
        queue_timeout=settings.queue_timeout_seconds,
    )
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(AllowedHostsMiddleware, allowed=settings.allowed_host_names)
    app.add_middleware(SecurityHeadersMiddleware)
    # outermost: counts and times every answer, rejected ones too
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    return app
