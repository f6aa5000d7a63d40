"""The demo cases shipped in faultmaven.demo load, validate and draft useful runbooks."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from pydantic import BaseModel

from faultmaven.cases.schemas import (
    BlastRadiusFinding,
    CaseCreate,
    CaseRecord,
    CaseStatus,
    Hypothesis,
    Message,
    Solution,
    SolutionOutcome,
    TimelineEvent,
    Validation,
)
from faultmaven.demo import DemoCase, load_demo_cases
from faultmaven.runbooks.drafting import draft_runbook, incident_start
from faultmaven.runbooks.schemas import FixOutcome, ResolutionBasis

EXPECTED_SLUGS = ["bad_deploy_rollback", "disk_full", "redis_oom", "tls_cert_expiry"]
DEMOS = load_demo_cases()
ENTRY_MODELS: dict[str, type[BaseModel]] = {
    "blast_radius": BlastRadiusFinding,
    "timeline": TimelineEvent,
    "hypotheses": Hypothesis,
    "validations": Validation,
    "solutions": Solution,
    "messages": Message,
}


def to_record(demo: DemoCase, number: int = 1) -> CaseRecord:
    """The case as the store would keep it: ids on every object entry, resolved."""
    case = demo.case
    assert case.opened_at is not None
    fields: dict[str, Any] = case.model_dump(exclude=set(ENTRY_MODELS))
    for name, model in ENTRY_MODELS.items():
        fields[name] = [
            model(id=f"{name[:3]}_{number:04x}{position:08x}", **entry.model_dump())
            for position, entry in enumerate(getattr(case, name))
        ]
    return CaseRecord(
        **fields,
        id=f"case_{number:012x}",
        status=CaseStatus.resolved,
        created_at=case.opened_at,
        updated_at=demo.resolved_at,
        resolved_at=demo.resolved_at,
    )


def by_slug(slug: str) -> DemoCase:
    return next(demo for demo in DEMOS if demo.slug == slug)


def test_all_demo_cases_load_sorted_by_slug() -> None:
    assert [demo.slug for demo in DEMOS] == EXPECTED_SLUGS
    assert all(isinstance(demo.case, CaseCreate) for demo in DEMOS)


@pytest.mark.parametrize("slug", EXPECTED_SLUGS)
def test_demo_file_validates_as_the_case_record_the_api_accepts(slug: str) -> None:
    text = (resources.files("faultmaven.demo") / f"{slug}.json").read_text(encoding="utf-8")
    data = json.loads(text)

    assert set(data) == {"case", "resolved_at"}
    case = CaseCreate.model_validate(data["case"])
    assert case == by_slug(slug).case
    assert "opened_at" in data["case"]
    assert data["resolved_at"].endswith("Z")


@pytest.mark.parametrize("slug", EXPECTED_SLUGS)
def test_demo_case_has_an_applied_solution_and_a_realistic_resolution_time(slug: str) -> None:
    demo = by_slug(slug)
    case = demo.case

    assert any(s.outcome is SolutionOutcome.applied for s in case.solutions)
    assert case.opened_at is not None
    assert demo.resolved_at > case.opened_at
    minutes = (demo.resolved_at - case.opened_at).total_seconds() / 60
    assert 15 <= minutes <= 180


@pytest.mark.parametrize("slug", EXPECTED_SLUGS)
def test_demo_case_drafts_a_runbook_with_symptoms_root_cause_and_a_fix(slug: str) -> None:
    demo = by_slug(slug)
    record = to_record(demo)

    runbook = draft_runbook(record)

    assert runbook.title == demo.case.title
    assert runbook.symptoms
    assert runbook.causes[0].root_cause.cause
    assert runbook.causes[0].root_cause.evidence
    assert runbook.causes[0].solution.fixes
    assert all(
        f.commands for f in runbook.causes[0].solution.fixes if f.outcome is FixOutcome.applied
    )
    assert runbook.causes[0].solution.validation
    assert runbook.causes[0].solution.tried_and_failed
    assert runbook.diagnosis.timeline and runbook.causes[0].checks
    start = incident_start(record)
    assert start is not None and record.resolved_at is not None
    assert runbook.resolution_time_basis is ResolutionBasis.incident_start
    minutes = (record.resolved_at - start).total_seconds() / 60
    assert runbook.average_resolution_minutes == pytest.approx(minutes)


def test_demo_runbooks_draft_together_with_an_average() -> None:
    records = [to_record(demo, number) for number, demo in enumerate(DEMOS, start=1)]

    runbook = draft_runbook(records[0], related_cases=records[1:])

    expected = sum(
        (r.resolved_at - start).total_seconds() / 60
        for r in records
        if r.resolved_at is not None and (start := incident_start(r)) is not None
    ) / len(records)
    assert runbook.average_resolution_minutes == pytest.approx(expected)


def test_redis_demo_matches_the_seed_example_runbook() -> None:
    demo = by_slug("redis_oom")
    runbook = draft_runbook(to_record(demo))

    assert runbook.title == "Redis Cluster OOM Kills"
    assert runbook.symptoms == [
        "Pods restarting every 5-10 minutes",
        'Error: "connection refused on port 6379"',
        'K8s events: "OOMKilled"',
    ]
    assert runbook.diagnosis.blast_radius[0].check == "kubectl get pods -n production"
    timeline = runbook.diagnosis.timeline
    assert any(
        e.at is not None and e.at.isoformat() == "2025-10-05T14:30:00+00:00" for e in timeline
    )
    assert any("user preference feature" in e.event and e.kind == "deploy" for e in timeline)
    statuses = {h.statement: h.status for h in runbook.diagnosis.hypotheses}
    assert statuses == {
        "Memory leak in Redis": "refuted",
        "Insufficient memory limits": "refuted",
        "Session objects too large": "validated",
    }
    commands = {v.command: v for v in runbook.causes[0].checks}
    assert "2.1Gi / 2Gi" in commands["kubectl top pod redis-0 -n production"].conclusion
    assert "serializedlength:5242880" in commands["redis-cli DEBUG OBJECT session:abc123"].output
    fix = runbook.causes[0].solution.fixes[0]
    assert fix.commands[0].startswith("kubectl patch statefulset redis -n production --patch")
    assert "memory: 8Gi" in fix.commands[0]
    assert fix.commands[1] == "kubectl rollout restart statefulset/redis -n production"
    assert [(f.title, f.outcome) for f in runbook.causes[0].solution.fixes] == [
        ("Increase Redis memory limit", FixOutcome.applied),
        ("Shrink session objects", FixOutcome.proposed),
    ]
    assert runbook.causes[0].solution.rollback
    assert runbook.prevention.monitoring and runbook.prevention.automation
    assert runbook.prevention.process
