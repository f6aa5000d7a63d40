"""Benchmark: the analytics report endpoints over 1M events and 100k cases, each against a
plain SQL aggregate of the same numbers in the same run (issue "Analytics": <= 300 ms p50 on
the embedded default, SQLite).

Data (bulk ``INSERT``s with executemany, not the services): ``--runbooks`` (2,000) runbooks
(90% published, 10% draft; one of 12 services each, with its label row), and ``--events``
(1,000,000) events over the last 365 days for ``--cases`` (100,000) cases: each case opened
(20% found no suggestion) and resolved (minutes ~ lognormal), 40% used a runbook, 10% produced
one; runbook suggestions (1.5 per case), suggestions opened, feedback (and 20k feedback rows),
searches (20% found nothing, 400 distinct word groups), and views filling up to the total. The
cases table itself is not filled: the reports read case facts from the events.

Subjects: ``GET /api/v1/analytics/summary``, ``/analytics/runbooks``, ``/analytics/runbooks/{id}``
and ``/analytics/gaps`` through the real app (in process), with the default window (30 days)
and with ``days=365`` (every event). Baselines: hand-written SQL (``text()``) computing the
same numbers in as few statements as one can, run on the app's engine. Subject and baseline
alternate ``--repeat`` times; printed: p50 of each and their ratio. No timing is asserted.

Run (from the repository root)::

    PYTHONPATH=src .venv/bin/python bench/bench_analytics.py                  # ~3 min
    PYTHONPATH=src .venv/bin/python bench/bench_analytics.py --events 200000 --cases 20000
    PYTHONPATH=src .venv/bin/python bench/bench_analytics.py --postgres       # + PostgreSQL
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_events import postgres_schema  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from faultmaven.app import create_app
from faultmaven.config import Settings
from faultmaven.events.models import EventRow, FeedbackRow
from faultmaven.runbooks.models import RunbookLabelRow, RunbookRow

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "fm_bench_analytics"
SERVICES = [f"svc{n}" for n in range(12)]
SEVERITIES = ["critical", "high", "medium", "low"]
WORDS = [
    "redis",
    "kafka",
    "disk",
    "memory",
    "latency",
    "timeout",
    "dns",
    "certificate",
    "queue",
    "lag",
    "pod",
    "node",
]
BATCH = 20_000


def _runbooks(n: int, now: datetime) -> tuple[list[dict], list[dict]]:
    rows, labels = [], []
    for i in range(n):
        created = now - timedelta(days=400 - i % 300)
        service = SERVICES[i % len(SERVICES)]
        rows.append(
            {
                "id": f"rb_{i:012x}",
                "title": f"Runbook {i} for {service}",
                "severity": SEVERITIES[i % 4],
                "status": "draft" if i % 10 == 9 else "published",
                "version": 1,
                "content": {},
                "services": [service],
                "tags": [],
                "source_case_ids": [],
                "author": "bench",
                "owner": "bench",
                "review_by": date(2026, 1, 1) if i % 7 == 0 else None,
                "generated_by": "manual",
                "redaction": {},
                "created_at": created,
                "updated_at": created,
                "visibility": "organization",
                "team_id": "team_default",
                "author_id": None,
                "access": "org",
            }
        )
        labels.append({"runbook_id": f"rb_{i:012x}", "kind": "service", "value": service})
    return rows, labels


def _events(args: argparse.Namespace, now: datetime) -> tuple[list[dict], list[dict]]:
    """The events (and feedback rows), in time order per kind."""
    rng = random.Random(7)
    events: list[dict[str, Any]] = []
    feedback: list[dict[str, Any]] = []

    def add(kind: str, at: datetime, **values: Any) -> None:
        events.append({"kind": kind, "at": at, "actor": "bench", **values})

    def runbook() -> str:
        return f"rb_{rng.randrange(args.runbooks):012x}"

    for c in range(args.cases):
        case_id = f"case_{c:012x}"
        opened = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        service, severity = rng.choice(SERVICES), rng.choice(SEVERITIES)
        facts = {
            "case_id": case_id,
            "service": service,
            "severity": severity,
            "team_id": "team_default",
            "access": "team:team_default",
        }
        words = " ".join(sorted(rng.sample(WORDS, 2)))
        suggested = rng.random() >= 0.2
        add("case_opened", opened, value=2 if suggested else 0, subject=words, **facts)
        if suggested:
            for _ in (1, 2) if rng.random() < 0.5 else (1,):
                rb = runbook()
                add("runbook_suggested", opened, runbook_id=rb, value=0.5, case_id=case_id)
                if rng.random() < 0.27:
                    add("suggestion_opened", opened, runbook_id=rb, case_id=case_id)
        minutes = rng.lognormvariate(4, 1)
        resolved = opened + timedelta(minutes=minutes)
        if resolved < now:
            used = rng.random() < 0.4
            if used:
                rb = runbook()
                add("runbook_used", resolved, runbook_id=rb, source="inferred", **facts)
                if len(feedback) < args.cases // 5:
                    outcome = rng.choice(["solved", "solved", "partly", "not_helpful"])
                    add("feedback", resolved, runbook_id=rb, source=outcome, **facts)
                    feedback.append(
                        {
                            "id": f"fb_{len(feedback):012x}",
                            "runbook_id": rb,
                            "case_id": case_id,
                            "outcome": outcome,
                            "comment": None,
                            "actor": "bench",
                            "created_at": resolved,
                            "updated_at": resolved,
                        }
                    )
            source = "with_runbook" if used else "without_runbook"
            add("case_resolved", resolved, value=round(minutes, 3), source=source, **facts)
            if rng.random() < 0.1:
                add("runbook_produced", resolved, runbook_id=runbook(), case_id=case_id)
    for _ in range(args.cases):
        at = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        found = 0 if rng.random() < 0.2 else rng.randrange(1, 10)
        words = " ".join(sorted(rng.sample(WORDS, 2)) + [f"w{rng.randrange(5)}"])
        add(
            "search_performed",
            at,
            value=found,
            subject=words,
            data={"query": words},
            team_id="team_default",
            access="team:team_default",
        )
    sources = ["search", "suggestion", "link", "direct"]
    while len(events) < args.events:
        at = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        add("runbook_viewed", at, runbook_id=runbook(), source=rng.choice(sources))
    return events[: args.events], feedback


def fill(engine: Engine, args: argparse.Namespace, now: datetime) -> None:
    started = time.perf_counter()
    runbooks, labels = _runbooks(args.runbooks, now)
    events, feedback = _events(args, now)
    columns = [c.key for c in EventRow.__table__.columns if c.key != "id"]
    table = EventRow.metadata.tables["events"]
    with engine.begin() as connection:
        connection.execute(insert(RunbookRow.metadata.tables["runbooks"]), runbooks)
        connection.execute(insert(RunbookLabelRow), labels)
        connection.execute(insert(FeedbackRow.metadata.tables["runbook_feedback"]), feedback)
    for start in range(0, len(events), BATCH):
        chunk = [{c: row.get(c) for c in columns} for row in events[start : start + BATCH]]
        with engine.begin() as connection:
            connection.execute(insert(table), chunk)
        print(f"\r  {start + len(chunk):,} events", end="", flush=True)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    print(f"  ({time.perf_counter() - started:.0f} s to generate and insert)")


# ---- baselines: the same numbers in plain SQL -------------------------------------------------

_SUMMARY = [
    """SELECT count(*), sum(CASE WHEN case_id IN (SELECT case_id FROM events WHERE kind IN
       ('runbook_used', 'runbook_produced')) THEN 1 ELSE 0 END) FROM events
       WHERE kind = 'case_resolved' AND at >= :since AND at < :until""",
    """SELECT source, avg(value), max(n) FROM (SELECT source, value,
         row_number() OVER (PARTITION BY source ORDER BY value) AS rn,
         count(*) OVER (PARTITION BY source) AS n FROM events
         WHERE kind = 'case_resolved' AND at >= :since AND at < :until
         ) AS ranked WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY source""",
    """SELECT kind, count(*), sum(CASE WHEN value = 0 THEN 1 ELSE 0 END),
       count(DISTINCT case_id || runbook_id) FROM events
       WHERE kind IN ('search_performed', 'case_opened', 'runbook_suggested', 'suggestion_opened',
       'runbook_viewed') AND at >= :since AND at < :until GROUP BY kind""",
    """SELECT outcome, count(*) FROM runbook_feedback
       WHERE updated_at >= :since AND updated_at < :until GROUP BY outcome""",
    """SELECT count(*) FROM runbooks WHERE status = 'published' AND id NOT IN
       (SELECT runbook_id FROM events WHERE kind = 'runbook_used' AND runbook_id IS NOT NULL)""",
]
_RUNBOOKS = [
    """SELECT runbook_id, sum(CASE WHEN kind = 'runbook_viewed' THEN 1 ELSE 0 END),
       count(DISTINCT CASE WHEN kind = 'runbook_suggested' THEN case_id END),
       count(DISTINCT CASE WHEN kind = 'suggestion_opened' THEN case_id END),
       count(DISTINCT CASE WHEN kind = 'runbook_used' THEN case_id END)
       FROM events WHERE kind IN ('runbook_viewed', 'runbook_suggested', 'suggestion_opened',
       'runbook_used') AND at >= :since AND at < :until GROUP BY runbook_id""",
    """SELECT runbook_id, outcome, count(*) FROM runbook_feedback
       WHERE updated_at >= :since AND updated_at < :until GROUP BY runbook_id, outcome""",
]
_RUNBOOK = [
    """SELECT sum(CASE WHEN kind = 'runbook_viewed' THEN 1 ELSE 0 END),
       count(DISTINCT CASE WHEN kind = 'runbook_used' THEN case_id END),
       max(CASE WHEN kind = 'runbook_used' THEN at END)
       FROM events WHERE runbook_id = :rb AND at >= :since AND at < :until""",
    """SELECT avg(value), max(n) FROM (SELECT value, row_number() OVER (ORDER BY value) AS rn,
       count(*) OVER () AS n FROM events WHERE kind = 'case_resolved' AND at >= :since
       AND at < :until AND case_id IN (SELECT case_id FROM events WHERE kind = 'runbook_used'
       AND runbook_id = :rb)) AS r WHERE rn IN ((n + 1) / 2, (n + 2) / 2)""",
]
_GAPS = [
    """SELECT subject, count(*) AS total, max(at), max(id) FROM events
       WHERE kind IN ('search_performed', 'case_opened') AND value = 0 AND at >= :since
       AND at < :until GROUP BY subject ORDER BY total DESC LIMIT 20""",
]


def _plain(engine: Engine, statements: list[str], params: dict[str, Any]) -> Callable[[], None]:
    def run() -> None:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement), params).all()

    return run


def _p50(run: Callable[[], Any], repeat: int) -> list[float]:
    return [_ms(run) for _ in range(repeat)]


def _ms(run: Callable[[], Any]) -> float:
    started = time.perf_counter_ns()
    run()
    return (time.perf_counter_ns() - started) / 1e6


def measure(
    url: str, label: str, args: argparse.Namespace, folder: Path, *, filled: bool = False
) -> None:
    now = datetime.now(UTC)
    settings = Settings(data_dir=folder, database_url=url, allowed_hosts="testserver")
    app = create_app(settings)
    engine: Engine = app.state.engine
    if not filled:
        print(f"{label}: generating {args.events:,} events, {args.cases:,} cases")
        fill(engine, args, now)
    with TestClient(app) as client:
        for days in args.days:
            since = (now - timedelta(days=days)).isoformat()
            until = (now + timedelta(seconds=1)).isoformat()
            params = {"since": now - timedelta(days=days), "until": now + timedelta(seconds=1)}
            query = {"since": since, "until": until}
            cases = {
                "summary": ("/api/v1/analytics/summary", _SUMMARY, {}),
                "runbooks": ("/api/v1/analytics/runbooks", _RUNBOOKS, {}),
                "runbook": (f"/api/v1/analytics/runbooks/rb_{7:012x}", _RUNBOOK, {}),
                "gaps": ("/api/v1/analytics/gaps", _GAPS, {}),
            }
            for name, (path, statements, extra) in cases.items():

                def endpoint(path: str = path, params: dict | None = None) -> None:
                    response = client.get(path, params=params)
                    assert response.status_code == 200, response.text

                endpoint = partial(endpoint, params={**query, **extra})
                baseline = _plain(engine, statements, {**params, "rb": f"rb_{7:012x}"})
                endpoint()  # warm up
                baseline()
                subject, plain = [], []
                for _ in range(args.repeat):
                    subject.append(_ms(endpoint))
                    plain.append(_ms(baseline))
                s50, b50 = statistics.median(subject), statistics.median(plain)
                print(
                    f"{label} {days:>3} days  {name:<9} p50 {s50:8.1f} ms   plain SQL "
                    f"{b50:8.1f} ms   ratio {s50 / b50:5.2f}"
                )
    app.state.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runbooks", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--days", type=int, nargs="+", default=[30, 365], help="report windows")
    parser.add_argument(
        "--keep", type=Path, help="SQLite file to fill and keep (reused, unfilled, if it exists)"
    )
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_PG, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        path = args.keep or data / "bench.db"
        filled = path.exists()
        measure(f"sqlite:///{path}", "SQLite", args, data, filled=filled)
        if args.postgres:
            with postgres_schema(args.postgres, SCHEMA) as url:
                measure(url, "PostgreSQL", args, data)


if __name__ == "__main__":
    main()
