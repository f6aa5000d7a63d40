"""Runbook markdown: the seed's format, exact round trips, gap markers, hand edits, bad input."""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from faultmaven.errors import InvalidInput
from faultmaven.runbooks import markdown as markdown_module
from faultmaven.runbooks.markdown import (
    MarkdownError,
    ParsedRunbook,
    parse_markdown,
    render_markdown,
)
from faultmaven.runbooks.schemas import RunbookContent

CREATED = date(2025, 10, 5)
UPDATED = date(2025, 10, 6)


def _redis_oom(**overrides: Any) -> RunbookContent:
    """The seed's example runbook, as structured content."""
    data: dict[str, Any] = {
        "title": "Redis Cluster OOM Kills",
        "summary": "Redis pods repeatedly restart with OOM (Out of Memory) kills in production.",
        "severity": "critical",
        "symptoms": [
            "Pods restarting every 5-10 minutes",
            'Error: "connection refused on port 6379"',
            'K8s events: "OOMKilled"',
        ],
        "affected_systems": [
            "Redis cluster (3 pods)",
            "API services depending on Redis",
            "Session management",
        ],
        "diagnosis": {
            "blast_radius": [
                {"check": "kubectl get pods -n production", "finding": "3/3 redis pods restarting"},
                {"check": "Verified API health", "finding": "All APIs degraded (cache down)"},
            ],
            "timeline": [
                {"at": "2025-10-05T14:30:00Z", "event": "Problem started"},
                {
                    "at": "2025-10-05T14:10:00Z",
                    "event": "Deployed new feature with larger session objects",
                    "kind": "deploy",
                },
                {"event": "OOMKilled alert fired", "kind": "alert"},
            ],
            "hypotheses": [
                {"statement": "Memory leak in Redis", "status": "refuted"},
                {"statement": "Insufficient memory limits"},
                {"statement": "Session objects too large", "status": "validated"},
            ],
            "validations": [
                {
                    "description": "Check memory usage",
                    "command": "kubectl top pod redis-0 -n production",
                    "output": "2.1Gi / 2Gi (105% - OOM threshold)",
                },
                {
                    "description": "Check session size",
                    "command": 'redis-cli --scan --pattern "session:*" | head -5\n'
                    "redis-cli DEBUG OBJECT session:abc123",
                    "output": "serialized length: 5242880 (5MB per session!)",
                    "conclusion": "Sessions are 50x larger than before the deploy",
                },
            ],
        },
        "root_cause": {
            "cause": "Session objects grew from 100KB to 5MB after deploying new user preference "
            "feature.\nRedis memory limit (2Gi) could only hold ~400 sessions before OOM.",
            "evidence": ["DEBUG OBJECT shows 5MB sessions"],
            "contributing_factors": ["No alert on Redis memory usage"],
        },
        "solution": {
            "fixes": [
                {
                    "title": "Increase Redis memory limit",
                    "duration": "10 mins",
                    "commands": [
                        "kubectl patch statefulset redis -n production --patch '\n"
                        "  spec:\n    template:\n      spec:\n        containers:\n"
                        "        - name: redis\n          resources:\n            limits:\n"
                        "              memory: 8Gi\n'",
                        "kubectl rollout restart statefulset/redis -n production",
                    ],
                },
                {
                    "title": "Shrink sessions",
                    "kind": "long_term",
                    "duration": "1 day",
                    "steps": [
                        "Optimize session serialization (compress large fields)",
                        "Implement session field lazy-loading",
                        "Add TTL to session keys (expire after 7 days)",
                    ],
                },
            ],
            "validation": [
                "kubectl get pods -n production -w",
                "kubectl top pod redis-0 -n production  # target: < 50% memory usage",
            ],
            "rollback": ["kubectl rollout undo statefulset/redis -n production"],
            "tried_and_failed": [
                {
                    "title": "Restart the pods only",
                    "commands": ["kubectl delete pod redis-0"],
                    "why_failed": "the pods were OOMKilled again within minutes",
                }
            ],
        },
        "prevention": {
            "monitoring": ["Alert RedisMemoryHigh when usage > 80% of the limit for 5m"],
            "automation": [
                "Pre-deployment check: Measure session size in staging",
                "Automatic session compression for objects > 1MB",
            ],
            "process": ["Add memory impact assessment to feature review checklist"],
        },
        "average_resolution_minutes": 15,
    }
    data.update(overrides)
    return RunbookContent.model_validate(data)


def _round_trip(content: RunbookContent) -> ParsedRunbook:
    markdown = render_markdown(content, created=CREATED, last_updated=UPDATED)
    parsed = parse_markdown(markdown)
    assert parsed.content.model_dump() == content.model_dump(), markdown
    assert parsed == ParsedRunbook(content, CREATED, UPDATED)
    return parsed


# ---- rendering ------------------------------------------------------------------------------

SEED_HEADINGS = [
    "# Runbook: Redis Cluster OOM Kills",
    "**Created**: 2025-10-05",
    "**Last Updated**: 2025-10-06",
    "**Severity**: Critical",
    "**Average Resolution Time**: 15 minutes",
    "## Problem Summary",
    "**Symptoms**:",
    "**Affected Systems**:",
    "**History**:",
    "## Diagnosis Steps",
    "### 1. Blast Radius Assessment",
    "### 2. Hypothesis Formation",
    "### 3. Validation",
    "## Root Cause",
    "## Solution",
    "### Immediate Fix: Increase Redis memory limit (10 mins)",
    "### Long-term Fix: Shrink sessions (1 day)",
    "### Verification",
    "### Rollback",
    "### Tried, Did Not Work: Restart the pods only",
    "## Prevention",
    "### Monitoring",
    "### Automation",
    "### Process",
]


def test_render_follows_the_seed_layout() -> None:
    markdown = render_markdown(_redis_oom(), created=CREATED, last_updated=UPDATED)
    lines = markdown.splitlines()
    positions = [lines.index(heading) for heading in SEED_HEADINGS]
    assert positions == sorted(positions)
    assert "- **Theory 3**: Session objects too large (VALIDATED ✓)" in lines
    assert "- **Theory 1**: Memory leak in Redis (REFUTED ✗)" in lines
    assert "- **Theory 2**: Insufficient memory limits" in lines
    assert "- 2025-10-05 14:30 UTC — Problem started" in lines
    assert "- (alert) OOMKilled alert fired" in lines
    assert "- `kubectl get pods -n production` — 3/3 redis pods restarting" in lines
    assert "# Output: 2.1Gi / 2Gi (105% - OOM threshold)" in lines
    assert "1. Optimize session serialization (compress large fields)" in lines
    assert "kubectl delete pod redis-0" in lines
    assert "**Why it failed**:" in lines
    assert "- the pods were OOMKilled again within minutes" in lines
    assert "Gap" not in markdown
    assert markdown.endswith("\n") and not markdown.endswith("\n\n")


def test_render_omits_dates_and_time_when_not_given() -> None:
    markdown = render_markdown(_redis_oom(average_resolution_minutes=None))
    assert "**Created**" not in markdown
    assert "**Last Updated**" not in markdown
    assert "Average Resolution Time" not in markdown


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0 minutes"),
        (1, "1 minute"),
        (15, "15 minutes"),
        (60, "1 hour"),
        (65, "1 hour 5 minutes"),
        (120, "2 hours"),
        (90.5, "1 hour 30 minutes 30 seconds"),
        (3917 / 60, "1 hour 5 minutes 17 seconds"),
        (1500, "25 hours"),
    ],
)
def test_average_resolution_time_round_trips(minutes: float, text: str) -> None:
    content = RunbookContent(title="T", average_resolution_minutes=minutes)
    assert f"**Average Resolution Time**: {text}\n" in render_markdown(content)
    _round_trip(content)


def test_average_resolution_time_is_rendered_to_the_second() -> None:
    content = RunbookContent(title="T", average_resolution_minutes=15.123456)
    markdown = render_markdown(content)
    assert "**Average Resolution Time**: 15 minutes 7 seconds" in markdown
    assert parse_markdown(markdown).content.average_resolution_minutes == 907 / 60


def test_the_module_docstring_example_is_what_render_writes() -> None:
    doc = markdown_module.__doc__ or ""
    example = textwrap.dedent(doc.split("::\n\n", 1)[1].split("\nSections and fields", 1)[0])
    parsed = parse_markdown(example)
    assert parsed.content.causes[0].solution.rollback == []
    assert (
        render_markdown(parsed.content, created=parsed.created, last_updated=parsed.last_updated)
        == example.strip("\n") + "\n"
    )


# ---- round trips ----------------------------------------------------------------------------


def test_full_runbook_round_trips() -> None:
    _round_trip(_redis_oom())


def test_title_only_runbook_round_trips_and_shows_the_gaps() -> None:
    content = RunbookContent(title="Disk full on db-1")
    markdown = render_markdown(content)
    assert markdown.startswith("# Runbook: Disk full on db-1\n\n**Severity**: Medium\n")
    for gap in ("symptoms", "diagnostic check", "root cause", "fix"):
        assert f"> _Gap: no {gap} recorded" in markdown
    # with no fix, the fix is the gap: no verification or rollback gaps for it
    assert "no verification recorded" not in markdown and "no rollback recorded" not in markdown
    # every top-level section of the seed is there, a missing one as a gap (not left out)
    assert "## Diagnosis Steps\n> _Gap: no diagnostic check recorded" in markdown
    assert "## Prevention" not in markdown
    assert parse_markdown(markdown) == ParsedRunbook(content, None, None)
    _round_trip(content)


def test_gap_markers_are_not_parsed_as_content() -> None:
    content = _redis_oom(solution={"validation": ["curl -f https://api/health"]})
    markdown = render_markdown(content)
    assert "> _Gap: no fix recorded — add the exact commands" in markdown
    assert "> _Gap: no verification recorded" not in markdown
    with_fix = _redis_oom(solution={"fixes": [{"title": "Raise the limit", "steps": ["x"]}]})
    assert "> _Gap: no rollback recorded — add how to undo the fix._" in render_markdown(with_fix)
    parsed = parse_markdown(markdown).content
    assert parsed.causes[0].solution.fixes == []
    assert parsed.causes[0].solution.rollback == []
    assert parsed.causes[0].solution.validation == ["curl -f https://api/health"]
    assert parsed == content


TRICKY = [
    "grep -E 'error|fatal' /var/log/app.log | awk -F: '{print $2}' | sort | uniq -c",
    "echo `date` && echo ``double`` && echo ```triple```",
    "`starts and ends with a backtick`",
    "# looks like a heading",
    "## Root Cause",
    "**Symptoms**: not a label",
    "> _Gap: not a gap marker_",
    "- looks like a bullet",
    "1. looks numbered",
    "---",
    "```\nfenced inside\n```",
    "~~~\nnever closed",
    "line one\n\nline three, after a blank line",
    "multi\n  indented two\n\ttabbed\n    - nested bullet",
    "Output: a label?\nConclusion: another\nCommand: and another",
    "\\# backslash then hash\n\\d+ is a regex\n\\",
    "ends with a marker (VALIDATED ✓)",
    "(deploy) starts like a kind",
    "2025-10-05 14:30 UTC — looks like a timestamp",
    "title ending (in parens)",
    "Unicode: 日本語 — ✓ ✗ émoji 🚀 and a\u2028line separator",
    "a — b: c # d \"double\" 'single' $(sub) ${VAR} && || ; \\ | <>",
    "**bold** start and **: `a span`",
    "#!/bin/bash\nset -euo pipefail\n\n# a comment\necho done",
    "trailing spaces   \nsecond line",
]


def _everywhere(text: str) -> RunbookContent:
    """A runbook with ``text`` in every field that can hold it."""
    one_line = text.split("\n")[0].strip()
    short = text[:300].strip()  # Line fields hold at most 300 characters
    return RunbookContent.model_validate(
        {
            "title": one_line,
            "summary": text,
            "severity": "high",
            "symptoms": [text, "plain"],
            "affected_systems": [short, "api"],
            "diagnosis": {
                "blast_radius": [{"check": text, "finding": text}, {"check": text}],
                "timeline": [
                    {"event": text},
                    {"at": datetime(2025, 1, 2, 3, 4, 5, 6000, tzinfo=UTC), "event": text},
                    {"at": "2025-10-05T14:30:00+02:00", "event": text, "kind": "change"},
                ],
                "hypotheses": [
                    {"statement": text, "status": status}
                    for status in ("proposed", "validated", "refuted", "inconclusive")
                ],
                "validations": [
                    {"description": text},
                    {"description": "d", "command": text, "output": text, "conclusion": text},
                    {"description": text, "command": "true", "output": text},
                    {"description": text, "conclusion": text},
                    {"description": "last", "command": text},
                ],
            },
            "root_cause": {"cause": text, "evidence": [text], "contributing_factors": [text]},
            "solution": {
                "fixes": [
                    {
                        "title": one_line,
                        "duration": one_line[:60].strip(),
                        "steps": [text, "second"],
                        "commands": [text, "echo ok"],
                    },
                    {"title": one_line, "kind": "long_term", "commands": [text]},
                    {"title": one_line, "commands": ["ls", "pwd"], "outcome": "unverified"},
                    {"title": short, "kind": "long_term", "outcome": "proposed", "steps": [text]},
                    {"title": short, "outcome": "proposed"},
                ],
                "validation": [text],
                "rollback": [text],
                "tried_and_failed": [
                    {"title": one_line, "commands": [text, "ls"]},
                    {"title": short},
                    {"title": short, "steps": [text], "commands": ["ls"], "why_failed": text},
                    {"title": short, "why_failed": text},
                ],
            },
            "prevention": {"monitoring": [text], "automation": [text], "process": [text]},
            "average_resolution_minutes": 42,
            "resolution_time_basis": "mixed",
        }
    )


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_strings_round_trip_in_every_field(text: str) -> None:
    _round_trip(_everywhere(text))


def test_tricky_strings_together_round_trip() -> None:
    _round_trip(_everywhere("\n".join(TRICKY)))


def test_awkward_validation_commands_get_their_own_block() -> None:
    content = RunbookContent.model_validate(
        {
            "title": "T",
            "diagnosis": {
                "validations": [
                    {"description": "first", "command": "ls"},
                    {"description": "script", "command": "#!/bin/sh\n\necho hi", "output": "hi"},
                    {"description": "no command at all", "conclusion": "looked at graphs"},
                ]
            },
        }
    )
    markdown = render_markdown(content)
    assert "# script\n# Command:\n#!/bin/sh\n\necho hi\n# Output: hi\n# Conclusion:\n" in markdown
    assert (
        "- no command at all\n  **Conclusion**: looked at graphs\n"
        "> _Gap: no command recorded for this check — add the command you ran._\n"
    ) in markdown
    assert markdown.count("```bash") == 2
    _round_trip(content)


def test_single_multi_line_fix_command_round_trips() -> None:
    command = "cat <<'EOF' > /etc/redis.conf\nmaxmemory 8gb\n\nmaxmemory-policy allkeys-lru\nEOF"
    fix = {"title": "Configure eviction", "commands": [command]}
    content = _redis_oom(solution={"fixes": [fix]})
    assert "# Command:\ncat <<'EOF'" in render_markdown(content)
    _round_trip(content)


def test_timestamps_keep_the_instant_and_come_back_in_utc() -> None:
    at = datetime(2025, 10, 5, 16, 30, 15, tzinfo=timezone(timedelta(hours=2)))
    content = RunbookContent.model_validate(
        {"title": "T", "diagnosis": {"timeline": [{"at": at, "event": "e"}]}}
    )
    assert "- 2025-10-05 14:30:15 UTC — e" in render_markdown(content)
    parsed = _round_trip(content).content.diagnosis.timeline[0].at
    assert parsed == at and parsed.utcoffset() == timedelta(0)


def test_line_breaks_in_titles_and_durations_become_spaces() -> None:
    content = RunbookContent.model_validate(
        {
            "title": "Redis\nOOM",
            "solution": {"fixes": [{"title": "Raise\n  limit", "duration": "10\nmins"}]},
        }
    )
    markdown = render_markdown(content)
    assert "# Runbook: Redis OOM\n" in markdown
    assert "### Immediate Fix: Raise limit (10 mins)\n" in markdown
    parsed = parse_markdown(markdown).content
    assert parsed.title == "Redis OOM"
    assert (
        parsed.causes[0].solution.fixes[0].title,
        parsed.causes[0].solution.fixes[0].duration,
    ) == (
        "Raise limit",
        "10 mins",
    )


def test_crlf_line_endings_are_read_as_newlines() -> None:
    content = _redis_oom()
    markdown = render_markdown(content, created=CREATED, last_updated=UPDATED)
    crlf = markdown.replace("\n", "\r\n")
    assert parse_markdown(crlf) == ParsedRunbook(content, CREATED, UPDATED)
    inside = parse_markdown(render_markdown(_redis_oom(summary="first\r\nsecond"))).content
    assert inside.summary == "first\nsecond"


# ---- hand-edited markdown -------------------------------------------------------------------


def _hand_edit(markdown: str) -> str:
    """What a person might do to the rendered file: star bullets, blank lines, other headings."""
    edited: list[str] = []
    in_code = False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            in_code = not in_code
        if in_code or line.startswith("```"):
            edited.append(line)
            continue
        if line.startswith("- "):
            line = "* " + line[2:]
        elif line.startswith("## "):
            line = line.upper()
        elif re.match(r"### \d\. ", line):
            line = "### " + line[7:].lower()
        elif line.startswith("**") and "**:" in line:
            line = line.replace("**:", ":**", 1)
        edited.append(line)
        if not line.strip():
            edited.extend(["", ""])
    return "\n".join(edited)


def test_hand_edited_rendering_parses_to_the_same_runbook() -> None:
    content = _redis_oom()
    edited = _hand_edit(render_markdown(content, created=CREATED))
    assert "* Pods restarting" in edited and "## PROBLEM SUMMARY" in edited
    assert "### blast radius assessment" in edited and "**Symptoms:**" in edited
    assert parse_markdown(edited) == ParsedRunbook(content, CREATED, None)


SEED_EXAMPLE = """
# Runbook: Redis Cluster OOM Kills

**Created**: 2025-10-05
**Last Updated**: 2025-10-05
**Severity**: Critical
**Average Resolution Time**: 15 minutes

## Problem Summary

Redis pods repeatedly restart with OOM (Out of Memory) kills in production.

**Symptoms**:
- Pods restarting every 5-10 minutes
* Error: "connection refused on port 6379"
+ K8s events: "OOMKilled"

**Affected Systems:**
- Redis cluster (3 pods)

- API services depending on Redis
- Session management

## Diagnosis Steps

### 1. Blast Radius Assessment
- Checked pod status: `kubectl get pods -n production`
- Verified API health: All APIs degraded due to cache unavailability

### 2. Timeline Analysis
- Problem started: 2025-10-05 14:30 UTC
- Recent changes: Deployed new feature with larger session objects

### 3. Hypothesis Formation
- **Theory 1**: Memory leak in Redis
- **Theory 2**: Insufficient memory limits
- **Theory 3**: Session objects too large (VALIDATED ✓)

### 4. Validation
```bash
# Check memory usage
kubectl top pod redis-0 -n production
# Output: 2.1Gi / 2Gi (105% - OOM threshold)

# Check session size
redis-cli --scan --pattern "session:*" | head -5
redis-cli DEBUG OBJECT session:abc123
# Output: serialized length: 5242880 (5MB per session!)
```

## Root Cause

Session objects grew from 100KB to 5MB after deploying new user preference feature.
Redis memory limit (2Gi) could only hold ~400 sessions before OOM.

## Solution

### Immediate Fix (10 mins)
```bash
# Increase Redis memory limit
kubectl patch statefulset redis -n production --patch '
  spec:
    template:
      spec:
        containers:
        - name: redis
          resources:
            limits:
              memory: 8Gi
'

# Restart pods
kubectl rollout restart statefulset/redis -n production
```

### Long-term Fix (1 day)
1. Optimize session serialization (compress large fields)
2. Implement session field lazy-loading
3. Add TTL to session keys (expire after 7 days)

### Verification
```bash
# Confirm pods stable
kubectl get pods -n production -w

# Monitor memory
kubectl top pod redis-0 -n production
# Target: < 50% memory usage
```

## Prevention

### Monitoring
```yaml
# Alert on high memory usage
alert: RedisMemoryHigh
expr: container_memory_usage_bytes{pod=~"redis-.*"} > 0.8 * container_spec_memory_limit_bytes
for: 5m
```

### Automation
- Pre-deployment check: Measure session size in staging
- Automatic session compression for objects > 1MB
- Weekly report on session size trends

### Process
- Add memory impact assessment to feature review checklist
- Load testing required for session-related changes
"""


def test_hand_written_validation_bullets_keep_their_place() -> None:
    text = """# Runbook: T

## Diagnosis Steps

### Validation
- looked at the dashboard
```bash
# Check memory
free -m
```
* asked the on-call
"""
    validations = parse_markdown(text).content.causes[0].checks
    assert [v.description for v in validations] == [
        "looked at the dashboard",
        "Check memory",
        "asked the on-call",
    ]
    assert validations[1].command == "free -m"


def test_the_seed_example_itself_parses() -> None:
    parsed = parse_markdown(SEED_EXAMPLE)
    content = parsed.content
    assert (parsed.created, parsed.last_updated) == (CREATED, CREATED)
    assert content.title == "Redis Cluster OOM Kills"
    assert content.severity == "critical" and content.average_resolution_minutes == 15
    assert len(content.symptoms) == 3 and len(content.affected_systems) == 3
    assert content.diagnosis.blast_radius[0].check.startswith("Checked pod status: `kubectl")
    assert [h.status for h in content.diagnosis.hypotheses] == ["proposed"] * 2 + ["validated"]
    first, second = content.causes[0].checks
    assert first.description == "Check memory usage"
    assert first.output == "2.1Gi / 2Gi (105% - OOM threshold)"
    assert second.command.count("\n") == 1
    assert content.causes[0].root_cause.cause.count("\n") == 1
    immediate, long_term = content.causes[0].solution.fixes
    assert (immediate.title, immediate.kind, immediate.duration) == (
        "Immediate Fix",
        "immediate",
        "10 mins",
    )
    assert len(immediate.commands) == 2
    assert immediate.commands[1].endswith("kubectl rollout restart statefulset/redis -n production")
    assert (long_term.kind, long_term.duration, len(long_term.steps)) == ("long_term", "1 day", 3)
    assert len(content.causes[0].solution.validation) == 2
    assert content.prevention.monitoring[0].startswith("# Alert on high memory usage\nalert:")
    assert len(content.prevention.process) == 2
    # and what it parsed to renders and parses back unchanged
    _round_trip(content)


# ---- not a runbook --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no '# Runbook: <title>' heading"),
        ("just some notes\n- eggs\n", "no '# Runbook: <title>' heading"),
        ("# Shopping list\n\n- eggs\n", "no '# Runbook: <title>' heading"),
        ("## Runbook: wrong level\n", "no '# Runbook: <title>' heading"),
        ("# Runbook:   \n", "has no title"),
        ("# Runbook: T\n\n## Notes\n\nhello\n", "unknown heading 'Notes'"),
        ("# Runbook: T\n\n## Solution\n\n### Hotfix\n- x\n", "unknown heading 'Hotfix'"),
        ("# Runbook: T\n\n**Severity**: apocalyptic\n", "unknown severity 'apocalyptic'"),
        ("# Runbook: T\n\n**Created**: yesterday\n", "must be a date like 2025-10-05"),
        ("# Runbook: T\n\n**Average Resolution Time**: soon\n", "average resolution time"),
        ("# Runbook: T\n\nintro text\n", "unexpected text before the first '## ' section"),
        ("# Runbook: T\n\n## Solution\n\n### Rollback\n\nundo it\n", "unexpected text under"),
        ("# Runbook: T\n\n## Solution\n\nsome text\n", "unexpected text directly under"),
        ("# Runbook: T\n\n## Problem Summary\n\n```bash\nls\n", "code block is never closed"),
        ("# Runbook: T\n\n# Runbook: U\n", "one '# ' heading"),
        ("# Runbook: T\n\n### Rollback\n- x\n", "must be inside a '## ' section"),
        ("# Runbook: T\n\n## Diagnosis\n\n### Validation\n```\nls\n```\n", "description"),
    ],
)
def test_non_runbook_text_is_refused_with_a_helpful_message(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_markdown(text)
    assert message in caught.value.message
    assert caught.value.status_code == 422


def test_a_syntax_error_carries_its_line_number() -> None:
    with pytest.raises(MarkdownError) as caught:
        parse_markdown("# Runbook: T\n\n**Severity**: apocalyptic\n")
    assert (caught.value.line, caught.value.message) == (3, f"line 3: {caught.value.problem}")
    assert "unknown severity 'apocalyptic'" in caught.value.problem


# ---- a procedure, not the incident log ------------------------------------------------------


def test_diagnosis_numbering_starts_at_1_over_the_subsections_present() -> None:
    content = RunbookContent.model_validate(
        {"title": "T", "diagnosis": {"validations": [{"description": "d", "command": "ls"}]}}
    )
    markdown = render_markdown(content)
    assert "### 1. Validation" in markdown
    assert "### 2." not in markdown


def test_no_rollback_gap_when_the_fix_is_itself_a_rollback() -> None:
    fix = {"title": "Roll back to revision 41", "commands": ["helm rollback api 41"]}
    content = RunbookContent.model_validate({"title": "T", "solution": {"fixes": [fix]}})
    assert "no rollback recorded" not in render_markdown(content)
    other = RunbookContent.model_validate({"title": "T", "solution": {"fixes": [{"title": "x"}]}})
    assert "no rollback recorded" in render_markdown(other)


def test_no_comment_only_code_blocks() -> None:
    content = RunbookContent.model_validate(
        {"title": "T", "diagnosis": {"validations": [{"description": "looked at the graphs"}]}}
    )
    markdown = render_markdown(content)
    assert "```" not in markdown
    assert "no command recorded for this check" in markdown
    _round_trip(content)


# ---- known causes -----------------------------------------------------------------------------


def _two_causes() -> RunbookContent:
    oom = _redis_oom()
    second = {
        "checks": [
            {
                "description": "Check the eviction policy",
                "command": "redis-cli CONFIG GET maxmemory-policy",
                "output": "noeviction",
                "conclusion": "keys are never evicted",
            }
        ],
        "root_cause": {"cause": "maxmemory-policy was noeviction", "evidence": ["noeviction"]},
        "solution": {
            "fixes": [{"title": "Set allkeys-lru", "commands": ["redis-cli CONFIG SET x y"]}],
            "tried_and_failed": [{"title": "Flush", "why_failed": "came back"}],
        },
    }
    data = oom.model_dump()
    return RunbookContent.model_validate({**data, "causes": [*data["causes"], second, {}]})


def test_one_cause_reads_like_the_seed_without_cause_headings() -> None:
    markdown = render_markdown(_redis_oom())
    assert "Cause 1" not in markdown
    assert "Which Cause" not in markdown


def test_several_causes_end_diagnosis_in_a_decision_and_split_root_cause_and_solution() -> None:
    markdown = render_markdown(_two_causes())
    lines = markdown.splitlines()
    for heading in (
        "### 3. Cause 1 — Validation",
        "### 4. Cause 2 — Validation",
        "### 5. Cause 3 — Validation",
        "### 6. Which Cause Is It?",
        "### Cause 1",
        "### Cause 2",
        "### Cause 2 — Immediate Fix: Set allkeys-lru",
        "### Cause 2 — Tried, Did Not Work: Flush",
        "### Cause 3",
    ):
        assert heading in lines, heading
    assert (
        "- If `redis-cli CONFIG GET maxmemory-policy` shows keys are never evicted → "
        "**Cause 2**: maxmemory-policy was noeviction"
    ) in lines
    assert "no check recorded that tells this cause apart" in markdown
    _round_trip(_two_causes())


def test_older_shape_is_read_as_one_cause() -> None:
    content = RunbookContent.model_validate(
        {
            "title": "T",
            "diagnosis": {"validations": [{"description": "d", "command": "ls"}]},
            "root_cause": {"cause": "c"},
            "solution": {"fixes": [{"title": "f"}]},
        }
    )
    (cause,) = content.causes
    assert (cause.checks[0].command, cause.root_cause.cause, cause.solution.fixes[0].title) == (
        "ls",
        "c",
        "f",
    )
    with pytest.raises(ValueError, match="not both"):
        RunbookContent.model_validate({"title": "T", "root_cause": {"cause": "c"}, "causes": [{}]})
