"""Many clients at once against a real server (uvicorn, real threads, both databases):
stale edits are refused, appends all land, retries do not duplicate, a burst never 5xx."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from live_server import serving

from faultmaven.config import Settings

CLIENTS = 50


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    with serving(settings) as url:
        yield url


def _at_once(count: int, request: Callable[[httpx.Client, int], httpx.Response]) -> list[Any]:
    """``count`` requests sent together, each on a connection of its own."""

    def one(index: int) -> httpx.Response:
        with httpx.Client(timeout=60) as client:
            return request(client, index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def _statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


def test_concurrent_edits_of_one_version_one_wins_the_rest_409(base_url: str) -> None:
    api = f"{base_url}/api/v1"
    runbook = httpx.post(f"{api}/runbooks", json={"title": "Kafka consumer lag"}).json()
    url = f"{api}/runbooks/{runbook['id']}"

    responses = _at_once(
        CLIENTS,
        lambda client, i: client.put(url, json={**runbook, "title": f"Kafka lag, edit {i}"}),
    )

    assert _statuses(responses) == {200: 1, 409: CLIENTS - 1}
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {
        "STALE_VERSION"
    }
    (winner,) = [r.json() for r in responses if r.status_code == 200]
    assert httpx.get(url).json()["title"] == winner["title"]
    assert [v["version"] for v in httpx.get(f"{url}/versions").json()] == [2, 1]


def test_concurrent_appends_to_one_phase_all_land(base_url: str) -> None:
    api = f"{base_url}/api/v1"
    case = httpx.post(f"{api}/cases", json={"title": "Disk full on db-1"}).json()["case"]

    responses = _at_once(
        CLIENTS,
        lambda client, i: client.post(
            f"{api}/cases/{case['id']}/evidence", json={"items": [f"df -h: reading {i}"]}
        ),
    )

    assert _statuses(responses) == {200: CLIENTS}
    evidence = httpx.get(f"{api}/cases/{case['id']}").json()["evidence"]
    assert sorted(evidence) == sorted(f"df -h: reading {i}" for i in range(CLIENTS))


def test_a_create_retried_with_its_idempotency_key_is_saved_once(base_url: str) -> None:
    api = f"{base_url}/api/v1"
    body = {"title": "TLS certificate expired", "symptoms": ["x509: certificate has expired"]}
    key = {"Idempotency-Key": "3b8e1c2a-retry-me"}

    responses = _at_once(10, lambda client, _i: client.post(f"{api}/cases", json=body, headers=key))

    assert _statuses(responses) == {201: 10}
    assert len({r.json()["case"]["id"] for r in responses}) == 1
    assert httpx.get(f"{api}/cases").json()["total_count"] == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 9

    other = httpx.post(f"{api}/cases", json={**body, "title": "Other"}, headers=key)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert httpx.get(f"{api}/cases").json()["total_count"] == 1


def test_two_hundred_simultaneous_requests_get_no_server_error(base_url: str) -> None:
    api = f"{base_url}/api/v1"
    httpx.post(f"{api}/runbooks", json={"title": "Redis OOMKilled", "symptoms": ["OOMKilled"]})
    paths = ["/health", "/runbooks", "/runbooks/search?q=redis+oomkilled", "/cases"]

    responses = _at_once(200, lambda client, i: client.get(f"{api}{paths[i % len(paths)]}"))

    statuses = _statuses(responses)
    assert all(status in (200, 503) for status in statuses), statuses
    assert all(r.headers.get("Retry-After") for r in responses if r.status_code == 503)
    assert statuses[200] > 0
