"""A real server for tests that need real concurrency: uvicorn in a thread (``serving``) or
the ``faultmaven serve`` command in a process of its own (``serve_process``, which a test may
kill)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from faultmaven.app import create_app
from faultmaven.config import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base_url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {base_url} did not start")


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """``create_app(settings)`` served by uvicorn on a free port; yields the base URL."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        app.state.engine.dispose()


def serve_process(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    """``faultmaven serve`` in a process of its own, on ``settings``' database; its output is
    appended to ``log``."""
    env = {
        **os.environ,
        "FAULTMAVEN_DATA_DIR": str(settings.data_dir),
        "FAULTMAVEN_DATABASE_URL": settings.resolved_database_url,
    }
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "faultmaven", "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
