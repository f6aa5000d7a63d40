"""Benchmark: throughput of ``GET /api/v1/runbooks/{id}`` against a bare FastAPI endpoint.

Servers (each ``python -m uvicorn --factory`` in its own process, 127.0.0.1, a free port, one
worker, asyncio loop, h11, access log off -- the same settings for all):

* ``bare`` -- the baseline: a FastAPI app whose one plain ``def`` endpoint returns the demo Redis
  runbook's JSON as a dict (the very bytes faultmaven serves). It is what any FastAPI endpoint
  returning a payload of this size costs on this machine today: HTTP parsing, routing,
  threadpool hop, JSON serialisation.
* ``faultmaven`` -- the real app (``create_app``) on SQLite in a temporary directory, seeded by
  playing the demo cases (open, resolve, accept the runbook offer). Measured as JSON and with
  ``?format=markdown``.
* with ``--postgres [URL]``: the real app on PostgreSQL as well, in a schema ``fm_bench`` that
  this script creates and drops.

The client runs in this process: ``--concurrency`` threads, each with one keep-alive
``http.client`` connection (lighter than httpx, so the client is less of a bottleneck on a
2-core machine), sending ``--requests`` requests per batch (a batch also stops after
``--max-seconds``). Each round runs one batch per target, in an order rotated every round; the
ratio printed is the median over rounds of target req/s / bare req/s in the same round.
No timing is asserted.

Run: ``.venv/bin/python bench/bench_api_get_runbook.py`` (``--quick`` for a ~15 s run).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from faultmaven.config import Settings
from faultmaven.demo import load_demo_cases
from faultmaven.demo.seed import play_demo_case
from faultmaven.kit.db import make_engine, unit_of_work
from faultmaven.migrations import upgrade
from faultmaven.search import service as search_service

BENCH_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"  # loopback only
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "fm_bench"
DEMO_SLUG = "redis_oom"
START_TIMEOUT_S = 30.0


# ---- database --------------------------------------------------------------------------------


def seed(url: str, data_dir: Path) -> str:
    """Migrate ``url``, play every demo case and return the id of the Redis demo's runbook.
    Sessions carry the search runtime (the demo cases search for similar runbooks), with the
    settings the served app reads (same database, same data directory for the vectors)."""
    engine = make_engine(url)
    settings = Settings(database_url=url, data_dir=data_dir, auto_migrate=False)
    try:
        upgrade(engine)
        runbook_ids = {}
        with unit_of_work(search_service.session_factory_for(engine, settings)) as session:
            for demo in load_demo_cases():
                runbook_ids[demo.slug] = play_demo_case(session, demo).id
    finally:
        engine.dispose()
    return runbook_ids[DEMO_SLUG]


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@contextlib.contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """Create schema ``fm_bench`` (dropping a leftover one), yield its URL, drop it afterwards."""
    admin = make_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        yield _with_search_path(url, PG_SCHEMA)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        admin.dispose()


# ---- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Server:
    name: str
    factory: str  # "_apps:<function>"
    health_path: str
    env: dict[str, str]
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.port = free_port()
        command = [
            sys.executable, "-m", "uvicorn", "--factory", self.factory,
            "--app-dir", str(BENCH_DIR), "--host", HOST, "--port", str(self.port),
            "--workers", "1", "--loop", "asyncio", "--http", "h11",
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, env={**os.environ, **self.env})
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited with {self.process.returncode}")
            with contextlib.suppress(OSError):
                if _get(self.port, self.health_path, timeout=1.0)[0] == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} server did not answer within {START_TIMEOUT_S:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# ---- load ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    server: Server
    path: str


@dataclass(frozen=True)
class Batch:
    requests: int
    seconds: float
    latencies_ns: list[int]
    server_cpu_s: float | None  # user+system CPU of the server process during the batch
    client_cpu_s: float  # CPU of this (client) process during the batch

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` from /proc (Linux); ``None`` elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker(
    port: int, path: str, count: int, deadline: float, latencies: list[int], errors: list[str]
) -> None:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        for _ in range(count):
            if time.perf_counter() > deadline:
                return
            start = time.perf_counter_ns()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter_ns() - start)
            if response.status != 200:
                errors.append(f"GET {path} answered {response.status}")
                return
    except OSError as error:
        errors.append(f"GET {path}: {error}")
    finally:
        connection.close()


def run_batch(target: Target, requests: int, concurrency: int, max_seconds: float) -> Batch:
    """``requests`` GETs over ``concurrency`` keep-alive connections (or until ``max_seconds``)."""
    share, extra = divmod(requests, concurrency)
    per_thread = [share + (i < extra) for i in range(concurrency)]
    latencies: list[list[int]] = [[] for _ in range(concurrency)]
    errors: list[str] = []
    assert target.server.process is not None
    pid = target.server.process.pid
    server_cpu = process_cpu_seconds(pid)
    client_cpu = time.process_time()
    start = time.perf_counter()
    deadline = start + max_seconds
    threads = [
        threading.Thread(
            target=_worker,
            args=(target.server.port, target.path, n, deadline, latencies[i], errors),
        )
        for i, n in enumerate(per_thread)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    client_cpu = time.process_time() - client_cpu
    server_after = process_cpu_seconds(pid)
    if errors:
        raise RuntimeError(f"{target.name}: {errors[0]}")
    merged = [ns for chunk in latencies for ns in chunk]
    return Batch(
        requests=len(merged),
        seconds=seconds,
        latencies_ns=merged,
        server_cpu_s=None
        if server_cpu is None or server_after is None
        else server_after - server_cpu,
        client_cpu_s=client_cpu,
    )


def run_rounds(
    targets: list[Target], *, rounds: int, requests: int, concurrency: int, max_seconds: float
) -> dict[str, list[Batch]]:
    results: dict[str, list[Batch]] = {t.name: [] for t in targets}
    for number in range(rounds):
        shift = number % len(targets)
        for target in targets[shift:] + targets[:shift]:
            batch = run_batch(target, requests, concurrency, max_seconds)
            results[target.name].append(batch)
            server = (
                "" if batch.server_cpu_s is None else f", server CPU {batch.server_cpu_s:5.2f} s"
            )
            print(
                f"  round {number + 1}/{rounds} {target.name:<17} "
                f"{batch.requests:>5} req in {batch.seconds:5.2f} s = {batch.rate:5.0f} req/s"
                f"{server}, client CPU {batch.client_cpu_s:5.2f} s",
                flush=True,
            )
    return results


# ---- report ----------------------------------------------------------------------------------


def _percentile_ms(values: list[int], pct: float) -> float:
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1] / 1e6


def _server_cpu_us(batches: list[Batch]) -> str:
    per_request = [b.server_cpu_s / b.requests * 1e6 for b in batches if b.server_cpu_s]
    return f"{statistics.median(per_request):.0f}" if per_request else "n/a"


def report(results: dict[str, list[Batch]], baseline: str) -> None:
    """Medians over rounds; the ratio pairs each round's batch with the bare batch of that round.

    Server CPU per request (from /proc) is less sensitive to a noisy neighbour than req/s."""
    print(
        f"\n{'target':<17} {'req/s':>6} {'min..max':>11} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'srv CPU us/req':>14} {'ratio vs bare':>13}"
    )
    base = results[baseline]
    for name, batches in results.items():
        rates = [b.rate for b in batches]
        latencies = [ns for b in batches for ns in b.latencies_ns]
        ratio = statistics.median(b.rate / r.rate for b, r in zip(batches, base, strict=True))
        print(
            f"{name:<17} {statistics.median(rates):>6.0f} "
            f"{f'{min(rates):.0f}..{max(rates):.0f}':>11} "
            f"{_percentile_ms(latencies, 50):>7.2f} {_percentile_ms(latencies, 95):>7.2f} "
            f"{_server_cpu_us(batches):>14} {ratio:>13.3f}"
        )


# ---- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per batch")
    parser.add_argument("--rounds", type=int, default=3, help="batches per target")
    parser.add_argument("--concurrency", type=int, default=4, help="client connections")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests per target")
    parser.add_argument(
        "--max-seconds", type=float, default=8.0, help="a batch stops after this long"
    )
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_POSTGRES,
        default=None,
        metavar="URL",
        help=f"also measure on PostgreSQL (default URL {DEFAULT_POSTGRES}); "
        f"uses schema {PG_SCHEMA}, created and dropped",
    )
    parser.add_argument("--quick", action="store_true", help="~15 s: 400 requests, 2 rounds")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.rounds, args.warmup, args.max_seconds = 400, 2, 50, 2.0
    return args


def _faultmaven_server(name: str, url: str, data_dir: Path) -> Server:
    env = {
        "FAULTMAVEN_DATABASE_URL": url,
        "FAULTMAVEN_DATA_DIR": str(data_dir),
        "FAULTMAVEN_AUTO_MIGRATE": "false",  # seeded and migrated above
    }
    return Server(name, "_apps:faultmaven_app", "/api/v1/health", env)


def build_targets(
    databases: dict[str, str], workdir: Path, stack: contextlib.ExitStack
) -> list[Target]:
    """Start one faultmaven server per database and the bare server; return what to load."""
    targets: list[Target] = []
    payload: bytes | None = None
    for label, url in databases.items():
        runbook_id = seed(url, workdir)
        server = _faultmaven_server(f"faultmaven-{label}", url, workdir)
        server.start()
        stack.callback(server.stop)
        path = f"/api/v1/runbooks/{runbook_id}"
        status, body = _get(server.port, path)
        if status != 200:
            raise RuntimeError(f"{server.name}: GET {path} answered {status}")
        payload = payload or body
        targets.append(Target(f"{label} json", server, path))
        targets.append(Target(f"{label} markdown", server, path + "?format=markdown"))
    assert payload is not None
    payload_file = workdir / "payload.json"
    payload_file.write_bytes(payload)
    bare = Server("bare", "_apps:bare_app", "/health", {"BENCH_PAYLOAD_FILE": str(payload_file)})
    bare.start()
    stack.callback(bare.stop)
    status, body = _get(bare.port, "/runbooks/x")
    if status != 200 or json.loads(body) != json.loads(payload):
        raise RuntimeError("the bare server does not serve the faultmaven payload")
    print(f"payload: {len(payload)} bytes JSON (demo runbook '{DEMO_SLUG}')")
    return [Target("bare", bare, "/runbooks/rb_bench"), *targets]


def measure(targets: list[Target], args: argparse.Namespace) -> dict[str, list[Batch]]:
    """Warm every target up, then time them in interleaved rounds (``args``: the options of
    ``main``: warmup, rounds, requests, concurrency, max_seconds)."""
    for target in targets:
        run_batch(target, args.warmup, args.concurrency, args.max_seconds)
    return run_rounds(
        targets,
        rounds=args.rounds,
        requests=args.requests,
        concurrency=args.concurrency,
        max_seconds=args.max_seconds,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"python {platform.python_version()}, nproc {os.cpu_count()}, "
        f"{args.rounds} rounds x {args.requests} requests, concurrency {args.concurrency}"
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fm-bench-") as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        databases = {"sqlite": f"sqlite:///{workdir / 'faultmaven.db'}"}
        if args.postgres:
            databases["postgres"] = stack.enter_context(postgres_schema(args.postgres))
        results = measure(build_targets(databases, workdir, stack), args)
    report(results, baseline="bare")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
