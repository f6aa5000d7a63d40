"""Where the time of one ``GET /api/v1/runbooks/{id}`` goes, without HTTP in the way.

Companion to ``bench_api_get_runbook.py``. The ASGI apps (the real one on a seeded SQLite file,
and the bare one) are called directly from an asyncio loop, one request at a time:

1. **Per request, in process** -- bare, faultmaven JSON and faultmaven markdown, each with
   FastAPI's threadpool as usual and with the threadpool replaced by an inline call, so the
   difference is the cost of the thread hops (FastAPI makes one per sync dependency enter/exit,
   sync endpoint and sync response validation).
2. **Stages, called directly** -- the database read in its own unit of work, building the
   ``Runbook`` model from the row, serialising it, rendering markdown.
3. **cProfile** of the inline faultmaven JSON request (inline, so that one thread holds all the
   work), summed per package and the top functions by own time.

Subjects are interleaved (rotated per repetition), medians reported. Nothing is asserted.

Run: ``.venv/bin/python bench/profile_get_runbook.py`` (``--repeat`` to change the count).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from pydantic import TypeAdapter

from faultmaven.app import create_app
from faultmaven.config import Settings
from faultmaven.kit.db import unit_of_work
from faultmaven.runbooks import repository
from faultmaven.runbooks.markdown import render_markdown
from faultmaven.runbooks.schemas import Runbook
from faultmaven.runbooks.service import _to_runbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _apps import make_bare_app  # noqa: E402
from bench_api_get_runbook import seed  # noqa: E402

# ---- calling an ASGI app directly ------------------------------------------------------------


async def asgi_get(app: FastAPI, path: str, query: str = "") -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    status = 0
    body: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(body)


async def _inline_run_sync(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


@contextlib.contextmanager
def inline_threadpool() -> Iterator[None]:
    """Run FastAPI's "threadpool" work on the event loop thread (both starlette's
    ``run_in_threadpool`` and FastAPI's ``contextmanager_in_threadpool`` look the function up
    on ``anyio.to_thread`` at call time)."""
    original = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = _inline_run_sync  # type: ignore[assignment]
    try:
        yield
    finally:
        anyio.to_thread.run_sync = original  # type: ignore[assignment]


# ---- timing ----------------------------------------------------------------------------------

Subject = Callable[[], Awaitable[object]]


async def interleaved(subjects: dict[str, Subject], repeat: int, warmup: int) -> dict[str, float]:
    """Median microseconds per call of each subject."""
    names = list(subjects)
    samples: dict[str, list[int]] = {name: [] for name in names}
    for rep in range(warmup + repeat):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter_ns()
            await subjects[name]()
            if rep >= warmup:
                samples[name].append(time.perf_counter_ns() - start)
    return {name: statistics.median(values) / 1e3 for name, values in samples.items()}


def _request(app: FastAPI, path: str, query: str = "", inline: bool = False) -> Subject:
    async def call() -> object:
        with inline_threadpool() if inline else contextlib.nullcontext():
            status, body = await asgi_get(app, path, query)
        if status != 200:
            raise RuntimeError(f"GET {path}?{query} answered {status}")
        return body

    return call


def _sync(fn: Callable[[], object]) -> Subject:
    async def call() -> object:
        return fn()

    return call


def stage_subjects(fm: FastAPI, runbook_id: str) -> dict[str, Subject]:
    factory = fm.state.session_factory
    with unit_of_work(factory) as session:
        row = repository.get(session, runbook_id)
        assert row is not None
        runbook = _to_runbook(row)
    adapter = TypeAdapter(Runbook)  # what FastAPI's response field does

    def db_read() -> object:
        with unit_of_work(factory) as session:
            return repository.get(session, runbook_id)

    return {
        "db: unit of work + get row": _sync(db_read),
        "Runbook.model_validate(row)": _sync(lambda: _to_runbook(row)),
        "response validate+dump_json": _sync(
            lambda: adapter.dump_json(adapter.validate_python(runbook))
        ),
        "render_markdown": _sync(
            lambda: render_markdown(
                runbook, created=runbook.created_at.date(), last_updated=runbook.updated_at.date()
            )
        ),
    }


# ---- profile ---------------------------------------------------------------------------------

PACKAGES = (
    "faultmaven",
    "sqlalchemy",
    "pydantic",
    "fastapi",
    "starlette",
    "anyio",
    "asyncio",
    "sqlite3",
    "json",
)


# (label, file suffix, function): subtrees of one request worth knowing about
INCLUSIVE = (
    ("whole request (ASGI app)", "fastapi/applications.py", "__call__"),
    ("route matching (fastapi routing _match)", "fastapi/routing.py", "_match"),
    ("dependencies (solve_dependencies)", "fastapi/dependencies/utils.py", "solve_dependencies"),
    ("session dependency, enter + exit", "faultmaven/api/deps.py", "_session"),
    ("endpoint get_runbook", "faultmaven/api/runbooks.py", "get_runbook"),
    ("  Session.get (SQL + ORM load + JSON decode)", "sqlalchemy/orm/session.py", "_get_impl"),
    ("  _to_runbook (Runbook.model_validate)", "faultmaven/runbooks/service.py", "_to_runbook"),
    ("response validate + dump_json", "fastapi/routing.py", "serialize_response"),
)


def _package(filename: str) -> str:
    for package in PACKAGES:
        if f"/{package}/" in filename:
            return package
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    return "other"


def profile(loop: asyncio.AbstractEventLoop, call: Subject, repeat: int, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        loop.run_until_complete(call())
    profiler.disable()
    stats = pstats.Stats(profiler)
    per_package: dict[str, float] = defaultdict(float)
    total = 0.0
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in entries:
        per_package[_package(filename)] += tottime
        total += tottime
    print(f"\nown time per package, {repeat} inline faultmaven JSON requests (cProfile)")
    for package, seconds in sorted(per_package.items(), key=lambda kv: -kv[1]):
        share, micros = seconds / total, seconds / repeat * 1e6
        print(f"  {package:<14} {share:6.1%}  {micros:8.0f} us/request (profiled)")
    print("\ninclusive time of the main steps (profiled us: cProfile inflates call-heavy code)")
    for label, suffix, function in INCLUSIVE:
        cumulative = max(
            (
                ct
                for (f, _l, n), (_c, _n, _t, ct, _) in entries
                if f.endswith(suffix) and n == function
            ),
            default=0.0,
        )
        print(f"  {label:<44} {cumulative / repeat * 1e6:8.0f} us/request")
    print(f"\ntop {top} functions by own time")
    stats.sort_stats("tottime").print_stats(top)


# ---- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=300, help="timed calls per subject")
    parser.add_argument("--warmup", type=int, default=30, help="untimed calls per subject first")
    parser.add_argument("--top", type=int, default=15, help="functions listed by the profile")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fm-profile-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'faultmaven.db'}"
        runbook_id = seed(url)
        fm = create_app(Settings(data_dir=Path(tmp), database_url=url, auto_migrate=False))
        path = f"/api/v1/runbooks/{runbook_id}"
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        status, payload = loop.run_until_complete(asgi_get(fm, path))
        assert status == 200
        bare = make_bare_app(json.loads(payload))
        requests = {
            "bare (threadpool)": _request(bare, "/runbooks/x"),
            "bare (inline)": _request(bare, "/runbooks/x", inline=True),
            "fm json (threadpool)": _request(fm, path),
            "fm json (inline)": _request(fm, path, inline=True),
            "fm markdown (threadpool)": _request(fm, path, "format=markdown"),
            "fm markdown (inline)": _request(fm, path, "format=markdown", inline=True),
        }
        print(f"payload {len(payload)} bytes; medians of {args.repeat} calls, in process")
        print("\nper request (no HTTP server, one at a time)")
        medians = loop.run_until_complete(interleaved(requests, args.repeat, args.warmup))
        for name, micros in medians.items():
            print(f"  {name:<28} {micros:8.0f} us")
        print("\nstages of the faultmaven request, called directly")
        stages = stage_subjects(fm, runbook_id)
        for name, micros in loop.run_until_complete(
            interleaved(stages, args.repeat, args.warmup)
        ).items():
            print(f"  {name:<28} {micros:8.0f} us")
        profile(loop, requests["fm json (inline)"], args.repeat, args.top)
        loop.close()
        fm.state.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
