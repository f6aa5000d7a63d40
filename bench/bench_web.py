"""Benchmark: the runbook page's server time against ``GET /api/v1/runbooks/{id}`` for the same
runbook, in the same run, on the same server; and every page's transfer size without images.

The server is the real app (``create_app`` served by ``uvicorn --factory``, one worker, as
``bench_api_get_runbook.py`` serves it; its helpers are reused) on SQLite (and PostgreSQL with
``--postgres``), seeded by playing the demo cases (open, resolve, accept the runbook offer).

* **Server time**: rounds of batches (keep-alive connections, the target order rotated every
  round) of ``GET /runbooks/{id}`` (the page: read, render markdown, sanitise, template) and
  ``GET /api/v1/runbooks/{id}`` (JSON). Per round: the page's server CPU per request over the
  API's (from /proc: steadier than wall time on a shared machine), and its p50 latency over the
  API's. The ratios printed are medians over rounds. Target: <= 2.
* **Transfer size**: each page's HTML plus the stylesheets and scripts it links (as the browser
  fetches them, uncompressed: the server does not compress), images (the favicon) left out.
  Target: <= 150 KB per page.

No timing is asserted. Run: ``PYTHONPATH=src .venv/bin/python bench/bench_web.py`` with the
options of ``bench_api_get_runbook.py`` (``--quick`` for a ~20 s run, ``--postgres [URL]`` to
add PostgreSQL, ``--requests --rounds --concurrency --warmup --max-seconds``).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_api_get_runbook import (
    HOST,
    Batch,
    Target,
    _faultmaven_server,
    _get,
    measure,
    parse_args,
    postgres_schema,
)

from faultmaven.config import Settings
from faultmaven.demo import load_demo_cases
from faultmaven.demo.seed import play_demo_case
from faultmaven.kit.db import make_engine, unit_of_work
from faultmaven.migrations import upgrade
from faultmaven.runbooks.schemas import Runbook
from faultmaven.search.service import session_factory_for
from faultmaven.web.rendering import markdown_html
from faultmaven.web.runbooks import page_markdown

TARGET_RATIO = 2.0
TARGET_KB = 150.0
_ASSETS = re.compile(r'<(?:link rel="stylesheet" href|script src)="(/[^"]+)"')


def seed(url: str, data_dir: Path) -> str:
    """Migrate ``url``, play every demo case (as the server's sessions are made: the search
    runtime rides on them) and return the id of the Redis demo's runbook."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        factory = session_factory_for(engine, Settings(database_url=url, data_dir=data_dir))
        made = {}
        with unit_of_work(factory) as session:
            for demo in load_demo_cases():
                made[demo.slug] = play_demo_case(session, demo).id
    finally:
        engine.dispose()
    return made["redis_oom"]


def _post(port: int, path: str, fields: dict[str, str], cookies: str) -> int:
    from urllib.parse import urlencode

    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        body = urlencode(fields)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies}
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def make_history(port: int, runbook_id: str) -> None:
    """A second version (through the edit form), so the history page has a diff to show."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", f"/runbooks/{runbook_id}/edit")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = (response.getheader("set-cookie") or "").split(";")[0]
    connection.close()
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    text = re.search(r'<textarea id="markdown" name="markdown"[^>]*>(.*?)</textarea>', page, re.S)
    version = re.search(r'name="version" value="(\d+)"', page)
    assert token and text and version, "the edit page lacks its form"
    import html

    markdown = html.unescape(text.group(1)).replace(
        "## Problem Summary", "## Problem Summary\n\nEdited for the benchmark.", 1
    )
    status = _post(
        port,
        f"/runbooks/{runbook_id}/edit",
        {"csrf_token": token.group(1), "markdown": markdown, "version": version.group(1)},
        cookie,
    )
    assert status == 303, f"saving the edit answered {status}"


def transfer_sizes(port: int, pages: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Page name -> (HTML bytes, HTML + linked CSS and JS bytes)."""
    sizes = {}
    for name, path in pages.items():
        status, body = _get(port, path)
        if status not in (200, 404):
            raise RuntimeError(f"GET {path} answered {status}")
        total = len(body)
        for asset in _ASSETS.findall(body.decode()):
            asset_status, asset_body = _get(port, asset.replace("&amp;", "&"))
            assert asset_status == 200, asset
            total += len(asset_body)
        sizes[name] = (len(body), total)
    return sizes


def _cpu_us(batch: Batch) -> float | None:
    return batch.server_cpu_s / batch.requests * 1e6 if batch.server_cpu_s else None


def _p50_ms(batch: Batch) -> float:
    return statistics.median(batch.latencies_ns) / 1e6


def first_view_ms(port: int, runbook_id: str, repeat: int = 20) -> float:
    """What the first view of a version adds (a miss of the page's markdown cache): markdown-it
    and nh3 on this runbook's markdown, timed in this process (median of ``repeat``)."""
    status, body = _get(port, f"/api/v1/runbooks/{runbook_id}")
    assert status == 200
    markdown = page_markdown(Runbook.model_validate_json(body))
    times = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        markdown_html(markdown)
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times) / 1e6


def report_time(label: str, results: dict[str, list[Batch]], first_view: float) -> None:
    page, api = results[f"{label} page"], results[f"{label} api json"]
    cpu = [
        a / b
        for a, b in ((_cpu_us(p), _cpu_us(q)) for p, q in zip(page, api, strict=True))
        if a and b
    ]
    p50 = [_p50_ms(p) / _p50_ms(q) for p, q in zip(page, api, strict=True)]
    print(f"\n{label}: runbook page vs GET /api/v1/runbooks/{{id}} (medians over rounds)")
    print(f"{'target':<12} {'req/s':>6} {'p50 ms':>7} {'srv CPU us/req':>14}")
    for name, batches in ((f"{label} page", page), (f"{label} api json", api)):
        cpu_values = [v for v in (_cpu_us(b) for b in batches) if v]
        print(
            f"{name.removeprefix(label + ' '):<12} "
            f"{statistics.median(b.rate for b in batches):>6.0f} "
            f"{statistics.median(_p50_ms(b) for b in batches):>7.2f} "
            f"{(statistics.median(cpu_values) if cpu_values else float('nan')):>14.0f}"
        )
    cpu_ratio = statistics.median(cpu) if cpu else float("nan")
    p50_ratio = statistics.median(p50)
    verdict = "ok" if max(cpu_ratio, p50_ratio) <= TARGET_RATIO else "OVER TARGET"
    print(
        f"ratio page/api: server CPU {cpu_ratio:.2f}, p50 latency {p50_ratio:.2f} "
        f"(target <= {TARGET_RATIO:g}): {verdict}"
    )
    api_p50 = statistics.median(_p50_ms(b) for b in api)
    print(
        f"first view of a version (markdown cache miss) adds {first_view:.1f} ms "
        f"= {first_view / api_p50:.1f} x the API GET's p50"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"python {platform.python_version()}, nproc {os.cpu_count()}, {args.rounds} rounds x "
        f"{args.requests} requests, concurrency {args.concurrency}"
    )
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="fm-bench-web-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        databases = {"sqlite": f"sqlite:///{workdir / 'faultmaven.db'}"}
        if args.postgres:
            databases["postgres"] = stack.enter_context(postgres_schema(args.postgres))
        for label, url in databases.items():
            runbook_id = seed(url, workdir)
            server = _faultmaven_server(f"faultmaven-{label}", url, workdir)
            server.start()
            stack.callback(server.stop)
            make_history(server.port, runbook_id)
            pages = {
                "library": "/",
                "library, search": "/?q=redis+memory",
                "results fragment": "/library/results?q=redis+memory",
                "runbook": f"/runbooks/{runbook_id}",
                "history (diff v1-v2)": f"/runbooks/{runbook_id}/history",
                "edit": f"/runbooks/{runbook_id}/edit",
                "404": "/runbooks/rb_000000000000",
            }
            print(f"\n{label}: transfer size per page (HTML + CSS + JS, no images)")
            for name, (html, total) in transfer_sizes(server.port, pages).items():
                flag = "ok" if total / 1000 <= TARGET_KB else "OVER TARGET"
                print(
                    f"  {name:<22} HTML {html / 1000:6.1f} KB, total {total / 1000:6.1f} KB {flag}"
                )
            targets = [
                Target(f"{label} page", server, f"/runbooks/{runbook_id}"),
                Target(f"{label} api json", server, f"/api/v1/runbooks/{runbook_id}"),
            ]
            results = measure(targets, args)
            report_time(label, results, first_view_ms(server.port, runbook_id))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
