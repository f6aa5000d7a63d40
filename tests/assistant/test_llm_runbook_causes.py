"""The runbook writer on a runbook with several known causes, through the fake OpenAI-compatible
and Anthropic servers: each cause reworded on its own (never merged, never dropped), failed
attempts keep their reason, ``unverified`` stays unverified, gaps stay gaps unless the case
fills them, and anything else is refused (the caller then keeps the deterministic draft)."""

from __future__ import annotations

from typing import Any

import pytest
from test_llm_runbook_writer import make_case

from faultmaven.assistant.llm import LLMError
from faultmaven.assistant.llm.runbook_writer import write_runbook
from faultmaven.cases.schemas import CaseRecord
from faultmaven.runbooks.drafting import draft_runbook
from faultmaven.runbooks.schemas import RunbookContent

SECOND_CAUSE = {
    "checks": [
        {
            "description": "Check the eviction policy",
            "command": "redis-cli CONFIG GET maxmemory-policy",
            "output": "noeviction",
        }
    ],
    "root_cause": {"cause": "The maxmemory policy was noeviction after the config reset"},
    "solution": {
        "fixes": [
            {
                "title": "Set the policy to allkeys-lru",
                "outcome": "unverified",
                "commands": ["redis-cli CONFIG SET maxmemory-policy allkeys-lru"],
            }
        ],
        "tried_and_failed": [
            {
                "title": "Scale the statefulset to 5 replicas",
                "commands": ["kubectl scale statefulset redis --replicas=5"],
                "why_failed": "Each replica still filled up: the keys never expire",
            }
        ],
    },
    "source_case_ids": ["case_000000000002"],
    "times_seen": 2,
}


@pytest.fixture
def case() -> CaseRecord:
    return make_case()


@pytest.fixture
def draft(case: CaseRecord) -> RunbookContent:
    data = draft_runbook(case).model_dump()
    data["causes"].append(SECOND_CAUSE)
    return RunbookContent.model_validate(data)


def _answers(draft: RunbookContent) -> list[dict[str, Any]]:
    """Careful answers: each cause reworded in its own words (only words of the case)."""
    causes = [
        cause.model_dump(mode="json", include={"checks", "root_cause", "solution"})
        for cause in draft.causes
    ]
    causes[0]["root_cause"]["cause"] = "Session objects grew to 5MB (from 100KB)."
    causes[1]["root_cause"]["cause"] = "After the config reset the maxmemory policy was noeviction."
    causes[1]["solution"]["tried_and_failed"][0]["why_failed"] = (
        "The keys never expire, so each replica still filled up."
    )
    return [
        draft.model_dump(mode="json", include={"title", "summary", "symptoms", "affected_systems"}),
        draft.diagnosis.model_dump(mode="json"),
        *causes,
        draft.prevention.model_dump(mode="json"),
    ]


def test_every_cause_is_written_on_its_own(llm, case, draft) -> None:
    answers = _answers(draft)
    answers[3]["solution"]["fixes"][0]["outcome"] = "applied"  # the LLM may not confirm it
    llm.server.script(*(llm.turn(answer) for answer in answers))

    runbook = write_runbook(llm.provider(), case, draft)

    assert len(llm.server.requests) == 5  # summary, diagnosis, cause 1, cause 2, prevention
    sent = [llm.conversation_sent(i)[0]["content"] for i in range(5)]
    sent = [text if isinstance(text, str) else text[0]["text"] for text in sent]
    assert "Known cause 1 of 2" in sent[2] and "Known cause 2 of 2" in sent[3]
    assert "why_failed" in llm.system_sent(3) and "unverified" in llm.system_sent(3)
    first, second = runbook.causes
    assert first.root_cause.cause == "Session objects grew to 5MB (from 100KB)."
    assert second.root_cause.cause.startswith("After the config reset")
    fix = second.solution.fixes[0]
    assert fix.outcome.value == "unverified"
    assert fix.commands == ["redis-cli CONFIG SET maxmemory-policy allkeys-lru"]
    failed = second.solution.tried_and_failed[0]
    assert failed.why_failed == "The keys never expire, so each replica still filled up."
    assert failed.commands == ["kubectl scale statefulset redis --replicas=5"]
    assert (second.source_case_ids, second.times_seen) == (["case_000000000002"], 2)
    assert first.source_case_ids == ["case_000000000001"]
    assert llm.server.pending() == 0


def test_a_failed_attempt_keeps_its_reason(llm, case, draft) -> None:
    answers = _answers(draft)
    answers[3]["solution"]["tried_and_failed"][0]["why_failed"] = ""
    llm.server.script(*(llm.turn(answer) for answer in answers))

    runbook = write_runbook(llm.provider(), case, draft)

    reason = runbook.causes[1].solution.tried_and_failed[0].why_failed
    assert reason == SECOND_CAUSE["solution"]["tried_and_failed"][0]["why_failed"]


@pytest.mark.parametrize(
    ("part", "change", "named"),
    [
        (3, lambda c: c["solution"]["tried_and_failed"].clear(), "tried_and_failed"),
        (2, lambda c: c["checks"].append(c["checks"][0]), "causes[0].checks"),
        (
            3,
            lambda c: c["solution"]["rollback"].append("Reboot the whole cluster overnight"),
            "causes[1].solution.rollback[0]",
        ),
        (
            2,
            lambda c: c["checks"][0].update(conclusion="Probably a kernel regression"),
            "causes[0].checks[0].conclusion",
        ),
    ],
    ids=["drops-a-failed-attempt", "adds-a-check", "invents-a-rollback", "fills-a-gap-by-guess"],
)
def test_what_the_writer_may_not_do(llm, case, draft, part: int, change, named: str) -> None:
    answers = _answers(draft)
    if part == 2:
        answers[2]["checks"][0]["conclusion"] = ""  # a gap in the draft
        draft = draft.model_copy(deep=True)
        draft.causes[0].checks[0].conclusion = ""
    change(answers[part])
    llm.server.script(*(llm.turn(answer) for answer in answers))

    with pytest.raises(LLMError) as caught:
        write_runbook(llm.provider(), case, draft)

    assert caught.value.code == "LLM_UNGROUNDED"
    assert named in caught.value.message


def test_a_gap_may_be_filled_from_the_case(llm, case, draft) -> None:
    draft = draft.model_copy(deep=True)
    draft.causes[0].checks[0].conclusion = ""  # a gap: the case says it elsewhere
    answers = _answers(draft)
    answers[2]["checks"][0]["conclusion"] = "5MB per session"
    llm.server.script(*(llm.turn(answer) for answer in answers))

    runbook = write_runbook(llm.provider(), case, draft)

    assert runbook.causes[0].checks[0].conclusion == "5MB per session"
