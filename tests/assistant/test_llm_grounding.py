"""The grounding heuristic: which commands, versions and numbers a text states, and whether the
case text contains them."""

from __future__ import annotations

import pytest

from faultmaven.assistant.llm.grounding import CaseText, claims, ungrounded

CASE = CaseText(
    [
        "kubectl rollout restart statefulset/redis -n production",
        "Pods restarting every 5-10 minutes",
        "kubectl top pod redis-0: 2.1Gi / 2Gi",
        "Session objects grew from 100KB to 5MB",
        "serialized length: 5242880",
        "Redis 7.0.11 on node 10.0.0.12",
        "2025-10-05T14:30:00Z",
        "Alert when Redis memory > 80% of limit",
        "duration: 10 mins",
    ]
)


def found(text: str) -> list[tuple[str, str]]:
    return [(claim.kind, claim.text) for claim in claims(text)]


def invented(text: str) -> list[str]:
    return [claim.text for claim in ungrounded([("field", text)], CASE)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Use kubectl to check the pods.", []),  # a mention, not a command
        (
            "Run kubectl delete pod redis-0 to restart it",
            [("command", "kubectl delete pod redis-0")],
        ),
        ("redis-cli FLUSHALL", [("command", "redis-cli FLUSHALL")]),
        ("sudo systemctl restart nginx", [("command", "sudo systemctl restart nginx")]),
        ("Check `df -h /var` first", [("command", "df -h /var")]),
        ("```bash\n$ kubectl get pods\n# a comment\n```", [("command", "kubectl get pods")]),
        ("Upgrade to v1.25 or 7.0.12", [("version", "1.25"), ("version", "7.0.12")]),
        ("Within 10 minutes at 80%", [("number", "10 min"), ("number", "80 %")]),
        ("k8s sha256 redis-0 m5.2xlarge 3rd", []),  # digits inside identifiers
    ],
)
def test_claims(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Restart with kubectl rollout restart statefulset/redis -n production, then wait.",
        "Pods restarted every 5 to 10 minutes.",  # "minutes" and "mins" are one unit
        "Memory reached 2.1Gi of the 2Gi limit.",
        "Sessions grew from 100KB to 5MB (serialized length 5242880).",
        "Redis 7.0.11 on 10.0.0.12.",
        "It started at 14:30 UTC on 2025-10-05.",  # an ISO timestamp grounds its parts
        "The fix took 10 minutes; alert above 80%.",
        "Use kubectl to check that the pods are up.",
    ],
)
def test_grounded_text_passes(text: str) -> None:
    assert invented(text) == []


@pytest.mark.parametrize(
    ("text", "item"),
    [
        (
            "Then run kubectl rollout restart statefulset/redis -n staging.",
            "kubectl rollout restart statefulset/redis -n staging",
        ),
        ("Run `redis-cli CONFIG SET maxmemory 4gb`", "redis-cli CONFIG SET maxmemory 4gb"),
        ("Upgrade Redis to 7.2.4", "7.2.4"),
        ("Raise the limit to 8Gi", "8 gb"),
        ("It took 15 minutes", "15 min"),
        ("Alert above 90%", "90 %"),
        ("Keep 3000 sessions at most", "3000"),
        ("Each session was 5242880 bytes", "5242880 b"),  # a unit the case never stated
    ],
)
def test_inventions_are_found(text: str, item: str) -> None:
    assert item in invented(text)


def test_recorded_commands_teach_the_program_names() -> None:
    corpus = CaseText.of(commands=["mytool sync --all", "sudo othertool ping"])

    assert {"mytool", "othertool"} <= corpus.programs
    assert "sudo" in corpus.programs
    assert [c.text for c in claims("mytool wipe --force", programs=corpus.programs)] == [
        "mytool wipe --force"
    ]
