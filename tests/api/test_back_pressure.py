"""Saturation and failure on a real server: a full server answers 503 with Retry-After at once
(and /health still answers), an unexpected error answers 500 without dropping the connection,
an Idempotency-Key is forgotten after its lifetime, an actor header holding a token is refused."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from live_server import serving

from faultmaven.app import create_app
from faultmaven.config import Settings
from faultmaven.runbooks import service as runbooks_service


def test_a_saturated_server_answers_503_with_retry_after_and_health_still_answers(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy = settings.model_copy(update={"max_concurrent_requests": 2, "queue_timeout_seconds": 0.2})
    release = threading.Event()
    list_runbooks = runbooks_service.list_runbooks

    def slow_list(*args, **kwargs):
        release.wait(timeout=30)
        return list_runbooks(*args, **kwargs)

    monkeypatch.setattr(runbooks_service, "list_runbooks", slow_list)
    with serving(busy) as base_url, ThreadPoolExecutor(max_workers=8) as pool:
        api = f"{base_url}/api/v1"
        held = [pool.submit(httpx.get, f"{api}/runbooks", timeout=60) for _ in range(2)]
        time.sleep(0.5)  # both slots taken
        refused = [httpx.get(f"{api}/runbooks", timeout=60) for _ in range(3)]
        health = httpx.get(f"{api}/health", timeout=60)
        release.set()
        assert [r.status_code for r in refused] == [503, 503, 503]
        assert all(r.headers["Retry-After"] == "1" for r in refused)
        assert {r.json()["error"]["code"] for r in refused} == {"SERVER_BUSY"}
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert [f.result().status_code for f in held] == [200, 200]  # the admitted ones finish


def _exchange(sock: socket.socket, request: bytes) -> bytes:
    """Send one HTTP/1.1 request on a kept-alive socket and read its whole answer."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head


def test_an_unexpected_error_is_a_500_and_the_connection_stays_usable(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(runbooks_service, "list_runbooks", broken)
    with serving(settings) as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            failed = _exchange(sock, b"GET /api/v1/runbooks HTTP/1.1\r\nHost: localhost\r\n\r\n")
            after = _exchange(sock, b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert failed.startswith(b"HTTP/1.1 500")
    assert b"connection: close" not in failed.lower()
    assert after.startswith(b"HTTP/1.1 200")  # same socket: it was not dropped


def test_an_idempotency_key_is_forgotten_after_its_lifetime(settings: Settings) -> None:
    short = settings.model_copy(update={"idempotency_ttl_hours": 1e-9})  # expires at once
    app = create_app(short)
    body, key = {"title": "Disk full"}, {"Idempotency-Key": "short-lived"}
    with TestClient(app) as client:
        first = client.post("/api/v1/runbooks", json=body, headers=key)
        second = client.post("/api/v1/runbooks", json=body, headers=key)
    app.state.engine.dispose()
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert "Idempotent-Replayed" not in second.headers


@pytest.mark.parametrize(
    "actor", ["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", "ops@example.com", "10.1.2.3"]
)
def test_an_actor_header_holding_a_secret_or_personal_data_is_refused(client, actor: str) -> None:
    answer = client.post(
        "/api/v1/runbooks", json={"title": "Disk full"}, headers={"X-FaultMaven-Actor": actor}
    )
    assert answer.status_code == 422
    assert "X-FaultMaven-Actor" in answer.json()["error"]["message"]
    assert actor not in answer.text
    assert client.get("/api/v1/runbooks").json()["total_count"] == 0
