"""How fast ``GET /api/v1/analytics/recurring`` answers as the window holds more resolved cases
(issue 13).

Seeds N resolved cases per size into a fresh SQLite database through the real services
(``cases.service.create_case`` / ``resolve_case``, runbooks made from some of them with
``runbooks.service.create_from_case``, runbooks viewed from others with ``view_runbook``), so
the rows, events and JSON documents are the ones the product writes. Texts: real Apache Hadoop
bug reports (``--data``, the corpus of the recurring-quality bench, one-off problems and a few
labelled duplicates) mixed half and half with incidents drawn from 120 recurring problems
(service, failure and wording vary per case), services named per case.

The subject is the report end to end: ``GET /api/v1/analytics/recurring?days=365`` in process
(TestClient), p50 of ``--repeat`` runs after a warm-up. The same-run baseline is the plain read
of the same cases: ``cases.service.resolved_cases`` of the window (the SQL read and JSON
decoding every report must do), with the garbage collector paused as the report pauses it
(``kit.collector``), timed the same way; the ratio says what the grouping, the runbook reads
and the embedding add on top. The first report of each size is printed apart: it loads the
embedder and fills the caches (stems, case vectors). ``--max`` sets ``MAX_GROUPED_CASES`` for
the run so sizes above the shipped cap are timed whole.

    PYTHONPATH=src .venv/bin/python bench/bench_recurring_speed.py [--sizes 500,2000,5000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from faultmaven.analytics import recurring_service
from faultmaven.app import create_app
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseCreate, ResolveRequest
from faultmaven.config import Settings
from faultmaven.kit.collector import collector_paused
from faultmaven.runbooks import service as runbooks_service

DATA = Path("/work/shared/data/retrieval/hadoop-duplicates")
SERVICES = (
    "redis", "postgres", "kafka", "nginx", "gateway", "payments", "checkout", "auth",
    "search", "orders", "inventory", "billing", "elasticsearch", "rabbitmq", "mysql", "dns",
    "vault", "consul", "etcd", "kubelet", "ingress", "cdn", "mailer", "scheduler",
)  # fmt: skip
FAILURES = (
    ("{s} pods OOMKilled", "memory grew past the container limit", "memory limit exceeded"),
    ("Disk full on the {s} nodes", "logs filled the root volume", "No space left on device"),
    ("{s} latency spike after deploy", "a slow query shipped in the release", "p99 above 2s"),
    ("TLS certificate expired on {s}", "cert renewal job failed silently", "x509 expired"),
    ("{s} connection pool exhausted", "leaked connections on error paths", "pool timeout"),
    ("{s} crash loop after config change", "invalid config key rolled out", "CrashLoopBackOff"),
    ("DNS resolution failures from {s}", "resolver cache overflowed", "SERVFAIL lookups"),
    ("{s} replication lag growing", "replica starved of IO", "lag above 10 minutes"),
    ("{s} 5xx errors behind the load balancer", "health check misconfigured", "502 Bad Gateway"),
    ("{s} queue backlog keeps growing", "consumer throughput halved", "backlog above 1M"),
)  # fmt: skip
OPENERS = ("", "Again: ", "Prod: ", "Staging: ", "Customer report: ")
DETAILS = (
    "Alerts fired at {h}:{m:02d} UTC; on-call paged.",
    "Started around {h}:{m:02d}, {n} requests affected.",
    "Seen on {n} hosts in region eu-{h}.",
    "Users reported errors for about {n} minutes.",
)


def _corpus(data: Path) -> list[str]:
    path = data / "corpus.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]


def _hadoop_case(text: str, rng: random.Random) -> dict[str, Any]:
    text = "".join(c for c in text if c in "\t\n\r" or ord(c) >= 32)  # cases refuse the others
    title, _, rest = text.partition("\n")
    return {
        "title": title.strip()[:200] or "Hadoop report",
        "description": rest.strip()[:4000],
        "services": [rng.choice(SERVICES)] if rng.random() < 0.5 else [],
    }


def _incident(rng: random.Random, problem: int) -> dict[str, Any]:
    service = SERVICES[problem % len(SERVICES)]
    title, cause, symptom = FAILURES[(problem // len(SERVICES)) % len(FAILURES)]
    detail = rng.choice(DETAILS).format(
        h=rng.randrange(24), m=rng.randrange(60), n=rng.randrange(2, 500)
    )
    return {
        "title": rng.choice(OPENERS) + title.format(s=service),
        "description": f"{detail} {symptom} on {service}.",
        "symptoms": [symptom, f"{service} alerts firing"][: rng.randrange(1, 3)],
        "services": [service] + ([rng.choice(SERVICES)] if rng.random() < 0.2 else []),
        "root_cause": {"cause": f"{service}: {cause}"} if rng.random() < 0.7 else None,
    }


def seed(app: Any, n: int, texts: list[str], now: datetime) -> None:
    """N resolved cases over the last 300 days; one case in 40 gets a runbook made from it, one
    in 20 views one of the runbooks made so far (the report reads both)."""
    rng = random.Random(n)
    hadoop = rng.sample(texts, min(len(texts), n // 2))
    specs = [_hadoop_case(t, rng) for t in hadoop]
    specs += [_incident(rng, rng.randrange(120)) for _ in range(n - len(specs))]
    rng.shuffle(specs)
    runbooks: list[str] = []
    factory = app.state.session_factory
    started = time.perf_counter()
    for start in range(0, n, 250):
        with factory() as session, session.begin():
            for index, spec in enumerate(specs[start : start + 250], start):
                opened = now - timedelta(days=300 * (n - index) / n, hours=2)
                data = CaseCreate(
                    severity=rng.choice(("critical", "high", "medium", "low")),
                    solutions=[{"title": "Fix", "commands": ["make fix"], "outcome": "applied"}],
                    opened_at=opened,
                    **spec,
                )
                case = cases_service.create_case(session, data=data, actor="bench")
                resolved = ResolveRequest(resolved_at=opened + timedelta(hours=1))
                cases_service.resolve_case(
                    session, case_id=case.id, request=resolved, actor="bench"
                )
                if index % 40 == 0:
                    made = runbooks_service.create_from_case(
                        session, case_id=case.id, actor="bench"
                    )
                    runbooks.append(made.id)
                elif index % 20 == 0 and runbooks:
                    runbooks_service.view_runbook(
                        session, runbook_id=rng.choice(runbooks), actor="bench", case_id=case.id
                    )
    print(f"  seeded {n} cases, {len(runbooks)} runbooks ({time.perf_counter() - started:.0f} s)")


def _ms(run: Callable[[], Any]) -> float:
    started = time.perf_counter_ns()
    run()
    return (time.perf_counter_ns() - started) / 1e6


def measure(n: int, texts: list[str], repeat: int, folder: Path) -> tuple[float, float, float, int]:
    now = datetime.now(UTC)
    settings = Settings(
        data_dir=folder, database_url=f"sqlite:///{folder / f'r{n}.db'}", allowed_hosts="testserver"
    )
    app = create_app(settings)
    seed(app, n, texts, now)
    grouped = 0
    with TestClient(app) as client:

        def report() -> None:
            nonlocal grouped
            answer = client.get("/api/v1/analytics/recurring", params={"days": 365})
            assert answer.status_code == 200, answer.text
            grouped = answer.json()["cases_grouped"]

        def baseline() -> None:
            with app.state.session_factory() as session, collector_paused():
                cases_service.resolved_cases(
                    session, since=now - timedelta(days=365), until=now + timedelta(days=1)
                )

        cold = _ms(report)  # first request: the embedder loads, the caches fill
        baseline()
        subject, plain = [], []
        for _ in range(repeat):
            subject.append(_ms(report))
            plain.append(_ms(baseline))
    app.state.engine.dispose()
    return cold, statistics.median(subject), statistics.median(plain), grouped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,2000,5000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--max", type=int, default=None, help="MAX_GROUPED_CASES for this run (default: shipped)"
    )
    args = parser.parse_args()
    if args.max is not None:
        recurring_service.MAX_GROUPED_CASES = args.max
    texts = _corpus(args.data)
    print(f"MAX_GROUPED_CASES {recurring_service.MAX_GROUPED_CASES}, {len(texts)} Hadoop texts")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for n in (int(x) for x in args.sizes.split(",")):
            cold, subject, plain, grouped = measure(n, texts, args.repeat, Path(folder))
            rows.append((n, grouped, cold, subject, plain))
            print(
                f"n={n:>5} grouped {grouped:>5}  first {cold:8.1f} ms  report p50 {subject:8.1f} "
                f"ms   plain read {plain:7.1f} ms   ratio {subject / plain:6.1f}",
                flush=True,
            )
    print(f"\n{os.getloadavg()[0]:.2f} load average (1 min) at the end")
    print("| resolved cases | grouped | first report | report p50 | plain read p50 | ratio |")
    print("|---|---|---|---|---|---|")
    for n, grouped, cold, subject, plain in rows:
        print(
            f"| {n:,} | {grouped:,} | {cold:,.0f} ms | {subject:,.0f} ms | {plain:,.0f} ms "
            f"| {subject / plain:.1f} |"
        )


if __name__ == "__main__":
    main()
