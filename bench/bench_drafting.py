"""Benchmark: drafting a runbook from a large case record, rendering it, parsing it back.

The case has ``--records`` entries (default 500) in every phase: symptoms, blast radius,
timeline (shuffled, so drafting has to sort it), hypotheses in every status, validations with
multi-line command output, evidence (some of it linked to refuted hypotheses, so drafting has to
filter it), solutions mixing applied / failed / proposed, prevention and messages.

Subjects, each timed on its own:

* ``draft``  -- ``draft_runbook(case)``
* ``render`` -- ``render_markdown(runbook)`` of the drafted runbook
* ``parse``  -- ``parse_markdown(markdown)`` of that markdown

Baseline, measured in the same run: ``CaseRecord.model_validate(case.model_dump())``, i.e.
dumping and re-validating the same record once. Drafting reads the record and must at least
build a validated runbook of similar size, so this is a natural floor for it; for render and
parse it is a yardstick of "one pydantic round trip of the record".

Every repetition runs baseline and all subjects once, in an order rotated per repetition, so slow
phases of a noisy machine hit them alike. The ratio printed is the median, over repetitions, of
subject time / baseline time in the same repetition. No timing is asserted.

Run: ``.venv/bin/python bench/bench_drafting.py`` (``--quick`` for a few seconds' run).
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from faultmaven.cases.schemas import CaseRecord
from faultmaven.runbooks.drafting import draft_runbook
from faultmaven.runbooks.markdown import parse_markdown, render_markdown

MAX_RECORDS = 600  # root-cause evidence grows to ~1.5x records; the schema caps lists at 1000
OPENED = datetime(2025, 10, 5, 13, 0, tzinfo=UTC)
HYPOTHESIS_STATUSES = ("validated", "refuted", "inconclusive", "proposed")
OUTCOMES = ("applied", "failed", "proposed")
TIMELINE_KINDS = ("observation", "change", "deploy", "alert", "action")
PODS = ("redis-0", "redis-1", "redis-2", "api-7d9f", "worker-5c2b", "gateway-1a")


# ---- the case --------------------------------------------------------------------------------


def _output(rng: random.Random, i: int) -> str:
    """Multi-line command output, 3 to 15 lines, like ``kubectl top`` or a log tail."""
    lines = ["NAME          CPU(cores)   MEMORY(bytes)"]
    for row in range(rng.randint(2, 14)):
        pod = PODS[(i + row) % len(PODS)]
        lines.append(f"{pod:<13} {rng.randint(5, 900)}m        {rng.randint(100, 2100)}Mi")
    return "\n".join(lines)


def _validations(rng: random.Random, n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"val_{i:06d}",
            "description": f"Check memory of the {PODS[i % len(PODS)]} pods (check {i})",
            "command": f"kubectl top pod -n production -l app={PODS[i % len(PODS)]}"
            + (" \\\n  --containers" if i % 4 == 0 else ""),
            "output": _output(rng, i),
            "conclusion": f"Memory at {rng.randint(60, 110)}% of the limit" if i % 3 else "",
            "hypothesis": i % n,
        }
        for i in range(n)
    ]


def _hypotheses(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"hyp_{i:06d}",
            "statement": f"Theory {i}: session objects from feature {i} exceed the memory limit",
            "status": HYPOTHESIS_STATUSES[i % len(HYPOTHESIS_STATUSES)],
            "evidence": [f"hypothesis {i}: serialized size {i * 37} KB", f"hypothesis {i}: trace"],
        }
        for i in range(n)
    ]


def _solutions(n: int) -> list[dict[str, Any]]:
    solutions = []
    for i in range(n):
        commands = [
            f"kubectl set resources statefulset/redis -n production --limits=memory={i % 16 + 1}Gi",
            f"kubectl rollout restart statefulset/redis-{i} -n production",
        ]
        if i % 5 == 0:
            commands.append(f"cat <<'EOF' | kubectl apply -f -\nkind: ConfigMap\n# fix {i}\nEOF")
        solutions.append(
            {
                "id": f"sol_{i:06d}",
                "title": f"Raise the Redis memory limit, attempt {i}",
                "kind": "long_term" if i % 7 == 0 else "immediate",
                "steps": [f"Edit values for attempt {i}", "Apply the change", "Watch the pods"],
                "commands": commands,
                "outcome": OUTCOMES[i % len(OUTCOMES)],
                "validation": ["kubectl get pods -n production -w", f"redis-cli info memory #{i}"],
                "rollback": [f"helm rollback redis {i}"],
                "duration": f"{i % 60 + 1} mins",
            }
        )
    return solutions


def build_case(n: int, seed: int = 7) -> CaseRecord:
    """A resolved case with ``n`` entries in every phase, as the store would return it."""
    rng = random.Random(seed)
    hypotheses = _hypotheses(n)
    timeline = [
        {
            "id": f"evt_{i:06d}",
            "at": OPENED + timedelta(seconds=37 * i),
            "event": f"Event {i}: redis pod restarted (OOMKilled), restart count {i}",
            "kind": TIMELINE_KINDS[i % len(TIMELINE_KINDS)],
        }
        for i in range(n)
    ]
    rng.shuffle(timeline)
    # Every fifth free evidence item repeats a hypothesis's evidence: drafting keeps the ones of
    # validated hypotheses and drops those of refuted/inconclusive/proposed ones.
    evidence = [
        hypotheses[i % n]["evidence"][0] if i % 5 == 0 else f"log line {i}: OOMKilled exit 137"
        for i in range(n)
    ]
    record = {
        "id": "case_0123456789ab",
        "title": "Redis Cluster OOM Kills (benchmark case)",
        "description": "Redis pods repeatedly restart with OOM kills in production.\n" * 5,
        "severity": "critical",
        "status": "resolved",
        "affected_systems": [f"redis shard {i}" for i in range(n)],
        "services": ["redis", "api", "sessions"],
        "tags": ["kubernetes", "redis", "memory", "oomkilled"],
        "symptoms": [f"Pod redis-{i} restarting every {i % 10 + 1} minutes" for i in range(n)],
        "blast_radius": [
            {
                "id": f"blast_{i:06d}",
                "check": f"kubectl get pods -n production -l shard={i}",
                "finding": f"{i % 3 + 1}/3 pods in CrashLoopBackOff" if i % 2 else "",
            }
            for i in range(n)
        ],
        "timeline": timeline,
        "hypotheses": hypotheses,
        "validations": _validations(rng, n),
        "evidence": evidence,
        "root_cause": {
            "cause": "Session objects grew from 100KB to 5MB after the preferences feature.",
            "evidence": [f"memory profile {i}: sessions 93%" for i in range(n // 5)],
            "contributing_factors": [f"No memory alert on shard {i}" for i in range(n)],
        },
        "solutions": _solutions(n),
        "prevention": {
            "monitoring": [f"Alert on memory above 80% for shard {i}" for i in range(n)],
            "automation": [f"Reject sessions above 1MB in service {i}" for i in range(n)],
            "process": [f"Load test feature {i} with production-sized sessions" for i in range(n)],
        },
        "messages": [
            {
                "id": f"msg_{i:06d}",
                "role": "user" if i % 2 else "assistant",
                "content": f"Message {i}: what does the memory graph show now?\nStill climbing.",
                "at": OPENED + timedelta(seconds=11 * i),
            }
            for i in range(n)
        ],
        "runbook_offer": "offered",
        "opened_at": OPENED,
        "created_at": OPENED,
        "updated_at": OPENED + timedelta(hours=2),
        "resolved_at": OPENED + timedelta(hours=1, minutes=5),
    }
    return CaseRecord.model_validate(record)


# ---- timing ----------------------------------------------------------------------------------


def run_interleaved(
    subjects: dict[str, Callable[[], object]], *, warmup: int, repeat: int
) -> dict[str, list[int]]:
    """Nanoseconds per call for each subject; every repetition runs each once, order rotated."""
    names = list(subjects)
    samples: dict[str, list[int]] = {name: [] for name in names}
    for rep in range(warmup + repeat):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            fn = subjects[name]
            start = time.perf_counter_ns()
            fn()
            elapsed = time.perf_counter_ns() - start
            if rep >= warmup:
                samples[name].append(elapsed)
    return samples


def percentile(values: list[int], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def paired_ratio(subject: list[int], baseline: list[int]) -> float:
    return statistics.median(s / b for s, b in zip(subject, baseline, strict=True))


def report(samples: dict[str, list[int]], baseline: str) -> None:
    print(f"{'subject':<10} {'median ms':>10} {'p95 ms':>10} {'ratio vs baseline':>18}")
    for name, values in samples.items():
        ratio = "1.00 (baseline)"
        if name != baseline:
            ratio = f"{paired_ratio(values, samples[baseline]):.2f}"
        print(
            f"{name:<10} {statistics.median(values) / 1e6:>10.2f} "
            f"{percentile(values, 95) / 1e6:>10.2f} {ratio:>18}"
        )


# ---- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--records", type=int, default=500, help=f"entries per phase (1..{MAX_RECORDS})"
    )
    parser.add_argument("--repeat", type=int, default=60, help="timed repetitions")
    parser.add_argument("--warmup", type=int, default=5, help="untimed repetitions first")
    parser.add_argument("--quick", action="store_true", help="15 repetitions, 2 warmup")
    args = parser.parse_args(argv)
    if not 1 <= args.records <= MAX_RECORDS:
        parser.error(f"--records must be 1..{MAX_RECORDS}")
    if args.quick:
        args.repeat, args.warmup = 15, 2
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    case = build_case(args.records)
    runbook = draft_runbook(case)
    markdown = render_markdown(runbook)
    # the causes' history (source cases, times seen, last seen) rides in the front matter of an
    # exported file, not in the markdown body
    history = {"source_case_ids", "times_seen", "last_seen"}
    body = {"causes": {"__all__": history}}
    round_trip = parse_markdown(markdown).content.model_dump(exclude=body) == runbook.model_dump(
        exclude=body
    )
    print(
        f"python {platform.python_version()}, {args.records} records per phase, "
        f"case JSON {len(case.model_dump_json()) / 1024:.0f} KiB, "
        f"runbook JSON {len(runbook.model_dump_json()) / 1024:.0f} KiB, "
        f"markdown {len(markdown) / 1024:.0f} KiB, "
        f"markdown round trip {'exact' if round_trip else 'DIFFERS'}"
    )
    print(f"{args.repeat} repetitions after {args.warmup} warmup, order rotated each repetition")
    subjects: dict[str, Callable[[], object]] = {
        "baseline": lambda: CaseRecord.model_validate(case.model_dump()),
        "draft": lambda: draft_runbook(case),
        "render": lambda: render_markdown(runbook),
        "parse": lambda: parse_markdown(markdown),
    }
    samples = run_interleaved(subjects, warmup=args.warmup, repeat=args.repeat)
    report(samples, baseline="baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
