"""Merging a case into a runbook keeps everything: decided by root cause, nothing of the case
lost (property-based over generated cases), nothing of the runbook removed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faultmaven.cases.schemas import CaseRecord, SolutionOutcome
from faultmaven.runbooks.drafting import draft_runbook, fold
from faultmaven.runbooks.merging import matching_cause, merge_case_draft
from faultmaven.runbooks.schemas import FixOutcome, RunbookContent

OPENED = datetime(2025, 10, 5, 14, 0, tzinfo=UTC)
WORDS = ["redis", "memory", "limit", "session", "pods", "oom", "config", "disk", "cert", "dns"]

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)
commands = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(
    lambda parts: "kubectl " + " ".join(parts)
)
solutions = st.fixed_dictionaries(
    {
        "title": words,
        "outcome": st.sampled_from(list(SolutionOutcome)),
        "kind": st.sampled_from(["immediate", "long_term"]),
        "steps": st.lists(words, max_size=2),
        "commands": st.lists(commands, max_size=3),
        "why_failed": st.one_of(st.just(""), words),
    }
)
validations = st.fixed_dictionaries(
    {"description": words, "command": st.one_of(st.just(""), commands), "output": words}
)


@st.composite
def cases(draw: Any, number: int = 1) -> CaseRecord:
    sols = draw(st.lists(solutions, max_size=4))
    return CaseRecord.model_validate(
        {
            "id": f"case_{number:012x}",
            "title": "Redis pods restarting",
            "symptoms": draw(st.lists(words, max_size=3)),
            "validations": [
                {**v, "id": f"v{i}"} for i, v in enumerate(draw(st.lists(validations, max_size=3)))
            ],
            "root_cause": draw(st.one_of(st.none(), st.fixed_dictionaries({"cause": words}))),
            "solutions": [{**s, "id": f"s{i}"} for i, s in enumerate(sols)],
            "opened_at": OPENED,
            "created_at": OPENED,
            "updated_at": OPENED,
            "resolved_at": OPENED + timedelta(minutes=draw(st.integers(0, 600))),
        }
    )


def _commands_of(content: RunbookContent) -> set[str]:
    found: set[str] = set()
    for cause in content.causes:
        found |= {c.command for c in cause.checks if c.command}
        for fix in cause.solution.fixes:
            found |= set(fix.commands)
        for attempt in cause.solution.tried_and_failed:
            found |= set(attempt.commands)
    return found


def _assert_nothing_of_the_case_is_missing(case: CaseRecord, merged: RunbookContent) -> None:
    case_commands = {v.command for v in case.validations if v.command}
    case_commands |= {c for s in case.solutions for c in s.commands}
    assert case_commands <= _commands_of(merged)
    causes = [fold(c.root_cause.cause) for c in merged.causes]
    if case.root_cause is not None:
        assert any(fold(case.root_cause.cause) in text for text in causes)
    fixes = {fold(f.title) for c in merged.causes for f in c.solution.fixes}
    failed = [f for c in merged.causes for f in c.solution.tried_and_failed]
    for solution in case.solutions:
        if solution.outcome is SolutionOutcome.failed:
            assert any(
                fold(a.title) == fold(solution.title)
                and fold(solution.why_failed) in fold(a.why_failed)
                for a in failed
            )
        else:
            assert fold(solution.title) in fixes


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=cases(1),
    second=cases(2),
    choice=st.sampled_from(["auto", None, 0]),
)
def test_no_root_cause_fix_failed_attempt_or_command_is_ever_lost(
    first: CaseRecord, second: CaseRecord, choice: int | None | str
) -> None:
    existing = draft_runbook(first)
    merged = merge_case_draft(
        existing, draft_runbook(second), cause=choice, average_resolution_minutes=None
    )
    _assert_nothing_of_the_case_is_missing(first, merged)
    _assert_nothing_of_the_case_is_missing(second, merged)
    assert _commands_of(existing) <= _commands_of(merged)
    assert set(existing.symptoms) <= set(merged.symptoms)
    assert RunbookContent.model_validate(merged.model_dump()) == merged


def _case(number: int, cause: str, **fields: Any) -> CaseRecord:
    return CaseRecord.model_validate(
        {
            "id": f"case_{number:012x}",
            "title": "Redis pods restarting",
            "root_cause": {"cause": cause},
            "opened_at": OPENED,
            "created_at": OPENED,
            "updated_at": OPENED,
            **fields,
        }
    )


def test_same_root_cause_folds_into_that_cause_and_counts_it() -> None:
    first = _case(1, "Session objects grew to 5MB", evidence=["5MB sessions"])
    again = _case(
        2,
        "session objects grew to 5MB.",
        evidence=["DEBUG OBJECT: 5242880"],
        solutions=[{"id": "s", "title": "Raise limit", "outcome": "applied", "commands": ["x"]}],
    )
    merged = merge_case_draft(
        draft_runbook(first), draft_runbook(again), average_resolution_minutes=None
    )
    (cause,) = merged.causes
    assert cause.root_cause.cause == "Session objects grew to 5MB"
    assert cause.root_cause.evidence == ["5MB sessions", "DEBUG OBJECT: 5242880"]
    assert cause.times_seen == 2
    assert cause.source_case_ids == ["case_000000000001", "case_000000000002"]
    assert [f.title for f in cause.solution.fixes] == ["Raise limit"]


def test_a_different_root_cause_becomes_a_new_cause() -> None:
    first = _case(1, "Session objects grew to 5MB")
    other = _case(2, "maxmemory-policy noeviction after a config reload")
    existing = draft_runbook(first)
    assert matching_cause(existing, draft_runbook(other).causes[0]) is None
    merged = merge_case_draft(existing, draft_runbook(other), average_resolution_minutes=None)
    assert [c.root_cause.cause for c in merged.causes] == [
        "Session objects grew to 5MB",
        "maxmemory-policy noeviction after a config reload",
    ]


def test_a_fix_confirmed_later_is_no_longer_only_proposed() -> None:
    fix = {"id": "s", "title": "Add TTL", "kind": "long_term", "commands": ["redis-cli x"]}
    first = _case(1, "c", solutions=[{**fix, "outcome": "proposed"}])
    again = _case(2, "c", solutions=[{**fix, "outcome": "applied"}])
    merged = merge_case_draft(
        draft_runbook(first), draft_runbook(again), average_resolution_minutes=None
    )
    assert [f.outcome for f in merged.causes[0].solution.fixes] == [FixOutcome.applied]
