"""``kill -9`` in the middle of writes: every acknowledged write survives and is found, what a
crash left for the index is repaired at the next start, and a client that retries with its
``Idempotency-Key`` creates nothing twice."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from live_server import free_port, serve_process, wait_until_up

from faultmaven.config import Settings
from faultmaven.kit.db import make_engine, make_session_factory, unit_of_work
from faultmaven.search.service import pending_count

WRITERS = 4
ACKNOWLEDGED_BEFORE_THE_KILL = 40


def _runbook(writer: int, n: int) -> dict:
    # one word no other runbook has, to find exactly this one again
    return {
        "title": f"Disk full on node {writer} probe{writer}x{n}",
        "symptoms": [f"No space left on device (probe{writer}x{n})"],
        "status": "published",
    }


def _pending(settings: Settings) -> int:
    engine = make_engine(settings.resolved_database_url)
    try:
        with unit_of_work(make_session_factory(engine), write=False) as session:
            return pending_count(session)
    finally:
        engine.dispose()


def test_kill_9_during_writes_loses_nothing_acknowledged(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    log = tmp_path / "server.log"
    server = serve_process(settings, port, log)
    wait_until_up(f"http://127.0.0.1:{port}")

    acknowledged: dict[str, str] = {}  # idempotency key -> runbook id
    sent: dict[str, dict] = {}  # every key sent, acknowledged or not
    lock, stop = threading.Lock(), threading.Event()

    def write(writer: int) -> None:
        with httpx.Client(timeout=30) as client:
            for n in range(10_000):
                if stop.is_set():
                    return
                key, body = f"w{writer}-{n}", _runbook(writer, n)
                with lock:
                    sent[key] = body
                try:
                    answer = client.post(
                        f"{api}/runbooks", json=body, headers={"Idempotency-Key": key}
                    )
                except httpx.TransportError:
                    return  # the server died under this request
                assert answer.status_code == 201, answer.text
                with lock:
                    acknowledged[key] = answer.json()["id"]

    writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in writers:
        thread.start()
    while len(acknowledged) < ACKNOWLEDGED_BEFORE_THE_KILL and server.poll() is None:
        time.sleep(0.01)
    server.kill()  # SIGKILL: no shutdown, no cleanup
    server.wait()
    stop.set()
    for thread in writers:
        thread.join()
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_THE_KILL

    server = serve_process(settings, port, log)
    try:
        wait_until_up(f"http://127.0.0.1:{port}")
        with httpx.Client(timeout=30) as client:
            for key, runbook_id in acknowledged.items():
                assert client.get(f"{api}/runbooks/{runbook_id}").status_code == 200
                word = sent[key]["title"].split()[-1]
                hits = client.get(
                    f"{api}/runbooks/search", params={"q": word, "mode": "keyword"}
                ).json()["items"]
                assert [hit["runbook"]["id"] for hit in hits] == [runbook_id], word
            # the client retries everything it sent, with the same keys
            for key, body in sent.items():
                retry = client.post(f"{api}/runbooks", json=body, headers={"Idempotency-Key": key})
                assert retry.status_code == 201, retry.text
                if key in acknowledged:
                    assert retry.json()["id"] == acknowledged[key]
                    assert retry.headers["Idempotent-Replayed"] == "true"
            total = client.get(f"{api}/runbooks", params={"limit": 1}).json()["total_count"]
            assert total == len(sent)  # nothing twice
            # the index caught up at start: nothing waits for its vectors
            deadline = time.monotonic() + 60
            while _pending(settings) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _pending(settings) == 0
            # every runbook here says "disk full" (common words match nothing on their own):
            # the case describes one of them
            some = sent[next(iter(acknowledged))]
            opened = client.post(
                f"{api}/cases", json={"title": some["title"], "symptoms": some["symptoms"]}
            )
            assert opened.status_code == 201
            assert opened.json()["case"]["suggested_runbooks"], opened.text
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = log.read_text(errors="replace")
    assert "Traceback" not in output, output
