"""``faultmaven serve`` keeps search text out of its access log."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"the server did not start: {log.read_text()}")


def test_the_access_log_has_paths_without_query_strings(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "FAULTMAVEN_DATA_DIR": str(tmp_path / "data")}
    env.pop("FAULTMAVEN_DATABASE_URL", None)
    log = tmp_path / "server.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "faultmaven", "serve", "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, server, log)
            found = httpx.get(f"{base}/api/v1/runbooks/search", params={"q": "zanzibar ledger"})
            assert found.status_code == 200
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    written = log.read_text()
    assert '"GET /api/v1/runbooks/search HTTP/1.1" 200' in written
    assert "zanzibar" not in written and "ledger" not in written and "?q=" not in written
