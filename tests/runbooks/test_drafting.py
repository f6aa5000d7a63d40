"""draft_runbook: a pure, deterministic mapping from a case record to runbook content."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from faultmaven.cases.schemas import (
    BlastRadiusFinding,
    CaseRecord,
    Hypothesis,
    HypothesisStatus,
    Prevention,
    RootCause,
    Severity,
    Solution,
    SolutionKind,
    SolutionOutcome,
    TimelineEvent,
    TimelineKind,
    Validation,
)
from faultmaven.runbooks.drafting import average_resolution_minutes, draft_runbook, resolution_time
from faultmaven.runbooks.schemas import FixOutcome, ResolutionBasis, RunbookContent

OPENED = datetime(2025, 10, 5, 14, 30, tzinfo=UTC)

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
TOP_OUTPUT = "NAME      CPU(cores)   MEMORY(bytes)\nredis-0   212m         2150Mi"


def make_case(
    *, case_id: str = "case_000000000001", resolved_after: float | None = None, **fields: Any
) -> CaseRecord:
    return CaseRecord(
        id=case_id,
        title=fields.pop("title", "Redis Cluster OOM Kills"),
        opened_at=OPENED,
        created_at=OPENED,
        updated_at=OPENED,
        resolved_at=None if resolved_after is None else OPENED + timedelta(minutes=resolved_after),
        **fields,
    )


def solution(
    n: int, outcome: SolutionOutcome, kind: SolutionKind = SolutionKind.immediate, **fields: Any
) -> Solution:
    fields.setdefault("title", f"solution {n}")
    return Solution(id=f"sol_{n:012x}", outcome=outcome, kind=kind, **fields)


def full_case() -> CaseRecord:
    return make_case(
        description="Redis pods repeatedly restart with OOM kills in production.",
        severity=Severity.critical,
        affected_systems=["Redis cluster (3 pods)", "Session management"],
        services=["redis"],
        symptoms=["Pods restarting every 5-10 minutes", 'K8s events: "OOMKilled"'],
        blast_radius=[
            BlastRadiusFinding(
                id="br_1", check="kubectl get pods -n production", finding="3 pods restarting"
            )
        ],
        timeline=[
            TimelineEvent(id="t_2", at=OPENED, event="Problem started", kind=TimelineKind.alert),
            TimelineEvent(
                id="t_1",
                at=OPENED - timedelta(minutes=30),
                event="Deployed user preference feature",
                kind=TimelineKind.deploy,
            ),
        ],
        hypotheses=[
            Hypothesis(
                id="h_0",
                statement="Memory leak in Redis",
                status=HypothesisStatus.refuted,
                evidence=["mem_fragmentation_ratio:1.04"],
            ),
            Hypothesis(
                id="h_1",
                statement="Session objects too large",
                status=HypothesisStatus.validated,
                evidence=["serializedlength:5242880"],
            ),
        ],
        validations=[
            Validation(
                id="v_0",
                description="Check memory usage",
                command="kubectl top pod redis-0 -n production",
                output=TOP_OUTPUT,
                conclusion="2.1Gi / 2Gi",
                hypothesis=1,
            )
        ],
        evidence=[
            "kubectl top: 2.1Gi / 2Gi",
            "mem_fragmentation_ratio:1.04",
            "Session objects grew after the deploy",
        ],
        root_cause=RootCause(
            cause="Session objects grew from 100KB to 5MB",
            evidence=["Session objects grew after the deploy"],
            contributing_factors=["No TTL on session keys"],
        ),
        solutions=[
            solution(
                1,
                SolutionOutcome.failed,
                title="Restart pods only",
                commands=["kubectl delete pod redis-0 -n production"],
                validation=["failed validation"],
                rollback=["failed rollback"],
            ),
            solution(
                2,
                SolutionOutcome.applied,
                title="Increase Redis memory limit",
                duration="10 mins",
                steps=["Raise the limit", "Restart"],
                commands=[PATCH, "kubectl rollout restart statefulset/redis -n production"],
                validation=["kubectl get pods -n production -w", "kubectl top pod redis-0"],
                rollback=["kubectl rollout undo statefulset/redis -n production"],
            ),
            solution(
                3,
                SolutionOutcome.proposed,
                SolutionKind.long_term,
                title="Compress session fields",
                commands=["echo proposed"],
                validation=["proposed validation"],
            ),
            solution(
                4,
                SolutionOutcome.applied,
                SolutionKind.long_term,
                title="Add TTL to session keys",
                commands=["redis-cli CONFIG SET maxmemory-policy volatile-lru"],
                validation=["kubectl top pod redis-0", "redis-cli TTL session:abc123"],
                rollback=["redis-cli CONFIG SET maxmemory-policy noeviction"],
            ),
        ],
        prevention=Prevention(
            monitoring=["Alert RedisMemoryHigh"],
            automation=["Measure session size in staging"],
            process=["Memory impact review"],
        ),
        resolved_after=15,
    )


def test_problem_summary_is_copied_from_the_case() -> None:
    runbook = draft_runbook(full_case())

    assert isinstance(runbook, RunbookContent)
    assert runbook.title == "Redis Cluster OOM Kills"
    assert runbook.summary == "Redis pods repeatedly restart with OOM kills in production."
    assert runbook.severity is Severity.critical
    assert runbook.symptoms == ["Pods restarting every 5-10 minutes", 'K8s events: "OOMKilled"']
    assert runbook.affected_systems == ["Redis cluster (3 pods)", "Session management"]
    assert runbook.diagnosis.blast_radius[0].check == "kubectl get pods -n production"
    assert runbook.diagnosis.blast_radius[0].finding == "3 pods restarting"
    assert runbook.prevention.monitoring == ["Alert RedisMemoryHigh"]
    assert runbook.prevention.automation == ["Measure session size in staging"]
    assert runbook.prevention.process == ["Memory impact review"]


def test_applied_fixes_come_first_and_proposed_ones_are_kept_labelled() -> None:
    solution_section = draft_runbook(full_case()).causes[0].solution

    assert [(fix.title, fix.outcome) for fix in solution_section.fixes] == [
        ("Increase Redis memory limit", FixOutcome.applied),
        ("Add TTL to session keys", FixOutcome.applied),
        ("Compress session fields", FixOutcome.proposed),
    ]
    first = solution_section.fixes[0]
    assert first.kind is SolutionKind.immediate
    assert first.duration == "10 mins"
    assert first.steps == ["Raise the limit", "Restart"]
    assert solution_section.fixes[1].kind is SolutionKind.long_term


def test_failed_solutions_are_tried_and_failed_never_fixes() -> None:
    solution_section = draft_runbook(full_case()).causes[0].solution

    assert [(f.title, f.commands) for f in solution_section.tried_and_failed] == [
        ("Restart pods only", ["kubectl delete pod redis-0 -n production"])
    ]
    fix_titles = {fix.title for fix in solution_section.fixes}
    fix_commands = {command for fix in solution_section.fixes for command in fix.commands}
    assert "Restart pods only" not in fix_titles
    assert "kubectl delete pod redis-0 -n production" not in fix_commands
    assert "failed validation" not in solution_section.validation
    assert "failed rollback" not in solution_section.rollback


def test_proposed_solutions_are_fixes_labelled_proposed_without_their_verification() -> None:
    runbook = draft_runbook(full_case())
    proposed = [f for f in runbook.causes[0].solution.fixes if f.outcome is FixOutcome.proposed]

    assert [(f.title, f.commands) for f in proposed] == [
        ("Compress session fields", ["echo proposed"])
    ]
    assert "proposed validation" not in runbook.model_dump_json()


def test_unverified_solutions_are_fixes_labelled_unverified() -> None:
    case = make_case(
        solutions=[
            solution(1, SolutionOutcome.proposed, kind=SolutionKind.long_term),
            solution(2, SolutionOutcome.unverified, validation=["check it"]),
            solution(3, SolutionOutcome.applied),
        ]
    )
    fixes = draft_runbook(case).causes[0].solution

    assert [(f.title, f.outcome) for f in fixes.fixes] == [
        ("solution 3", FixOutcome.applied),
        ("solution 2", FixOutcome.unverified),
        ("solution 1", FixOutcome.proposed),
    ]
    assert fixes.validation == ["check it"]


def test_failed_attempts_keep_steps_commands_and_why() -> None:
    case = make_case(
        solutions=[
            solution(
                1,
                SolutionOutcome.failed,
                steps=["scale out"],
                commands=["kubectl scale deploy/api --replicas=12"],
                why_failed="errors were in every request, not load",
            )
        ]
    )
    (attempt,) = draft_runbook(case).causes[0].solution.tried_and_failed

    assert attempt.steps == ["scale out"]
    assert attempt.commands == ["kubectl scale deploy/api --replicas=12"]
    assert attempt.why_failed == "errors were in every request, not load"


def test_near_duplicate_lines_are_folded_keeping_the_first_wording() -> None:
    case = make_case(
        evidence=[
            "Pods OOMKilled at 14:30",
            "pods oomkilled at 14:30.",
            "`Pods  OOMKilled` at 14:30",
        ]
    )
    case = case.model_copy(update={"root_cause": RootCause(cause="c")})

    assert draft_runbook(case).causes[0].root_cause.evidence == ["Pods OOMKilled at 14:30"]


def test_validation_and_rollback_are_the_ordered_union_of_applied_solutions() -> None:
    solution_section = draft_runbook(full_case()).causes[0].solution

    assert solution_section.validation == [
        "kubectl get pods -n production -w",
        "kubectl top pod redis-0",
        "redis-cli TTL session:abc123",
    ]
    assert solution_section.rollback == [
        "kubectl rollout undo statefulset/redis -n production",
        "redis-cli CONFIG SET maxmemory-policy noeviction",
    ]


def test_commands_and_outputs_are_preserved_exactly() -> None:
    runbook = draft_runbook(full_case())

    assert runbook.causes[0].solution.fixes[0].commands[0] == PATCH
    assert runbook.causes[0].solution.fixes[0].commands[0].encode() == PATCH.encode()
    validation = runbook.causes[0].checks[0]
    assert validation.description == "Check memory usage"
    assert validation.command == "kubectl top pod redis-0 -n production"
    assert validation.output.encode() == TOP_OUTPUT.encode()
    assert validation.conclusion == "2.1Gi / 2Gi"


def test_hypotheses_keep_their_status() -> None:
    hypotheses = draft_runbook(full_case()).diagnosis.hypotheses

    assert [(h.statement, h.status) for h in hypotheses] == [
        ("Memory leak in Redis", HypothesisStatus.refuted),
        ("Session objects too large", HypothesisStatus.validated),
    ]


def test_root_cause_evidence_merges_without_duplicates_or_ruled_out_evidence() -> None:
    root_cause = draft_runbook(full_case()).causes[0].root_cause

    assert root_cause.cause == "Session objects grew from 100KB to 5MB"
    assert root_cause.contributing_factors == ["No TTL on session keys"]
    # root cause evidence, then the validated hypothesis's, then free case evidence; the
    # fragmentation figure belongs to the refuted memory-leak theory and is left out.
    assert root_cause.evidence == [
        "Session objects grew after the deploy",
        "serializedlength:5242880",
        "kubectl top: 2.1Gi / 2Gi",
    ]


def test_free_evidence_linked_to_the_validated_hypothesis_as_well_is_kept() -> None:
    case = make_case(
        hypotheses=[
            Hypothesis(id="h_0", statement="A", status="refuted", evidence=["shared"]),
            Hypothesis(id="h_1", statement="B", status="validated", evidence=["shared"]),
        ],
        evidence=["shared", "unlinked"],
        root_cause=RootCause(cause="B"),
    )

    assert draft_runbook(case).causes[0].root_cause.evidence == ["shared", "unlinked"]


def test_timeline_is_sorted_when_every_event_has_a_time() -> None:
    timeline = draft_runbook(full_case()).diagnosis.timeline

    assert [event.event for event in timeline] == [
        "Deployed user preference feature",
        "Problem started",
    ]
    assert timeline[0].kind is TimelineKind.deploy
    assert timeline[0].at == OPENED - timedelta(minutes=30)


def test_timeline_keeps_recorded_order_when_a_time_is_missing() -> None:
    case = make_case(
        timeline=[
            TimelineEvent(id="t_1", at=OPENED, event="later", kind=TimelineKind.change),
            TimelineEvent(id="t_2", event="undated", kind=TimelineKind.deploy),
            TimelineEvent(id="t_3", at=OPENED - timedelta(hours=1), event="earlier"),
        ]
    )

    assert [e.event for e in draft_runbook(case).diagnosis.timeline] == [
        "later",
        "undated",
        "earlier",
    ]


def test_history_keeps_when_it_started_and_what_changed_not_the_incident_log() -> None:
    case = make_case(
        timeline=[
            TimelineEvent(id="t_1", at=OPENED - timedelta(days=3), event="PR", kind="change"),
            TimelineEvent(id="t_2", at=OPENED, event="alert fired", kind="alert"),
            TimelineEvent(id="t_3", at=OPENED + timedelta(minutes=1), event="errors seen"),
            TimelineEvent(
                id="t_4", at=OPENED + timedelta(minutes=2), event="scaled", kind="action"
            ),
        ],
        solutions=[solution(1, SolutionOutcome.applied)],
    )

    assert [e.event for e in draft_runbook(case).diagnosis.timeline] == ["PR", "alert fired"]
    # with no fix carried out, what the responders did is all there is to go on: kept
    no_fix = case.model_copy(update={"solutions": []})
    history = [e.event for e in draft_runbook(no_fix).diagnosis.timeline]
    assert history == ["PR", "alert fired", "scaled"]


def test_resolution_time_counts_from_the_incident_start_and_says_so() -> None:
    started = OPENED - timedelta(hours=2)
    case = make_case(
        timeline=[
            TimelineEvent(id="t_0", at=started - timedelta(days=4), event="PR", kind="change"),
            TimelineEvent(id="t_1", at=started, event="alert", kind="alert"),
        ],
        resolved_after=15,
    )
    runbook = draft_runbook(case)

    assert runbook.average_resolution_minutes == 135
    assert runbook.resolution_time_basis is ResolutionBasis.incident_start
    fallback = draft_runbook(make_case(resolved_after=15))
    assert fallback.average_resolution_minutes == 15
    assert fallback.resolution_time_basis is ResolutionBasis.case_opened
    both = resolution_time([case, make_case(case_id="case_2", resolved_after=0)])
    assert both == (67.5, ResolutionBasis.mixed)


def test_equal_times_keep_their_recorded_order() -> None:
    case = make_case(
        timeline=[
            TimelineEvent(id="t_1", at=OPENED, event="first", kind="deploy"),
            TimelineEvent(id="t_2", at=OPENED, event="second", kind="change"),
        ]
    )

    assert [e.event for e in draft_runbook(case).diagnosis.timeline] == ["first", "second"]


def test_empty_case_drafts_empty_sections_and_invents_nothing() -> None:
    runbook = draft_runbook(make_case(title="Something broke"))

    seen = {"source_case_ids": ["case_000000000001"], "last_seen": OPENED.date()}
    assert runbook == RunbookContent(title="Something broke", causes=[seen])
    assert runbook.summary == ""
    assert runbook.symptoms == []
    assert runbook.affected_systems == []
    assert runbook.causes[0].root_cause.cause == ""
    assert runbook.causes[0].root_cause.evidence == []
    assert runbook.causes[0].solution.fixes == []
    assert runbook.causes[0].solution.tried_and_failed == []
    assert runbook.average_resolution_minutes is None


def test_no_root_cause_means_an_empty_root_cause_section() -> None:
    case = make_case(
        evidence=["kubectl top: 2.1Gi / 2Gi"],
        hypotheses=[Hypothesis(id="h_0", statement="X", status="validated", evidence=["e"])],
    )

    root_cause = draft_runbook(case).causes[0].root_cause

    assert root_cause.cause == ""
    assert root_cause.evidence == []
    assert root_cause.contributing_factors == []


def test_only_failed_or_proposed_solutions_draft_no_applied_fix() -> None:
    case = make_case(
        solutions=[
            solution(1, SolutionOutcome.failed, commands=["systemctl restart redis"]),
            solution(2, SolutionOutcome.proposed, commands=["redis-cli FLUSHALL"]),
        ]
    )

    solution_section = draft_runbook(case).causes[0].solution

    assert [f.outcome for f in solution_section.fixes] == [FixOutcome.proposed]
    assert solution_section.validation == []
    assert solution_section.rollback == []
    assert [f.title for f in solution_section.tried_and_failed] == ["solution 1"]


def test_affected_systems_fall_back_to_services_only_when_none_recorded() -> None:
    assert draft_runbook(make_case(services=["redis", "api"])).affected_systems == [
        "redis",
        "api",
    ]
    both = make_case(affected_systems=["Session management"], services=["redis"])
    assert draft_runbook(both).affected_systems == ["Session management"]


def test_average_resolution_minutes() -> None:
    cases = [
        make_case(case_id="case_a", resolved_after=10),
        make_case(case_id="case_b", resolved_after=20),
        make_case(case_id="case_c", resolved_after=45),
        make_case(case_id="case_d"),  # not resolved: not counted
    ]

    assert average_resolution_minutes(cases) == pytest.approx(25.0)
    assert average_resolution_minutes([make_case(case_id="case_d")]) is None
    assert average_resolution_minutes([]) is None


def test_average_counts_each_case_once() -> None:
    case = make_case(case_id="case_a", resolved_after=10)
    other = make_case(case_id="case_b", resolved_after=30)

    assert average_resolution_minutes([case, other, case]) == pytest.approx(20.0)


def test_draft_averages_over_the_case_and_its_related_cases() -> None:
    case = make_case(case_id="case_a", resolved_after=15)
    related = [
        make_case(case_id="case_b", resolved_after=25),
        make_case(case_id="case_c", resolved_after=50),
        make_case(case_id="case_d"),
    ]

    assert draft_runbook(case).average_resolution_minutes == pytest.approx(15.0)
    assert draft_runbook(case, related_cases=related).average_resolution_minutes == (
        pytest.approx(30.0)
    )


def test_drafting_is_deterministic() -> None:
    first = draft_runbook(full_case())
    second = draft_runbook(full_case())

    assert first == second
    assert first.model_dump_json() == second.model_dump_json()


def test_drafting_does_not_modify_the_case() -> None:
    case = full_case()
    before = case.model_dump_json()

    draft_runbook(case)

    assert case.model_dump_json() == before


def test_a_case_with_500_entries_in_every_phase_drafts() -> None:
    n = 500
    case = make_case(
        symptoms=[f"symptom {i}" for i in range(n)],
        affected_systems=[f"system {i}" for i in range(n)],
        blast_radius=[BlastRadiusFinding(id=f"b{i}", check=f"check {i}") for i in range(n)],
        timeline=[
            TimelineEvent(
                id=f"t{i}",
                at=OPENED + timedelta(seconds=n - i),
                event=f"event {i}",
                kind="change",
            )
            for i in range(n)
        ],
        hypotheses=[
            Hypothesis(
                id=f"h{i}",
                statement=f"hypothesis {i}",
                status="validated" if i % 2 else "refuted",
                evidence=[f"evidence {i}", f"evidence {i + 1}"],
            )
            for i in range(n)
        ],
        validations=[
            Validation(id=f"v{i}", description=f"validation {i}", command=f"echo {i}")
            for i in range(n)
        ],
        evidence=[f"evidence {i}" for i in range(n)],
        root_cause=RootCause(
            cause="cause",
            evidence=[f"evidence {i}" for i in range(n)],
            contributing_factors=[f"factor {i}" for i in range(n)],
        ),
        solutions=[
            solution(
                i,
                [SolutionOutcome.applied, SolutionOutcome.failed, SolutionOutcome.proposed][i % 3],
                steps=[f"step {i}"],
                commands=[f"cmd {i}"],
                validation=[f"check {j}" for j in range(i, i + 5)],
                rollback=[f"undo {i % 7}"],
            )
            for i in range(n)
        ],
        prevention=Prevention(
            monitoring=[f"alert {i}" for i in range(n)],
            automation=[f"script {i}" for i in range(n)],
            process=[f"policy {i}" for i in range(n)],
        ),
    )

    runbook = draft_runbook(case)

    assert len(runbook.symptoms) == n
    assert len(runbook.diagnosis.timeline) == n
    assert runbook.diagnosis.timeline[0].event == f"event {n - 1}"
    assert len(runbook.causes[0].root_cause.evidence) == n + 1
    assert len(runbook.causes[0].solution.fixes) == 333
    assert len(runbook.causes[0].solution.tried_and_failed) == 167
    assert len(runbook.causes[0].solution.rollback) == 7
    assert len(runbook.prevention.process) == n
