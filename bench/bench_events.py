"""Benchmark: the cost of counting a runbook view. ``GET /api/v1/runbooks/{id}?from=search``
through the real app (in process, Starlette's TestClient) with the view recorded (the event
goes to the app's sink after the read commits; the sink's thread writes batches meanwhile)
against the same request with recording switched off, same app, same data, same run.

The two are interleaved request by request (recording switched off by replacing
``runbooks.usage.record_view`` with a no-op for the "without" requests; which goes first
alternates), so that the machine's slow spells hit both alike; the ratio is with / without of
the median and of the mean latency. At the end it checks that every recorded view
reached the database (sink flushed) and prints the sink's counters. No timing is asserted.

Run (from the repository root)::

    PYTHONPATH=src .venv/bin/python bench/bench_events.py                 # SQLite, ~1 min
    PYTHONPATH=src .venv/bin/python bench/bench_events.py --postgres      # + PostgreSQL
    PYTHONPATH=src .venv/bin/python bench/bench_events.py --requests 300 --rounds 6
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from faultmaven.app import create_app
from faultmaven.config import Settings
from faultmaven.events.models import EventRow
from faultmaven.kit.db import make_engine, unit_of_work
from faultmaven.runbooks import usage

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "fm_bench_events"
RUNBOOK = {
    "title": "Redis Cluster OOM Kills",
    "summary": "Redis pods repeatedly restart with OOM kills in production.",
    "symptoms": ["Pods restarting every 5-10 minutes", "K8s events: OOMKilled"],
    "root_cause": {"cause": "Session objects grew from 100KB to 5MB."},
    "solution": {"fixes": [{"title": "Raise the memory limit", "commands": ["kubectl patch"]}]},
    "services": ["redis"],
    "status": "published",
}


def _timed(client: TestClient, url: str) -> float:
    started = time.perf_counter_ns()
    response = client.get(url, params={"from": "search"})
    elapsed = (time.perf_counter_ns() - started) / 1e6
    assert response.status_code == 200
    return elapsed


def _off(*_args: object, **_kwargs: object) -> None:
    """``record_view`` switched off."""


def run(url: str, label: str, requests: int, rounds: int, data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, database_url=url, allowed_hosts="testserver")
    app = create_app(settings)
    real = usage.record_view
    timings: dict[str, list[float]] = {"with": [], "without": []}
    recorded = 0
    with TestClient(app) as client:
        runbook = client.post("/api/v1/runbooks", json=RUNBOOK).json()
        path = f"/api/v1/runbooks/{runbook['id']}"
        for _ in range(50):  # warm up (recorded too)
            _timed(client, path)
        recorded += 50
        for step in range(rounds * requests):
            order = ("with", "without") if step % 2 == 0 else ("without", "with")
            for subject in order:
                usage.record_view = real if subject == "with" else _off  # type: ignore[assignment]
                timings[subject].append(_timed(client, path))
            usage.record_view = real  # type: ignore[assignment]
        recorded += rounds * requests
        sink = app.state.event_sink
    # the lifespan's end closed the sink: everything buffered is written
    with unit_of_work(app.state.session_factory, write=False) as session:
        stored = session.scalar(select(func.count()).select_from(EventRow)) or 0
    app.state.engine.dispose()
    with_, without = timings["with"], timings["without"]
    median_ratio = statistics.median(with_) / statistics.median(without)
    mean_ratio = statistics.fmean(with_) / statistics.fmean(without)
    print(
        f"{label}: GET runbook p50 {statistics.median(with_):.2f} ms with the view recorded, "
        f"{statistics.median(without):.2f} ms without; ratio median {median_ratio:.3f}, "
        f"mean {mean_ratio:.3f} ({len(with_)} requests each)"
    )
    print(
        f"{label}: views recorded {recorded}, in the database {stored}; sink written "
        f"{sink.stats.written}, failed {sink.stats.failed}, dropped {sink.stats.dropped}"
    )


@contextmanager
def postgres_schema(server: str, schema: str) -> Iterator[str]:
    """A fresh schema on ``server`` (a leftover one dropped first), as the URL that puts it
    first on the search path; dropped at the end."""
    admin = make_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in server else "?"
    try:
        yield f"{server}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per round and side")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_PG, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        run(f"sqlite:///{data / 'bench.db'}", "SQLite", args.requests, args.rounds, data)
        if args.postgres:
            with postgres_schema(args.postgres, SCHEMA) as url:
                run(url, "PostgreSQL", args.requests, args.rounds, data)


if __name__ == "__main__":
    main()
