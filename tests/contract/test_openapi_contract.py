"""Contract test: every operation of the OpenAPI schema, fuzzed by schemathesis, on SQLite and
on PostgreSQL (the ``settings`` fixture of tests/conftest.py).

The schema is the one the real app serves (``create_app(settings)``, ``/openapi.json``); the
requests go through the same app in process (schemathesis's ASGI transport, which starts the
app's lifespan once). The database holds the demo cases and their runbooks plus one open case,
and path parameters named like the ids the API hands out (``case_id``, ``runbook_id``,
``version``) are, half of the time, ids that exist, so the fuzzer gets past the 404s into the
handlers.

Checks (only these, so that a failure here means one of them):
  * ``not_a_server_error`` -- no 5xx, for any input, valid or not;
  * ``status_code_conformance`` -- every status the API answers is documented for the operation;
  * ``response_schema_conformance`` -- every documented response body matches its schema.

Every operation gets, deterministically:
  * fuzzing: ``MAX_EXAMPLES`` valid and ``MAX_EXAMPLES`` invalid generated requests
    (schemathesis's positive and negative modes; Hypothesis ``derandomize``, no example
    database, no shrinking);
  * coverage: schemathesis's coverage cases (boundary values, each constraint broken in turn,
    unexpected methods), every other one with ids that exist.
Failures do not stop the run: they are grouped by (operation, check, status) with a count and the
first request that showed each, and the test fails with the whole list, so one run tells what
remains to fix. About 4,500 requests per database, ~1 min each on a 2-core machine.

Why not ``@schema.parametrize()``: the schema must come from a fixture (one app per database),
and schemathesis 4.32's ``pytest.from_fixture`` sets ``Node._nodeid``, which pytest 9.2 no longer
has. ``APIOperation.as_strategy`` under Hypothesis's ``@given`` is the documented way for tests
that drive generation themselves; ``BaseSchema.iter_coverage_cases`` is what the schemathesis
runner calls for its coverage phase (not in the documented API: if a 4.x release moves it, this
test fails loudly, it does not skip).

Skip it only on purpose: ``FAULTMAVEN_SKIP_CONTRACT=1``. CI runs it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import hypothesis.strategies as st
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.core import NotSet
from schemathesis.core.result import Ok
from schemathesis.python import asgi

from faultmaven.app import create_app
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseCreate
from faultmaven.config import Settings
from faultmaven.demo.seed import seed_demo
from faultmaven.kit.db import unit_of_work
from faultmaven.kit.pagination import PageRequest
from faultmaven.runbooks import service as runbooks_service

MAX_EXAMPLES = 25  # per operation and generation mode
SEED = 20261128
HEADERS = {"X-FaultMaven-Actor": "contract-test"}

skip_unless_wanted = pytest.mark.skipif(
    os.environ.get("FAULTMAVEN_SKIP_CONTRACT") == "1",
    reason="FAULTMAVEN_SKIP_CONTRACT=1: contract test skipped on purpose",
)

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
        },
    }
)

HYPOTHESIS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],  # nothing fails: no shrinking
    suppress_health_check=list(hypothesis.HealthCheck),
    verbosity=hypothesis.Verbosity.quiet,
)


def _seed(app: FastAPI) -> dict[str, list[Any]]:
    """Demo cases and runbooks plus one open case; returns the values path parameters may take."""
    with unit_of_work(app.state.session_factory) as session:
        seed_demo(session)
        cases_service.create_case(
            session,
            data=CaseCreate(
                title="Checkout API returns 502 after deploy",
                symptoms=["HTTP 502 from the checkout API"],
                services=["checkout-api"],
            ),
            actor="contract-test",
        )
    with unit_of_work(app.state.session_factory) as session:
        runbooks = runbooks_service.list_runbooks(session, page=PageRequest(limit=100)).items
        cases = cases_service.list_cases(session, page=PageRequest(limit=100)).items
    return {
        "runbook_id": sorted(runbook.id for runbook in runbooks),
        "case_id": sorted(case.id for case in cases),
        "version": [1, 2],
    }


@dataclass
class Found:
    operation: str
    check: str  # the failure's title, e.g. "Server error" or "Undocumented status code"
    status: int | None  # None: the app raised instead of answering
    message: str
    example: str  # the first request that showed it
    modes: set[str] = field(default_factory=set)  # positive / negative / coverage
    count: int = 0


def _example(case: schemathesis.Case) -> str:
    parts = {
        "path": case.path_parameters or None,
        "query": case.query or None,
        "headers": {k: v for k, v in (case.headers or {}).items() if k not in HEADERS} or None,
        "body": case.body if not isinstance(case.body, NotSet) else None,
    }
    text = json.dumps({k: v for k, v in parts.items() if v is not None}, default=repr)
    text = f"{case.method.upper()} {case.formatted_path} {text}"
    return text if len(text) <= 400 else text[:400] + "..."


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


class Contract:
    """Sends cases, validates the answers, and keeps the distinct failures."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str, int | None], Found] = {}
        self.requests = 0

    def check(
        self, operation: schemathesis.APIOperation, case: schemathesis.Case, mode: str
    ) -> None:
        self.requests += 1
        try:
            response = case.call(headers=HEADERS)
        except Exception as error:  # noqa: BLE001 - an exception out of the app is a finding
            self.record(operation, case, mode, None, error)
            return
        try:
            case.validate_response(response, headers=HEADERS)
        except (AssertionError, BaseExceptionGroup) as error:
            for failure in _leaves(error):
                self.record(operation, case, mode, response.status_code, failure, response.text)

    def record(
        self,
        operation: schemathesis.APIOperation,
        case: schemathesis.Case,
        mode: str,
        status: int | None,
        error: BaseException,
        answer: str = "",
    ) -> None:
        check = getattr(error, "title", None) or f"Server error (raised {type(error).__name__})"
        message = " ".join((getattr(error, "message", None) or str(error)).split())[:300]
        if status is not None and status >= 500:  # what the app said: which 5xx it was
            message = f"{message}; answered: {' '.join(answer.split())[:300]}"
        item = self.found.setdefault(
            (operation.label, check, status),
            Found(operation.label, check, status, message, _example(case)),
        )
        item.modes.add(mode)
        item.count += 1

    def fuzz(self, operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode) -> None:
        @HYPOTHESIS
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def run(case: schemathesis.Case) -> None:
            self.check(operation, case, mode.value)

        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            # nothing invalid to send (no parameters or body, e.g. GET /health)
            assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label

    def cover(
        self,
        schema: schemathesis.BaseSchema,
        operation: schemathesis.APIOperation,
        known: dict[str, list[Any]],
    ) -> None:
        """Schemathesis's coverage phase: boundary values, each constraint broken in turn,
        unexpected methods; deterministic by construction. Every other case gets ids that exist."""
        cases = schema.iter_coverage_cases(
            operation,
            generation_modes=list(schemathesis.GenerationMode),
            generation_config=schema.config.generation_for(operation=operation),
        )
        for index, case in enumerate(cases):
            if index % 2 and case.path_parameters:
                for name in case.path_parameters:
                    if known.get(name):
                        case.path_parameters[name] = known[name][index // 2 % len(known[name])]
            self.check(operation, case, "coverage")

    def report(self) -> str:
        lines = [
            f"{len(self.found)} distinct contract failures (operation, check, status) "
            f"in {self.requests} requests:"
        ]
        for item in sorted(
            self.found.values(), key=lambda f: (f.operation, f.check, f.status or 0)
        ):
            modes = "/".join(sorted(item.modes))
            lines.append(
                f"- {item.operation}: {item.check} -> {item.status} ({item.count}x, {modes})"
            )
            lines.append(f"    {item.message}")
            lines.append(f"    e.g. {item.example}")
        return "\n".join(lines)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app
    asgi.shutdown_lifespans()  # stops the worker and warm-up threads the transport started
    app.state.engine.dispose()


@skip_unless_wanted
def test_openapi_contract(app: FastAPI) -> None:
    known = _seed(app)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)

    @schema.hook
    def flatmap_path_parameters(
        _context: schemathesis.HookContext, path_parameters: dict[str, Any] | None
    ) -> st.SearchStrategy[dict[str, Any] | None]:
        if not path_parameters:
            return st.just(path_parameters)
        return st.fixed_dictionaries(
            {
                name: st.one_of(st.just(value), st.sampled_from(known[name]))
                if known.get(name)
                else st.just(value)
                for name, value in path_parameters.items()
            }
        )

    contract = Contract()
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"unusable operation in the schema: {result!r}"
        operation = result.ok()
        operations += 1
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            contract.fuzz(operation, mode)
        contract.cover(schema, operation, known)
    assert operations >= 20, f"only {operations} operations in the schema"
    if contract.found:
        pytest.fail(contract.report(), pytrace=False)


def test_harness_reports_each_kind_of_failure() -> None:
    """The harness itself: on a small app that breaks each check once, every break is reported
    (and a correct operation is not), so a green contract test means something."""
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel

    class Thing(BaseModel):
        name: str

    broken = FastAPI()

    @broken.get("/fine", response_model=Thing)
    def fine() -> Thing:
        return Thing(name="ok")

    @broken.get("/server-error", response_model=Thing)
    def server_error() -> JSONResponse:
        return JSONResponse({"error": "boom"}, status_code=500)

    @broken.get("/raises", response_model=Thing)
    def raises() -> Thing:
        raise RuntimeError("boom")

    @broken.get("/undocumented", response_model=Thing)
    def undocumented() -> JSONResponse:
        return JSONResponse({"name": "gone"}, status_code=410)

    @broken.get("/wrong-shape", response_model=None, responses={200: {"model": Thing}})
    def wrong_shape() -> JSONResponse:
        return JSONResponse({"title": 3})

    schema = schemathesis.openapi.from_asgi("/openapi.json", broken, config=CONFIG)
    contract = Contract()
    for result in schema.get_all_operations():
        contract.fuzz(result.ok(), schemathesis.GenerationMode.POSITIVE)
    asgi.shutdown_lifespans()
    seen = {(operation, check, status) for operation, check, status in contract.found}
    assert seen == {
        ("GET /server-error", "Server error", 500),
        ("GET /server-error", "Undocumented status code", 500),
        ("GET /raises", "Server error (raised RuntimeError)", None),
        ("GET /undocumented", "Undocumented status code", 410),
        ("GET /wrong-shape", "Response violates schema", 200),
    }, contract.report()
