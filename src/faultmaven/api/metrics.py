"""``GET /metrics``: what operators scrape (Prometheus text format, prometheus-client).

Every app has a registry of its own (``app.state.metrics``, built by ``create_app``): two apps
in one process share nothing, and nothing is put on prometheus-client's global registry.

Metrics:

- ``faultmaven_http_requests_total{method,route,status}`` and
  ``faultmaven_http_request_duration_seconds{method,route,status}`` (histogram): every answer,
  by route *template* (``/api/v1/runbooks/{runbook_id}``, never the raw path; a path that
  matches no route is ``route="unmatched"``), timed from the request's arrival to the end of
  its answer (time waiting for admission included: what the client sees);
- ``faultmaven_search_duration_seconds{route}`` (histogram): the requests that search
  (runbook search, a case's suggestions);
- ``faultmaven_events_total{kind}``: usage events written by this process, counted by the
  app's event sink as each batch is stored (``AppMetrics.count_events``);
- read from the database at scrape time (the same on every replica): ``faultmaven_jobs{kind,
  status}`` (jobs queued, running and failed now), ``faultmaven_index_outbox_pending``
  (documents waiting for their vector) and ``faultmaven_index_lag_seconds`` (how long ago the
  oldest of them was written; 0 when none waits), and ``faultmaven_metrics_database_up``
  (0 when the database could not be read; those metrics are then left out).

Access: a bearer token equal to ``FAULTMAVEN_METRICS_TOKEN`` (a scraper's) always may. Else,
team mode: the admin role with an admin-scope token, like any admin route (POLICY); local mode:
clients on loopback only (a laptop's server; set the token to scrape it from elsewhere).
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faultmaven.api.auth import authorize, route_template
from faultmaven.errors import Forbidden
from faultmaven.jobs import service as jobs_service
from faultmaven.kit.clock import utcnow
from faultmaven.kit.db import unit_of_work
from faultmaven.runbooks import service as runbooks_service
from faultmaven.search import service as search_service

log = logging.getLogger("faultmaven.metrics")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SEARCH_ROUTES = frozenset({"/api/v1/runbooks/search", "/api/v1/cases/{case_id}/suggestions"})
JOB_STATES = ("queued", "running", "failed")
UNMATCHED = "unmatched"


class _DatabaseCollector(Collector):
    """Jobs and index lag, read in a read-only transaction when scraped."""

    def __init__(self, factory: sessionmaker[Session], job_kinds: Iterable[str]) -> None:
        self.factory = factory
        self.job_kinds = tuple(job_kinds)

    def describe(self) -> list[Metric]:
        return []  # registering must not read the database

    def collect(self) -> Iterator[Metric]:
        try:
            with unit_of_work(self.factory, write=False) as session:
                jobs = jobs_service.counts_by_kind(session)
                pending = search_service.pending_count(session)
                oldest = runbooks_service.oldest_unindexed_edit(session)
        except Exception:  # noqa: BLE001 - a scrape reports the outage, it does not fail
            log.warning("metrics: could not read the database", exc_info=True)
            yield GaugeMetricFamily(
                "faultmaven_metrics_database_up", "1 when the database was read.", value=0
            )
            return
        yield GaugeMetricFamily(
            "faultmaven_metrics_database_up", "1 when the database was read.", value=1
        )
        family = GaugeMetricFamily(
            "faultmaven_jobs",
            "Jobs now queued, running or failed, by kind.",
            labels=["kind", "status"],
        )
        for kind in sorted({*self.job_kinds, *(k for k, _ in jobs)}):
            for state in JOB_STATES:
                family.add_metric([kind, state], jobs.get((kind, state), 0))
        yield family
        yield GaugeMetricFamily(
            "faultmaven_index_outbox_pending",
            "Runbooks written but not yet in the vector index (the search outbox).",
            value=pending,
        )
        lag = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "faultmaven_index_lag_seconds",
            "Age of the oldest runbook write still waiting for its vector (0: none waits).",
            value=max(lag, 0.0),
        )


class AppMetrics:
    """The metrics of one app, on a registry of its own."""

    def __init__(self, factory: sessionmaker[Session], *, job_kinds: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        labels = ("method", "route", "status")
        self.requests = Counter(
            "faultmaven_http_requests",
            "HTTP requests answered, by route template and status.",
            labels,
            registry=self.registry,
        )
        self.latency = Histogram(
            "faultmaven_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer.",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.search_latency = Histogram(
            "faultmaven_search_duration_seconds",
            "Time of the requests that search (runbook search, suggestions).",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.events = Counter(
            "faultmaven_events", "Events recorded, by kind.", ("kind",), registry=self.registry
        )
        self.registry.register(_DatabaseCollector(factory, job_kinds))
        # (method, route, status) -> its request counter, latency and search latency series
        self._children: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}

    def count_events(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Count usage events just written (the event sink's ``on_written``)."""
        for row in rows:
            self.events.labels(kind=str(row["kind"])).inc()

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:  # label lookups are the slow part: once per series
            code = str(status)
            search = self.search_latency.labels(route) if route in SEARCH_ROUTES else None
            made = (
                self.requests.labels(method, route, code),
                self.latency.labels(method, route, code),
                search,
            )
            children = self._children.setdefault(key, made)
        count, latency, search_latency = children
        count.inc()
        latency.observe(seconds)
        if search_latency is not None:
            search_latency.observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP answer (pure ASGI: no request object unless it is needed
    for the route template once the answer is done)."""

    def __init__(self, app: ASGIApp, metrics: AppMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # no answer started: the server's error handling answers 500

        async def counting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            self.metrics.observe(
                method=scope["method"],
                route=_template(scope),
                status=status,
                seconds=time.perf_counter() - started,
            )


def _template(scope: Scope) -> str:
    if scope.get("route") is None:
        return UNMATCHED
    return route_template(Request(scope))


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _scrape_token_matches(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(
        given.strip().encode(), token.encode()
    )


def check_access(request: Request) -> None:
    settings = request.app.state.settings
    token = settings.metrics_token
    if token is not None and _scrape_token_matches(request, token.get_secret_value()):
        return
    if settings.auth == "local":
        if _is_loopback(request.client.host if request.client else None):
            return
        raise Forbidden(
            "In local mode /metrics answers clients on this machine only; set "
            "FAULTMAVEN_METRICS_TOKEN and send it as 'Authorization: Bearer <token>'.",
            code="FORBIDDEN",
        )
    with unit_of_work(request.app.state.session_factory, write=False) as session:
        authorize(session, request)  # POLICY: admins


def metrics(request: Request) -> Any:
    """Prometheus text format (see the module docstring for the metrics and who may read)."""
    check_access(request)
    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def install_metrics(app: FastAPI, *, job_kinds: Iterable[str]) -> AppMetrics:
    """The app's metrics (``app.state.metrics``) and ``GET /metrics`` (outside the OpenAPI
    schema: it is not JSON). The caller adds ``MetricsMiddleware`` where it belongs in the
    middleware order."""
    factory = app.state.session_factory
    app.state.metrics = AppMetrics(factory, job_kinds=job_kinds)
    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
    return app.state.metrics
