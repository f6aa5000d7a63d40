"""Benchmark: the real server under concurrent load, read-only vs mixed, and a burst (issue 8).

For each database (``--db sqlite|postgres|both``) it starts ``python -m faultmaven --data-dir TMP
serve --port P --demo`` in a subprocess (PostgreSQL through ``FAULTMAVEN_DATABASE_URL``, in a
scratch database ``fm_bench_load`` that this script creates and drops), seeds it over the API
(the four demo cases come from ``--demo``; ``--runbooks`` more runbooks are imported with
``POST /api/v1/runbooks/import``, deterministic variants of the demo runbooks; ``--cases`` open
cases are opened with ``POST /api/v1/cases``), warms it up, and then drives it from this process
with ``--clients`` threads, each with its own keep-alive ``httpx.Client``:

* **A, read-only** (``--seconds``): ``GET /api/v1/health``, ``GET /api/v1/runbooks``,
  ``GET /api/v1/runbooks/{id}``, ``GET /api/v1/runbooks/search?q=...``, ``GET /api/v1/cases/{id}``.
* **B, mixed** (``--seconds``): the same reads, plus ~8% writes: ``POST /api/v1/cases`` with
  symptoms (so it computes suggestions), edits (``GET`` a runbook and ``PUT`` it back with its
  version; a stale edit's ``409`` is expected and counted apart, not as an error) and
  ``POST /api/v1/cases/{id}/symptoms`` appends.
* **C, burst**: ``--burst`` requests (half ``GET /api/v1/health``, half searches) released at
  once from as many threads, each on a new connection, ``--bursts`` times.

The baseline of this benchmark is phase A measured in the same run, on the same server: the ratio
mixed/read-only throughput says how much the writes cost the readers (issue 8's target: >= 0.70
on SQLite, with p99 <= 1 s and no 5xx). What is sent is deterministic: every client draws its
requests from ``random.Random`` seeded with (``--seed``, phase, client number), and the seeded
data is the same in every run; how many requests fit in the time is what is measured.
The server's log (uvicorn, stdout+stderr) goes to a file; the script counts the lines that say
``database is locked`` and the distinct exception lines in it. No timing is asserted.

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_load.py`` (``--db sqlite``, ``--seconds 10``).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from faultmaven.runbooks.schemas import RunbookUpdate

HOST = "127.0.0.1"  # loopback only
API = "/api/v1"
DEFAULT_POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "fm_bench_load"
START_TIMEOUT_S = 120.0
HOT_RUNBOOKS = 20  # edits go to these, so that concurrent edits of one runbook happen
EDITABLE = set(RunbookUpdate.model_fields) - {"version", "change_note"}

console = Console(width=None if sys.stdout.isatty() else 150)

# ---- deterministic data ----------------------------------------------------------------------

SERVICES = [
    "redis", "postgres", "kafka", "nginx", "checkout-api", "payments", "auth-service",
    "search-api", "elasticsearch", "rabbitmq", "mysql", "memcached", "ingress", "cert-manager",
    "etcd", "coredns", "prometheus", "grafana", "vault", "s3-gateway",
]  # fmt: skip
FAILURES = [
    ("OOMKilled", "container exceeded its memory limit and was OOMKilled"),
    ("disk full", "No space left on device while writing to /var/lib/data"),
    ("TLS expired", "x509: certificate has expired or is not yet valid"),
    ("connection refused", "dial tcp 10.0.3.7:6379: connect: connection refused"),
    ("bad deploy", "HTTP 502 Bad Gateway after the 14:05 deploy"),
    ("latency spike", "p99 latency above 2s, upstream timeouts in the access log"),
    ("crash loop", "Back-off restarting failed container, CrashLoopBackOff"),
    ("DNS failure", "lookup db.internal on 10.96.0.10:53: no such host"),
    ("too many connections", "FATAL: sorry, too many clients already"),
    ("replication lag", "replica is 900 seconds behind the primary"),
]
QUERIES = [
    "redis OOMKilled", "pods restarting memory limit", "certificate expired",
    "x509 certificate has expired", "No space left on device", "disk full var log",
    "502 Bad Gateway after deploy", "rollback deployment", "connection refused 6379",
    "CrashLoopBackOff back-off restarting", "too many clients already", "replication lag replica",
    "DNS no such host", "latency spike upstream timeouts", "kafka consumer lag",
    "nginx 502", "postgres connections exhausted", "vault sealed", "etcd leader election",
    "session objects too large",
]  # fmt: skip
SEVERITIES = ["critical", "high", "medium", "low"]


def variant_runbooks(bases: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """``count`` runbooks for import: the demo runbooks retitled per service and failure mode."""
    items = []
    for number in range(count):
        base = bases[number % len(bases)]
        service = SERVICES[number % len(SERVICES)]
        mode, error = FAILURES[(number // len(SERVICES)) % len(FAILURES)]
        item = {key: copy.deepcopy(value) for key, value in base.items() if key in EDITABLE}
        item["title"] = f"{service}: {mode} ({base['title']}) #{number}"
        item["summary"] = f"{service} {mode}: {error}. {base.get('summary', '')}"[:2000]
        item["symptoms"] = [f"{service}: {error}", *base.get("symptoms", [])][:20]
        item["services"] = [service]
        item["tags"] = sorted({*base.get("tags", []), mode.replace(" ", "-")})
        item["severity"] = SEVERITIES[number % len(SEVERITIES)]
        item["status"] = ("published", "published", "draft", "in_review")[number % 4]
        items.append(item)
    return items


def new_case(rng: random.Random, number: int) -> dict[str, Any]:
    service = rng.choice(SERVICES)
    mode, error = rng.choice(FAILURES)
    return {
        "title": f"{service} {mode} in production (load {number})",
        "description": f"{service} is failing: {error}",
        "severity": rng.choice(SEVERITIES),
        "services": [service],
        "tags": ["load-test"],
        "symptoms": [f"{service}: {error}", f"alerts firing for {service} ({mode})"],
    }


# ---- servers and databases -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """Create the scratch database (dropping a leftover one), yield its URL, drop it after."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
        yield admin_url.rsplit("/", 1)[0] + f"/{PG_DATABASE}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        admin.dispose()


@dataclass
class Server:
    data_dir: Path
    database_url: str | None
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        self.port = free_port()
        self.log_path = self.data_dir / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("FAULTMAVEN_")}
        env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
        if self.database_url:
            env["FAULTMAVEN_DATABASE_URL"] = self.database_url
        command = [
            sys.executable, "-m", "faultmaven", "--data-dir", str(self.data_dir),
            "serve", "--host", HOST, "--port", str(self.port), "--demo",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode}:\n{self.log_path.read_text()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}{API}/health", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"server did not answer within {START_TIMEOUT_S:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_summary(self) -> Counter[str]:
        """The exceptions the server logged, by their last line (for chained exceptions: the
        outermost one, not the causes printed before it)."""
        assert self.log_path is not None
        lines = [line for line in self.log_path.read_text(errors="replace").splitlines() if line]
        raised: Counter[str] = Counter()
        for index, line in enumerate(lines):
            if not re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\b.*:", line):
                continue
            after = lines[index + 1] if index + 1 < len(lines) else ""
            if not after.startswith(("The above exception", "During handling")):
                raised[line.strip()[:160]] += 1
        return raised


# ---- seeding ---------------------------------------------------------------------------------


@dataclass
class Seeded:
    runbook_ids: list[str]
    case_ids: list[str]  # every case, for reads
    open_case_ids: list[str]  # cases opened by the seeding, for symptom appends


def seed(base_url: str, *, runbooks: int, cases: int, seed_value: int) -> Seeded:
    with httpx.Client(base_url=base_url + API, timeout=300) as client:
        listing = client.get("/runbooks", params={"limit": 100}).raise_for_status().json()
        bases = [client.get(f"/runbooks/{item['id']}").json() for item in listing["items"]]
        if not bases:
            raise RuntimeError("the server has no demo runbooks to vary")
        items = variant_runbooks(bases, runbooks)
        for start in range(0, len(items), 100):
            client.post(
                "/runbooks/import", json={"items": items[start : start + 100]}
            ).raise_for_status()
        rng = random.Random(f"{seed_value}-seed-cases")
        open_ids = []
        for number in range(cases):
            response = client.post("/cases", json=new_case(rng, number)).raise_for_status()
            open_ids.append(response.json()["case"]["id"])
        runbook_ids = _all_ids(client, "/runbooks")
        case_ids = _all_ids(client, "/cases")
    return Seeded(
        runbook_ids=sorted(runbook_ids), case_ids=sorted(case_ids), open_case_ids=open_ids
    )


def _all_ids(client: httpx.Client, path: str) -> list[str]:
    ids: list[str] = []
    while True:
        page = client.get(path, params={"limit": 100, "offset": len(ids)}).raise_for_status()
        body = page.json()
        ids += [item["id"] for item in body["items"]]
        if not body["has_more"]:
            return ids


# ---- load ------------------------------------------------------------------------------------


@dataclass
class Sample:
    op: str
    status: int | None  # None: no response (connection error or timeout)
    seconds: float
    error: str = ""


@dataclass
class PhaseResult:
    db: str
    phase: str
    samples: list[Sample]
    seconds: float

    def latencies(self) -> list[float]:
        return sorted(s.seconds for s in self.samples if s.status is not None)

    @property
    def rate(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        values = self.latencies()
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))]

    def status_classes(self) -> Counter[str]:
        return Counter(
            "error" if s.status is None else f"{s.status // 100}xx" for s in self.samples
        )

    def count(self, predicate: Callable[[Sample], bool]) -> int:
        return sum(1 for s in self.samples if predicate(s))


class Client:
    """One simulated user: a keep-alive connection and a seeded stream of choices."""

    def __init__(
        self, base_url: str, seeded: Seeded, rng: random.Random, name: str, timeout: float
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url + API, timeout=timeout, headers={"X-FaultMaven-Actor": name}
        )
        self.seeded = seeded
        self.rng = rng
        self.name = name
        self.samples: list[Sample] = []
        self.edits = 0

    def close(self) -> None:
        self.http.close()

    def request(self, op: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            self.samples.append(Sample(op, None, time.perf_counter() - start, type(error).__name__))
            return None
        self.samples.append(Sample(op, response.status_code, time.perf_counter() - start))
        return response

    # reads
    def health(self) -> None:
        self.request("health", "GET", "/health")

    def list_runbooks(self) -> None:
        self.request(
            "list runbooks",
            "GET",
            "/runbooks",
            params={"limit": 20, "offset": self.rng.choice((0, 0, 20, 40))},
        )

    def get_runbook(self) -> None:
        self.request("get runbook", "GET", f"/runbooks/{self.rng.choice(self.seeded.runbook_ids)}")

    def search(self) -> None:
        self.request("search", "GET", "/runbooks/search", params={"q": self.rng.choice(QUERIES)})

    def get_case(self) -> None:
        self.request("get case", "GET", f"/cases/{self.rng.choice(self.seeded.case_ids)}")

    # writes
    def create_case(self) -> None:
        self.request(
            "create case", "POST", "/cases", json=new_case(self.rng, self.rng.randrange(10**6))
        )

    def edit_runbook(self) -> None:
        runbook_id = self.rng.choice(self.seeded.runbook_ids[:HOT_RUNBOOKS])
        response = self.request("edit: get", "GET", f"/runbooks/{runbook_id}")
        if response is None or response.status_code != 200:
            return
        current = response.json()
        body = {key: value for key, value in current.items() if key in EDITABLE}
        self.edits += 1
        summary = re.sub(r" \[edit [^\]]*\]$", "", current.get("summary", ""))[:1900]
        body["summary"] = f"{summary} [edit {self.name}-{self.edits}]"
        body["version"] = current["version"]
        body["change_note"] = "load test edit"
        self.request("edit: put", "PUT", f"/runbooks/{runbook_id}", json=body)

    def append_symptoms(self) -> None:
        case_id = self.rng.choice(self.seeded.open_case_ids)
        service = self.rng.choice(SERVICES)
        _, error = self.rng.choice(FAILURES)
        self.request(
            "append symptoms",
            "POST",
            f"/cases/{case_id}/symptoms",
            json={"items": [f"{service}: {error}"]},
        )


READS: list[tuple[str, float]] = [
    ("health", 10), ("list_runbooks", 20), ("get_runbook", 30), ("search", 25), ("get_case", 15),
]  # fmt: skip
WRITES: list[tuple[str, float]] = [("create_case", 3), ("edit_runbook", 3), ("append_symptoms", 2)]


def mix(writes: bool) -> tuple[list[str], list[float]]:
    """Read weights sum to 100; with writes, reads are scaled to 92 and writes add 8."""
    if not writes:
        return [name for name, _ in READS], [w for _, w in READS]
    write_total = sum(w for _, w in WRITES)
    reads = [(name, w * (100 - write_total) / 100) for name, w in READS]
    pairs = reads + WRITES
    return [name for name, _ in pairs], [w for _, w in pairs]


def run_phase(
    base_url: str,
    seeded: Seeded,
    *,
    db: str,
    phase: str,
    writes: bool,
    seconds: float,
    clients: int,
    seed_value: int,
    timeout: float,
) -> PhaseResult:
    names, weights = mix(writes)
    users = [
        Client(base_url, seeded, random.Random(f"{seed_value}-{phase}-{n}"), f"load-{n}", timeout)
        for n in range(clients)
    ]
    start_gate = threading.Barrier(clients + 1)
    deadline = [0.0]

    def drive(user: Client) -> None:
        start_gate.wait()
        while time.perf_counter() < deadline[0]:
            getattr(user, user.rng.choices(names, weights)[0])()

    threads = [threading.Thread(target=drive, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    deadline[0] = start + seconds
    start_gate.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    for user in users:
        user.close()
    return PhaseResult(db, phase, [s for user in users for s in user.samples], elapsed)


def _fire(
    base_url: str,
    timeout: float,
    gate: threading.Barrier,
    results: list[Sample | None],
    index: int,
    op: str,
    path: str,
    params: dict[str, str] | None,
) -> None:
    with httpx.Client(base_url=base_url, timeout=timeout) as client:
        gate.wait()
        begin = time.perf_counter()
        try:
            response = client.get(path, params=params)
            results[index] = Sample(op, response.status_code, time.perf_counter() - begin)
        except httpx.HTTPError as error:
            results[index] = Sample(op, None, time.perf_counter() - begin, type(error).__name__)


def run_burst(
    base_url: str, *, db: str, size: int, bursts: int, seed_value: int, timeout: float
) -> PhaseResult:
    """``size`` requests released together, each from its own thread on a new connection."""
    samples: list[Sample] = []
    elapsed = 0.0
    for number in range(bursts):
        rng = random.Random(f"{seed_value}-burst-{number}")
        plan = [
            ("health", f"{API}/health", None) if i % 2 == 0
            else ("search", f"{API}/runbooks/search", {"q": rng.choice(QUERIES)})
            for i in range(size)
        ]  # fmt: skip
        gate = threading.Barrier(size + 1)
        results: list[Sample | None] = [None] * size

        threads = [
            threading.Thread(target=_fire, args=(base_url, timeout, gate, results, i, *p))
            for i, p in enumerate(plan)
        ]
        for thread in threads:
            thread.start()
        start = time.perf_counter()
        gate.wait()
        for thread in threads:
            thread.join()
        elapsed += time.perf_counter() - start
        samples += [s for s in results if s is not None]
        time.sleep(1.0)
    return PhaseResult(db, "C burst", samples, elapsed)


# ---- report ----------------------------------------------------------------------------------


def is_conflict(sample: Sample) -> bool:
    return sample.op == "edit: put" and sample.status == 409


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def phase_table(results: list[PhaseResult]) -> Table:
    table = Table(title="Load: per database and phase (latency in ms, client side)")
    for column in (
        "db",
        "phase",
        "requests",
        "req/s",
        "p50",
        "p99",
        "max",
        "2xx",
        "4xx (no stale)",
        "stale 409",
        "5xx",
        "of which 503",
        "conn errors",
    ):
        table.add_column(column, justify="left" if column in ("db", "phase") else "right")
    for r in results:
        classes = r.status_classes()
        conflicts = r.count(is_conflict)
        table.add_row(
            r.db,
            r.phase,
            f"{len(r.samples):,}",
            f"{r.rate:,.1f}",
            ms(r.percentile(0.50)),
            ms(r.percentile(0.99)),
            ms(max(r.latencies(), default=0.0)),
            f"{classes['2xx']:,}",
            f"{classes['4xx'] - conflicts:,}",
            f"{conflicts:,}",
            f"{classes['5xx']:,}",
            f"{r.count(lambda s: s.status == 503):,}",
            f"{classes['error']:,}",
        )
    return table


def op_table(result: PhaseResult) -> Table:
    table = Table(title=f"{result.db}, {result.phase}: per operation")
    for column in ("operation", "requests", "p50", "p99", "max", "statuses", "errors"):
        table.add_column(column, justify="left" if column in ("operation", "statuses") else "right")
    for op in sorted({s.op for s in result.samples}):
        samples = [s for s in result.samples if s.op == op]
        latencies = sorted(s.seconds for s in samples if s.status is not None) or [float("nan")]
        statuses = Counter(s.status for s in samples if s.status is not None)
        errors = Counter(s.error for s in samples if s.status is None)
        table.add_row(
            op,
            f"{len(samples):,}",
            ms(latencies[len(latencies) // 2]),
            ms(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]),
            ms(latencies[-1]),
            " ".join(f"{k}:{v}" for k, v in sorted(statuses.items())),
            " ".join(f"{k}:{v}" for k, v in errors.items()) or "0",
        )
    return table


def verdict_table(results: list[PhaseResult]) -> Table:
    table = Table(title="Mixed vs read-only (baseline: phase A of the same run, same server)")
    for column in (
        "db",
        "read-only req/s",
        "mixed req/s",
        "mixed / read-only",
        "mixed p99 ms",
        "5xx (A+B+C)",
        "target (SQLite): ratio >= 0.70, p99 <= 1 s, 0 5xx",
    ):
        table.add_column(column, justify="left" if column == "db" else "right")
    for db in dict.fromkeys(r.db for r in results):
        by_phase = {r.phase: r for r in results if r.db == db}
        read, mixed = by_phase["A read-only"], by_phase["B mixed"]
        ratio = mixed.rate / read.rate if read.rate else float("nan")
        errors = sum(r.status_classes()["5xx"] for r in by_phase.values())
        p99 = mixed.percentile(0.99)
        met = ratio >= 0.70 and p99 <= 1.0 and errors == 0
        table.add_row(
            db,
            f"{read.rate:,.1f}",
            f"{mixed.rate:,.1f}",
            f"{ratio:.2f}",
            ms(p99),
            str(errors),
            ("met" if met else "MISSED") if db == "sqlite" else ("would meet" if met else "misses"),
        )
    return table


# ---- main ------------------------------------------------------------------------------------


def bench_database(db: str, args: argparse.Namespace, workdir: Path) -> list[PhaseResult]:
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(postgres_database(args.postgres)) if db == "postgres" else None
        data_dir = workdir / db
        data_dir.mkdir()
        server = Server(data_dir=data_dir, database_url=url)
        console.print(f"[bold]{db}[/]: starting the server (seeding the demo cases)")
        started = time.perf_counter()
        server.start()
        stack.callback(server.stop)
        seeded = seed(
            server.base_url, runbooks=args.runbooks, cases=args.cases, seed_value=args.seed
        )
        console.print(
            f"  up and seeded in {time.perf_counter() - started:.1f} s: "
            f"{len(seeded.runbook_ids)} runbooks, {len(seeded.case_ids)} cases"
        )
        common = dict(clients=args.clients, seed_value=args.seed, timeout=args.timeout)
        run_phase(
            server.base_url,
            seeded,
            db=db,
            phase="warm-up",
            writes=False,
            seconds=args.warmup,
            **common,
        )
        results = []
        for phase, writes in (("A read-only", False), ("B mixed", True)):
            console.print(f"  phase {phase}: {args.clients} clients, {args.seconds:.0f} s")
            results.append(
                run_phase(
                    server.base_url,
                    seeded,
                    db=db,
                    phase=phase,
                    writes=writes,
                    seconds=args.seconds,
                    **common,
                )
            )
        console.print(f"  phase C: {args.bursts} bursts of {args.burst} requests")
        results.append(
            run_burst(
                server.base_url,
                db=db,
                size=args.burst,
                bursts=args.bursts,
                seed_value=args.seed,
                timeout=args.timeout,
            )
        )
        server.stop()
        exceptions = server.log_summary()
        locked = sum(n for line, n in exceptions.items() if "database is locked" in line)
        assert server.log_path is not None
        unhandled = server.log_path.read_text(errors="replace").count(
            "Exception in ASGI application"
        )
        console.print(
            f"  server log: {exceptions.total()} exceptions, {locked} of them 'database is "
            f"locked'; {unhandled} unhandled in a request ('Exception in ASGI application'), "
            "the others logged and handled (e.g. 'semantic index update failed; will retry')"
        )
        for line, count in exceptions.most_common(6):
            console.print(f"    {count:5d} x {line}")
        if args.keep_logs:
            assert server.log_path is not None
            Path(args.keep_logs).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(server.log_path, Path(args.keep_logs) / f"server-{db}.log")
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=20.0, help="per phase A and B")
    parser.add_argument("--warmup", type=float, default=3.0, help="read-only warm-up, seconds")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--burst", type=int, default=200, help="requests per burst (phase C)")
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--runbooks", type=int, default=300, help="imported besides the demo")
    parser.add_argument("--cases", type=int, default=20, help="open cases seeded")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=60.0, help="per request, seconds")
    parser.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES_ADMIN,
        help=f"admin URL; the scratch database {PG_DATABASE} is made beside it",
    )
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the server logs there")
    args = parser.parse_args()

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    ).stdout.strip()
    console.print(
        f"faultmaven at {commit or '?'}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results: list[PhaseResult] = []
    with tempfile.TemporaryDirectory(prefix="fm-bench-load-") as workdir:
        for db in databases:
            results += bench_database(db, args, Path(workdir))
    console.print(phase_table(results))
    for result in results:
        if result.phase == "B mixed":
            console.print(op_table(result))
    console.print(verdict_table(results))
    console.print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
