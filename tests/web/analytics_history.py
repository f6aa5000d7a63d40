"""A scripted history for the analytics page tests, made through the API (so every event is
recorded as in use): runbooks, cases with chosen open and resolve times, views with their
sources, feedback, searches. ``build_history(client)`` answers the runbook ids."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

_TODAY = datetime.now(UTC).date()
MONDAY = _TODAY - timedelta(days=_TODAY.weekday() + 7)  # last week's Monday
BASE = datetime(MONDAY.year, MONDAY.month, MONDAY.day, 9, tzinfo=UTC)
WITH_R1 = [30, 40, 50, 60, 70]  # minutes to resolve, cases that used R1: median 50
WITHOUT = [100, 110, 120, 130, 140]  # comparable cases that did not: median 120
HOUR = timedelta(hours=1)
# (weeks before last week, minutes with R1, minutes without): last week is always the above
Week = tuple[int, Sequence[int], Sequence[int]]


def runbook_body(title: str, services: list[str], **extra: object) -> dict:
    return {
        "title": title,
        "severity": "critical",
        "symptoms": ["Pods restarting every 5-10 minutes", "K8s events: OOMKilled"],
        "root_cause": {"cause": "Session objects grew from 100KB to 5MB."},
        "services": services,
        "status": "published",
        **extra,
    }


def flush(client: TestClient) -> None:
    """Write what the app's event sink holds (it would within a second)."""
    client.app.state.event_sink.flush()  # type: ignore[attr-defined]


def _case(client: TestClient, opened: datetime) -> dict:
    record = {
        "title": "Redis pods OOMKilled in production",
        "severity": "critical",
        "services": ["redis"],
        "symptoms": ["Pods restarting every 5-10 minutes", "K8s events: OOMKilled"],
        "solutions": [{"title": "Raise the limit", "commands": ["kubectl"], "outcome": "applied"}],
        "opened_at": opened.isoformat(),
    }
    response = client.post("/api/v1/cases", json=record)
    assert response.status_code == 201, response.text
    return response.json()["case"]


def _resolve(client: TestClient, case: dict, minutes: int) -> None:
    flush(client)  # usage is inferred from the views written so far
    at = datetime.fromisoformat(case["opened_at"]) + timedelta(minutes=minutes)
    answer = client.post(
        f"/api/v1/cases/{case['id']}/resolve", json={"resolved_at": at.isoformat()}
    )
    assert answer.status_code == 200, answer.text


def _week(
    client: TestClient,
    runbook_id: str,
    start: datetime,
    with_: Sequence[int],
    without: Sequence[int],
) -> list[str]:
    used = []
    for i, minutes in enumerate(with_):
        case = _case(client, start + i * HOUR)
        source = "suggestion" if i < 2 else "search"
        viewed = client.get(
            f"/api/v1/runbooks/{runbook_id}", params={"from": source, "case_id": case["id"]}
        )
        assert viewed.status_code == 200
        _resolve(client, case, minutes)
        used.append(case["id"])
    for i, minutes in enumerate(without):
        _resolve(client, _case(client, start + (len(with_) + i) * HOUR), minutes)
    return used


def build_history(client: TestClient, earlier: Sequence[Week] = ()) -> dict[str, str]:
    """R1 (redis) used by five cases last week and four feedback answers (2 solved, partly,
    not helpful), five comparable cases without it; R2 (postgres) viewed once directly on its
    page; a search that found R1 and one that found nothing. ``earlier``: more weeks."""
    ids = {
        name: client.post("/api/v1/runbooks", json=runbook_body(title, [service])).json()["id"]
        for name, title, service in (
            ("r1", "Redis Cluster OOM Kills", "redis"),
            ("r2", "Postgres disk <full> & slow", "postgres"),
        )
    }
    for weeks_before, with_, without in earlier:
        _week(client, ids["r1"], BASE - timedelta(weeks=weeks_before), with_, without)
    used = _week(client, ids["r1"], BASE, WITH_R1, WITHOUT)
    for case_id, outcome in zip(used, ("solved", "solved", "partly", "not_helpful"), strict=False):
        given = client.post(
            f"/api/v1/runbooks/{ids['r1']}/feedback", json={"case_id": case_id, "outcome": outcome}
        )
        assert given.status_code == 201, given.text
    assert client.get("/api/v1/runbooks/search", params={"q": "redis oom"}).json()["items"]
    nothing = client.get("/api/v1/runbooks/search", params={"q": "zookeeper quorum lost"})
    assert nothing.json()["items"] == []
    assert client.get(f"/runbooks/{ids['r2']}").status_code == 200  # a direct view, on the page
    flush(client)
    return ids
