"""GET /metrics: counters and histograms move with the requests, by route template; jobs and
index lag are read from the database; each app has its own registry; who may scrape. On SQLite
and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from team_mode import People, team_client

from faultmaven.accounts.schemas import Role, Scope
from faultmaven.app import create_app
from faultmaven.config import Settings
from faultmaven.jobs import service as jobs_service
from faultmaven.kit.db import unit_of_work
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.schemas import RunbookCreate
from faultmaven.search import service as search_service

LOOPBACK = ("127.0.0.1", 50000)
RUNBOOK = {"title": "Redis OOM: raise the memory limit", "status": "published"}


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text (None: absent)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if found == labels:
            return float(match.group(3))
    return None


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings.model_copy(update={"worker_threads": 0}))
    yield app
    app.state.engine.dispose()


def test_counters_and_histograms_move_by_route_template(app: FastAPI) -> None:
    with TestClient(app, client=LOOPBACK) as client:
        made = client.post("/api/v1/runbooks", json=RUNBOOK)
        runbook_id = made.json()["id"]
        for _ in range(3):
            assert client.get(f"/api/v1/runbooks/{runbook_id}").status_code == 200
        assert client.get("/api/v1/runbooks/rb_000000000000").status_code == 404
        assert client.get("/no/such/path/1234").status_code == 404
        assert client.get("/api/v1/runbooks/search", params={"q": "redis"}).status_code == 200
        before = client.get("/metrics")
        assert before.status_code == 200
        assert before.headers["content-type"].startswith("text/plain")
        client.get(f"/api/v1/runbooks/{runbook_id}")
        text = client.get("/metrics").text

    one = "/api/v1/runbooks/{runbook_id}"
    assert sample(text, "faultmaven_http_requests_total", method="GET", route=one, status="200")
    assert (
        sample(text, "faultmaven_http_requests_total", method="GET", route=one, status="200") == 4
    )
    assert (
        sample(before.text, "faultmaven_http_requests_total", method="GET", route=one, status="200")
        == 3
    )
    assert (
        sample(text, "faultmaven_http_requests_total", method="GET", route=one, status="404") == 1
    )
    assert sample(
        text, "faultmaven_http_requests_total", method="POST", route="/api/v1/runbooks",
        status="201",
    ) == 1  # fmt: skip
    assert (
        sample(
            text, "faultmaven_http_requests_total", method="GET", route="unmatched", status="404"
        )
        == 1
    )  # the raw path never becomes a label
    assert "/no/such/path" not in text and runbook_id not in text
    assert sample(
        text, "faultmaven_http_request_duration_seconds_count", method="GET", route=one,
        status="200",
    ) == 4  # fmt: skip
    assert sample(
        text, "faultmaven_http_request_duration_seconds_bucket", method="GET", route=one,
        status="200", le="+Inf",
    ) == 4  # fmt: skip
    search = "/api/v1/runbooks/search"
    assert sample(text, "faultmaven_search_duration_seconds_count", route=search) == 1
    assert (
        sample(text, "faultmaven_http_requests_total", method="GET", route="/metrics", status="200")
        == 1
    )  # the first scrape, counted once it was answered


def test_jobs_and_index_lag_come_from_the_database(app: FastAPI) -> None:
    factory = app.state.session_factory
    with TestClient(app, client=LOOPBACK) as client:
        idle = client.get("/metrics").text
        assert sample(idle, "faultmaven_metrics_database_up") == 1
        assert sample(idle, "faultmaven_index_outbox_pending") == 0
        assert sample(idle, "faultmaven_index_lag_seconds") == 0
        assert sample(idle, "faultmaven_jobs", kind="write_runbook", status="queued") == 0
        with unit_of_work(factory) as session:
            for n in range(2):
                jobs_service.enqueue(session, kind="write_runbook", payload={"n": n}, actor="t")
            runbooks_service.create_runbook(
                session, data=RunbookCreate.model_validate(RUNBOOK), actor="t"
            )
            search_service.defer_drain(session)  # as if the process died before embedding
        busy = client.get("/metrics").text
    assert sample(busy, "faultmaven_jobs", kind="write_runbook", status="queued") == 2
    assert sample(busy, "faultmaven_jobs", kind="write_runbook", status="running") == 0
    assert sample(busy, "faultmaven_index_outbox_pending") == 1
    lag = sample(busy, "faultmaven_index_lag_seconds")
    assert lag is not None and 0 <= lag < 3600


def test_events_written_by_the_sink_are_counted_on_the_apps_own_registry(
    settings: Settings,
) -> None:
    first = create_app(settings)
    second = create_app(settings)
    try:
        with TestClient(first, client=LOOPBACK) as client:
            created = client.post("/api/v1/runbooks", json=RUNBOOK)
            assert created.status_code == 201
            runbook_id = created.json()["id"]
            for source in ("search", "direct"):
                viewed = client.get(f"/api/v1/runbooks/{runbook_id}", params={"from": source})
                assert viewed.status_code == 200
            first.state.event_sink.flush()  # what the sink's thread does within a second
            mine = client.get("/metrics").text
        with TestClient(second, client=LOOPBACK) as client:
            theirs = client.get("/metrics").text
    finally:
        first.state.engine.dispose()
        second.state.engine.dispose()
    assert sample(mine, "faultmaven_events_total", kind="runbook_viewed") == 2
    assert sample(theirs, "faultmaven_events_total", kind="runbook_viewed") is None
    health = {"method": "GET", "route": "/api/v1/runbooks/{runbook_id}", "status": "200"}
    assert sample(mine, "faultmaven_http_requests_total", **health) == 2
    assert sample(theirs, "faultmaven_http_requests_total", **health) is None


def test_local_mode_answers_loopback_or_the_scrape_token(settings: Settings) -> None:
    token = "scrape-secret-123"
    app = create_app(settings.model_copy(update={"metrics_token": SecretStr(token)}))
    try:
        with TestClient(app) as client:  # the client is "testclient", not loopback
            refused = client.get("/metrics")
            assert refused.status_code == 403
            assert "FAULTMAVEN_METRICS_TOKEN" in refused.json()["error"]["message"]
            wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 403
            right = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
            assert right.status_code == 200
    finally:
        app.state.engine.dispose()


def test_team_mode_answers_admins_and_the_scrape_token(settings: Settings) -> None:
    people = People(settings)
    people.team("ops")
    people.user("boss", ("ops", Role.admin))
    people.user("watcher", ("ops", Role.viewer))
    admin = {"Authorization": people.token("boss")[1]}
    read_only_admin = {"Authorization": people.token("boss", Scope.read)[1]}
    viewer = {"Authorization": people.token("watcher")[1]}
    scraper = {"Authorization": "Bearer scrape-secret-456"}
    team = settings.model_copy(update={"metrics_token": SecretStr("scrape-secret-456")})
    try:
        with team_client(team) as client:
            assert client.get("/metrics").status_code == 401
            assert client.get("/metrics", headers=viewer).status_code == 403
            assert client.get("/metrics", headers=read_only_admin).status_code == 403
            assert client.get("/metrics", headers=admin).status_code == 200
            assert client.get("/metrics", headers=scraper).status_code == 200
            assert client.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 401
    finally:
        people.close()
