"""The section-by-section runbook writer: grounded wording accepted, inventions rejected, commands
kept byte-identical."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from llm_servers import FakeOpenAIServer

from faultmaven.assistant.llm import LLMError
from faultmaven.assistant.llm.openai_provider import OpenAICompatibleProvider
from faultmaven.assistant.llm.runbook_writer import CauseDraft, ProblemSummary, write_runbook
from faultmaven.assistant.prompts import runbook_writer_prompt
from faultmaven.cases.schemas import CaseRecord, Message
from faultmaven.runbooks.drafting import draft_runbook
from faultmaven.runbooks.schemas import Diagnosis, PreventionSection, RunbookContent

OPENED = datetime(2025, 10, 5, 14, 30, tzinfo=UTC)
# The seed's fix, with its odd indentation: it must reach the runbook byte for byte.
PATCH = """kubectl patch statefulset redis -n production --patch '
  spec:
    template:
      spec:
        containers:
        - name: redis
          resources:
            limits:
              memory: 8Gi
'"""
RESTART = "kubectl rollout restart statefulset/redis -n production"


def make_case() -> CaseRecord:
    return CaseRecord.model_validate(
        {
            "id": "case_000000000001",
            "title": "Redis pods OOMKilled in production",
            "description": "Redis pods restart every few minutes; APIs degraded",
            "severity": "critical",
            "affected_systems": ["Redis cluster (3 pods)", "Session management"],
            "services": ["redis"],
            "symptoms": ["Pods restarting every 5-10 minutes", "K8s events: OOMKilled"],
            "blast_radius": [
                {
                    "id": "br_1",
                    "check": "kubectl get pods -n production",
                    "finding": "all 3 redis pods restarting",
                }
            ],
            "timeline": [
                {
                    "id": "ev_1",
                    "at": "2025-10-05T13:50:00Z",
                    "event": "Deployed user preferences",
                    "kind": "deploy",
                },
                {"id": "ev_2", "at": "2025-10-05T14:30:00Z", "event": "Problem started"},
            ],
            "hypotheses": [
                {"id": "hy_1", "statement": "Memory leak in Redis", "status": "refuted"},
                {"id": "hy_2", "statement": "Session objects too large", "status": "validated"},
            ],
            "validations": [
                {
                    "id": "va_1",
                    "description": "Check session size",
                    "command": "redis-cli DEBUG OBJECT session:abc123",
                    "output": "serialized length: 5242880",
                    "conclusion": "5MB per session",
                    "hypothesis": 1,
                }
            ],
            "evidence": ["kubectl top pod redis-0: 2.1Gi / 2Gi"],
            "root_cause": {
                "cause": "Session objects grew from 100KB to 5MB",
                "evidence": ["serialized length: 5242880"],
                "contributing_factors": ["No memory alerting on Redis"],
            },
            "solutions": [
                {
                    "id": "so_1",
                    "title": "Flush the session cache",
                    "commands": ["redis-cli FLUSHDB"],
                    "outcome": "failed",
                },
                {
                    "id": "so_2",
                    "title": "Increase Redis memory limit",
                    "commands": [PATCH, RESTART],
                    "outcome": "applied",
                    "duration": "10 mins",
                    "validation": ["kubectl top pod redis-0 -n production"],
                    "rollback": ["kubectl rollout undo statefulset/redis -n production"],
                },
            ],
            "prevention": {"monitoring": ["Alert when Redis memory > 80% of limit"]},
            "opened_at": OPENED,
            "created_at": OPENED,
            "updated_at": OPENED,
            "resolved_at": OPENED + timedelta(minutes=15),
            "status": "resolved",
        }
    )


def grounded_answers(draft: RunbookContent) -> list[dict[str, Any]]:
    """What a well-behaved LLM returns for each part (summary, diagnosis, each cause,
    prevention): better words, same facts."""
    diagnosis = draft.diagnosis.model_dump(mode="json")
    diagnosis["blast_radius"][0]["finding"] = "All 3 Redis pods were restarting."
    cause = draft.causes[0].model_dump(mode="json", include={"checks", "root_cause", "solution"})
    cause["checks"][0]["conclusion"] = "Each session takes 5MB."
    solution = cause["solution"]
    solution["fixes"][0]["steps"] = [
        "Raise the memory limit with `kubectl patch statefulset redis -n production`.",
        f"Restart the pods: {RESTART}.",
    ]
    solution["rollback"] = ["Undo with `kubectl rollout undo statefulset/redis -n production`."]
    cause["root_cause"] = {
        "cause": "Session objects grew from 100KB to 5MB after the user preferences deploy.",
        "evidence": ["`redis-cli DEBUG OBJECT session:abc123` showed serialized length: 5242880"],
        "contributing_factors": ["No alert on Redis memory"],
    }
    return [
        {
            "title": "Redis Cluster OOM Kills",
            "summary": "Redis pods in production restart every few minutes (OOMKilled) "
            "because session objects grew to 5MB; APIs depending on Redis degrade.",
            "symptoms": draft.symptoms,
            "affected_systems": draft.affected_systems,
        },
        diagnosis,
        cause,
        {"monitoring": ["Alert when Redis memory exceeds 80% of its limit."]},
    ]


SUMMARY, DIAGNOSIS, CAUSE, PREVENTION = range(4)  # the parts of grounded_answers


@pytest.fixture
def case() -> CaseRecord:
    return make_case()


@pytest.fixture
def draft(case: CaseRecord) -> RunbookContent:
    return draft_runbook(case)


# ---- accepted ---------------------------------------------------------------------------------


def test_grounded_wording_is_accepted(case, draft, scripted) -> None:
    provider = scripted(grounded_answers(draft))

    runbook = write_runbook(provider, case, draft)

    assert runbook.title == "Redis Cluster OOM Kills"
    assert "5MB" in runbook.summary
    assert runbook.diagnosis.blast_radius[0].finding == "All 3 Redis pods were restarting."
    assert runbook.causes[0].root_cause.contributing_factors == ["No alert on Redis memory"]
    assert runbook.prevention.monitoring == ["Alert when Redis memory exceeds 80% of its limit."]
    # Facts the LLM was not asked about stay as drafted.
    assert runbook.severity == draft.severity
    assert runbook.average_resolution_minutes == draft.average_resolution_minutes == 15


def test_one_call_per_section_with_its_schema_and_prompt(case, draft, scripted) -> None:
    provider = scripted(grounded_answers(draft))

    write_runbook(provider, case, draft)

    assert [call["schema"] for call in provider.calls] == [
        ProblemSummary,
        Diagnosis,
        CauseDraft,
        PreventionSection,
    ]
    keys = ["summary", "diagnosis", "cause", "prevention"]
    assert [call["system"] for call in provider.calls] == [runbook_writer_prompt(k) for k in keys]
    request = provider.calls[CAUSE]["messages"][0].content
    assert "Case record (JSON)" in request and "Drafted section (JSON)" in request
    assert "Known cause 1 of 1" in request
    assert "redis-cli FLUSHDB" in request  # the failed attempt is part of the draft sent


def test_commands_stay_byte_identical_whatever_the_llm_writes(case, draft, scripted) -> None:
    answers = grounded_answers(draft)
    solution = answers[CAUSE]["solution"]
    solution["fixes"][0]["commands"] = ["kubectl patch statefulset redis --patch-file x.yaml"]
    solution["fixes"][0]["duration"] = "2 mins"
    solution["tried_and_failed"][0]["commands"] = ["redis-cli FLUSHALL"]
    answers[CAUSE]["checks"][0]["command"] = "redis-cli DEBUG OBJECT session:xyz"
    answers[CAUSE]["checks"][0]["output"] = "serialized length: 1"
    answers[DIAGNOSIS]["hypotheses"][0]["status"] = "validated"
    answers[DIAGNOSIS]["timeline"][0]["at"] = "2030-01-01T00:00:00Z"

    runbook = write_runbook(scripted(answers), case, draft)

    fix = runbook.causes[0].solution.fixes[0]
    assert fix.commands == [PATCH, RESTART]
    assert fix.commands[0].encode() == PATCH.encode()
    assert fix.duration == "10 mins"
    assert runbook.causes[0].solution.tried_and_failed[0].commands == ["redis-cli FLUSHDB"]
    assert runbook.causes[0].checks[0].command == "redis-cli DEBUG OBJECT session:abc123"
    assert runbook.causes[0].checks[0].output == "serialized length: 5242880"
    assert runbook.diagnosis.hypotheses[0].status.value == "refuted"
    assert runbook.diagnosis.timeline == draft.diagnosis.timeline


# ---- rejected ---------------------------------------------------------------------------------


def ungrounded(case, draft, scripted, section: int, change) -> LLMError:
    answers = grounded_answers(draft)
    change(answers[section])
    provider = scripted(answers)
    with pytest.raises(LLMError) as caught:
        write_runbook(provider, case, draft)
    assert caught.value.code == "LLM_UNGROUNDED"
    assert caught.value.status_code == 502
    assert len(provider.calls) == section + 1  # stops at the first bad section
    return caught.value


def test_invented_command_is_rejected(case, draft, scripted) -> None:
    def change(cause):
        cause["solution"]["rollback"] = ["kubectl delete pod redis-0 -n production"]

    error = ungrounded(case, draft, scripted, CAUSE, change)

    assert "command 'kubectl delete pod redis-0 -n production'" in error.message
    assert "causes[0].solution.rollback[0]" in error.message
    assert error.details[0] == {
        "kind": "command",
        "item": "kubectl delete pod redis-0 -n production",
        "field": "causes[0].solution.rollback[0]",
    }


def test_invented_command_in_backticks_is_rejected(case, draft, scripted) -> None:
    def change(cause):
        steps = cause["solution"]["fixes"][0]["steps"]
        steps.append("Then run `redis-cli CONFIG SET maxmemory-policy x`.")

    error = ungrounded(case, draft, scripted, CAUSE, change)

    assert "redis-cli CONFIG SET maxmemory-policy x" in error.message


def test_invented_version_is_rejected(case, draft, scripted) -> None:
    def change(cause):
        cause["root_cause"]["contributing_factors"].append("Redis 7.0.11 has no session eviction")

    error = ungrounded(case, draft, scripted, CAUSE, change)

    assert "version '7.0.11'" in error.message


def test_invented_number_with_unit_is_rejected(case, draft, scripted) -> None:
    def change(summary):
        summary["summary"] = "Redis needed 16Gi of memory instead of 2Gi."

    error = ungrounded(case, draft, scripted, SUMMARY, change)

    assert "number '16 gb'" in error.message
    assert "summary.summary" in error.message


def test_invented_bare_number_is_rejected(case, draft, scripted) -> None:
    def change(prevention):
        prevention["process"] = ["Load test with 4000 concurrent sessions"]

    error = ungrounded(case, draft, scripted, PREVENTION, change)

    assert "'4000'" in error.message


def test_a_command_only_the_assistant_suggested_is_not_grounded(draft, scripted) -> None:
    case = make_case()
    case = case.model_copy(
        update={
            "messages": [
                Message(id="m1", role="user", content="Pods keep restarting"),
                Message(id="m2", role="assistant", content="Try `redis-cli MEMORY DOCTOR`"),
                Message(id="m3", role="user", content="`redis-cli INFO memory` says 2Gi used"),
            ]
        }
    )

    def change(cause):
        validation = ["Run `redis-cli INFO memory`", "Run `redis-cli MEMORY DOCTOR`"]
        cause["solution"]["validation"] = validation

    error = ungrounded(case, draft, scripted, CAUSE, change)

    assert [d["item"] for d in error.details if d["kind"] == "command"] == [
        "redis-cli MEMORY DOCTOR"
    ]


def test_an_invented_fix_is_rejected(case, draft, scripted) -> None:
    def change(cause):
        fixes = cause["solution"]["fixes"]
        fixes.append(copy.deepcopy(fixes[0]) | {"title": "Another fix"})

    error = ungrounded(case, draft, scripted, CAUSE, change)

    assert "solution.fixes" in error.message and "2 entries" in error.message


def test_provider_errors_propagate(case, draft, scripted) -> None:
    provider = scripted([{"title": ""}])  # fails ProblemSummary validation

    with pytest.raises(Exception, match="title"):
        write_runbook(provider, case, draft)


# ---- through a real provider ------------------------------------------------------------------


def test_write_runbook_through_the_openai_provider(
    case, draft, openai_server: FakeOpenAIServer
) -> None:
    answers = grounded_answers(draft)
    answers[CAUSE]["solution"]["fixes"][0]["commands"] = ["kubectl apply -f something-else.yaml"]
    openai_server.script(*(FakeOpenAIServer.turn(answer) for answer in answers))
    provider = OpenAICompatibleProvider(
        model="fake-model", base_url=openai_server.base_url, api_key="k", max_retries=0
    )

    runbook = write_runbook(provider, case, draft)

    assert runbook.title == "Redis Cluster OOM Kills"
    assert runbook.causes[0].solution.fixes[0].commands == [PATCH, RESTART]
    assert len(openai_server.requests) == 4
    assert openai_server.pending() == 0
