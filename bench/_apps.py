"""App factories that ``bench_api_get_runbook.py`` serves with ``uvicorn --factory``.

Configuration comes from the environment, because uvicorn calls the factory without arguments:

* ``faultmaven_app`` -- the real app, ``create_app(Settings())``; ``Settings`` reads
  ``FAULTMAVEN_DATABASE_URL`` and ``FAULTMAVEN_AUTO_MIGRATE`` set by the benchmark.
* ``bare_app`` -- a FastAPI app with one plain ``def`` endpoint returning the dict stored as JSON
  in the file named by ``BENCH_PAYLOAD_FILE`` (the demo runbook's JSON), and nothing else: no
  middleware, dependencies, database or validation models. Its ``-> dict[str, Any]`` annotation
  makes FastAPI serialise with pydantic's JSON fast path, the same path that faultmaven's
  ``response_model=Runbook`` takes, so the comparison is not skewed by ``jsonable_encoder``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from faultmaven.app import create_app
from faultmaven.config import Settings


def faultmaven_app() -> FastAPI:
    return create_app(Settings())


def bare_app() -> FastAPI:
    return make_bare_app(json.loads(Path(os.environ["BENCH_PAYLOAD_FILE"]).read_text()))


def make_bare_app(payload: dict[str, Any]) -> FastAPI:
    app = FastAPI()

    @app.get("/runbooks/{runbook_id}")
    def get_runbook(runbook_id: str) -> dict[str, Any]:
        return payload

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
