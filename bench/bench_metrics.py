"""What the metrics middleware costs: ``GET /api/v1/runbooks/{id}`` on the real app with and
without ``MetricsMiddleware``, in the same run.

Both apps are ``create_app`` on one SQLite file in a temporary directory, seeded with the demo
cases (their runbooks); the second app has the middleware taken out of its stack before its
first request (nothing else differs). Requests go in process through the ASGI interface
(``httpx.ASGITransport``: no sockets, so the middleware's share is not hidden behind network
time). Each round sends ``--requests`` GETs to each app, in an order rotated every round; the
ratio printed is the median over rounds of (time with) / (time without) of the same round, and
the difference per request in microseconds. A scrape of ``/metrics`` after the run shows the
counters the middleware kept. No timing is asserted.

    PYTHONPATH=src .venv/bin/python bench/bench_metrics.py [--rounds 15 --requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from fastapi import FastAPI

from faultmaven.api.metrics import MetricsMiddleware
from faultmaven.app import create_app
from faultmaven.config import Settings
from faultmaven.demo import load_demo_cases
from faultmaven.demo.seed import play_demo_case
from faultmaven.kit.db import unit_of_work


def _apps(directory: Path) -> tuple[FastAPI, FastAPI, str]:
    settings = Settings(data_dir=directory, worker_threads=0)
    with_metrics = create_app(settings)
    with unit_of_work(with_metrics.state.session_factory) as session:
        runbook_id = [play_demo_case(session, demo).id for demo in load_demo_cases()][0]
    without = create_app(settings)
    without.user_middleware = [m for m in without.user_middleware if m.cls is not MetricsMiddleware]
    return with_metrics, without, runbook_id


async def _batch(client: httpx.AsyncClient, path: str, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        answer = await client.get(path)
        if answer.status_code != 200:
            raise SystemExit(f"{path}: {answer.status_code} {answer.text[:200]}")
    return time.perf_counter() - started


async def _run(args: argparse.Namespace, directory: Path) -> None:
    with_metrics, without, runbook_id = _apps(directory)
    path = f"/api/v1/runbooks/{runbook_id}"
    clients = {
        name: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 40000)),
            base_url="http://127.0.0.1",
        )
        for name, app in (("with", with_metrics), ("without", without))
    }
    for client in clients.values():  # warm up: caches, the middleware stack
        await _batch(client, path, 50)
    ratios, differences = [], []
    times: dict[str, list[float]] = {"with": [], "without": []}
    for round_ in range(args.rounds):
        order = list(clients) if round_ % 2 == 0 else list(reversed(clients))
        took = {name: await _batch(clients[name], path, args.requests) for name in order}
        for name, seconds in took.items():
            times[name].append(seconds / args.requests)
        ratios.append(took["with"] / took["without"])
        differences.append((took["with"] - took["without"]) / args.requests * 1e6)
    scrape = await clients["with"].get("/metrics")
    for client in clients.values():
        await client.aclose()
    for app in (with_metrics, without):
        app.state.engine.dispose()
    print(f"GET {path.replace(runbook_id, '{id}')}, {args.rounds} rounds x {args.requests}")
    for name, values in times.items():
        print(f"  {name:8} metrics middleware: median {statistics.median(values) * 1e3:.3f} ms")
    print(f"  ratio with / without (median of rounds): {statistics.median(ratios):.3f}")
    print(f"  difference per request (median): {statistics.median(differences):.1f} us")
    counted = [
        line
        for line in scrape.text.splitlines()
        if line.startswith("faultmaven_http_requests_total") and "runbook_id" in line
    ]
    print("  counted: " + "; ".join(counted))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(_run(args, Path(directory)))


if __name__ == "__main__":
    main()
