"""The deterministic mapping of post-mortems to case records, on real public post-mortems in
three layouts (tests/data/postmortems, licences and sources beside them) and small synthetic
documents for what those lack (tables, runbook layouts, front matter)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from faultmaven.cases.schemas import TimelineKind
from faultmaven.postmortems.mapping import PostmortemError, map_postmortem

DATA = Path(__file__).parent.parent / "data" / "postmortems"


def _map(relative: str):
    path = DATA / relative
    return map_postmortem(path.read_text(encoding="utf-8"), name=path.name)


def _targets(mapped) -> dict[str, str | None]:
    return {section.heading: section.mapped_to for section in mapped.sections}


def test_kubernetes_layout() -> None:
    mapped = _map("kubernetes-test-infra/2019-01-23.md")
    case = mapped.case
    assert case.title == "January 23rd, 2019 Prow Outage"
    assert case.description.startswith("The main Kubernetes production Prow deployment")
    assert case.symptoms[0].startswith("Prow did not respond to any github events")
    assert case.root_cause is not None
    # reference links carry their URL (the definitions are in the appendix)
    assert case.root_cause.cause.startswith(
        "When the job config was [automatically updated](https://github.com/kubernetes/"
        "test-infra/pull/10886#issuecomment-456605785)"
    )
    factors = case.root_cause.contributing_factors
    # a lead-in ending with a colon takes what it introduces with it
    assert factors[0].startswith("PR review failure + config versioning: A PR merged that")
    assert factors[1] == (
        "Currently the only safe way to do this would be: Loosen the config loading behavior "
        "in a PR, ensure that tight validation matching the current Prow deployment remains "
        "in effect. This can be tricky when changing that behavior.; Deploy an updated Prow; "
        "Loosen the config validation behavior; Begin leveraging the new behavior"
    )
    assert factors[2] == "This should have been caught in review."
    (fix,) = case.solutions
    assert fix.outcome.value == "applied"
    assert fix.title.startswith("Initially a revert of a related configuration change was made")
    assert fix.steps[-1].startswith("The configuration was then manually re-synced")
    assert case.prevention is not None
    assert case.prevention.monitoring == [
        "We should have alerting on config load failures. We should be able to configure "
        "stackdriver logging to send an alert when these occur."
    ]
    # the action items first, then the lessons
    assert case.prevention.process[0].startswith("We should consider using a versioned API")
    assert case.prevention.process[2].startswith("Where we got lucky: We already had tooling")
    # the list under the date lines (all times in PST), then how it was detected (no time)
    assert case.timeline[-1].kind is TimelineKind.alert
    assert case.timeline[-1].event.startswith('This was "detected" by project members')
    merged = case.timeline[0]
    assert merged.at == datetime(2019, 1, 22, 22, 54, tzinfo=UTC)
    assert merged.event == (
        "[config behavior change PR](https://github.com/kubernetes/test-infra/pull/10868/files)"
        " merged"
    )
    assert merged.kind is TimelineKind.deploy
    assert case.opened_at == merged.at
    assert mapped.resolved_at == datetime(2019, 1, 23, 16, 36, tzinfo=UTC)
    targets = _targets(mapped)
    assert targets["Detection"] == "timeline (detection)"
    assert targets["What went wrong"] == "root_cause.contributing_factors"
    assert targets["Appendix"] is None
    unmapped = {part.heading: part for part in mapped.source.unmapped}
    assert unmapped["Appendix"].line == 138
    assert unmapped["Appendix"].text.startswith("## Appendix\n\n[Discussion in #testing-ops]")
    assert unmapped[""].text.startswith("Created By: Benjamin Elder")  # the preamble, kept
    assert mapped.warnings == [
        "2019-01-23.md:1: no severity stated: medium assumed; set it when reviewing"
    ]


def test_mybinder_layout_has_no_fix_and_says_so() -> None:
    mapped = _map("mybinder/2022-06-02-pod-limit.md")
    case = mapped.case
    assert case.title == "2022-01-27, pod limit reached"  # as the document says
    assert case.solutions == [] and case.root_cause is None
    assert any("no resolution / mitigation / recovery section" in w for w in mapped.warnings)
    assert mapped.warnings[0].startswith("2022-06-02-pod-limit.md:1: ")
    # "### 21:06 - Logger error" headings: date from the first heading, CET from the note
    start = case.timeline[0]
    assert (start.event, start.at) == ("Problem starts", datetime(2022, 6, 2, 9, tzinfo=UTC))
    events = [event.event for event in case.timeline]
    assert "Delete `gke-resource-quotas` and issue goes away" in events
    assert case.evidence[1].startswith("exceeded quota: gke-resource-quotas")  # the log block
    assert case.prevention is not None
    # what went wrong in the response, with no root cause recorded: a lesson, not a cause
    assert case.prevention.process[-1].startswith("What went wrong: It was 11 hours")
    assert case.prevention.monitoring[0].startswith("Uptime and alerting issue")


def test_flutter_layout_with_labels_br_lines_and_tables() -> None:
    mapped = _map("flutter/Postmortem-Build-Breakage-on-2016-11-08.md")
    case = mapped.case
    assert case.title == "Build Breakage on 2016-11-08"
    assert case.description.startswith("Travis reported failures on builds")
    assert case.affected_systems == ["flutter repository"]
    assert case.symptoms[0].startswith("Flutter team members were unable to merge new PRs.")
    fix_lands = case.timeline[-1]
    assert fix_lands.event == "Fix lands. **<END OF OUTAGE>**"
    assert fix_lands.at == datetime(2016, 11, 8, 22, 15, tzinfo=UTC)  # 14:15 PST
    assert case.timeline[0].at is None  # a date heading with prose and no time
    assert case.prevention is not None
    assert case.prevention.monitoring[0].startswith(
        "We should have a continuous monitoring bot that tries to run all our tests (Owner: ianh;"
    )
    # "Fixes" among the action items: long-term fixes, done (not confirmed) or proposed
    done, planned = case.solutions
    assert done.title == "Update our package:args dependency to a known good version"
    assert (done.kind.value, done.outcome.value) == ("long_term", "unverified")
    assert done.steps[0].endswith("; Notes: Done)")
    assert planned.title.startswith("Deploy a forward-rolling bot that goes red")
    assert (planned.kind.value, planned.outcome.value) == ("long_term", "proposed")
    assert mapped.warnings[0].endswith("no immediate fix; add the fix when reviewing it")
    assert _targets(mapped)["Fixes"].startswith("solutions (long-term")
    assert case.root_cause is not None
    assert case.root_cause.contributing_factors[0].startswith("There were indications")
    assert [part.text for part in mapped.source.unmapped] == ["Status: final\nOwners: chinmay"]


@pytest.mark.parametrize("path", sorted(p.relative_to(DATA) for p in DATA.rglob("*.md")))
def test_every_real_postmortem_maps(path: Path) -> None:
    if path.name == "README.md":
        with pytest.raises(PostmortemError):
            _map(str(path))
        return
    mapped = _map(str(path))
    assert mapped.case.title and mapped.case.timeline
    assert mapped.source.text == (DATA / path).read_text(encoding="utf-8")


TABLES = """---
title: Checkout API 502s
severity: SEV-2
---

## TL;DR

A bad feature flag rollout caused 502s in the EU region.

## Timeline (UTC)

| Time | Event |
|------|-------|
| 2025-05-20 08:41 | Alertmanager page: API 5xx > 20 % |
| 2025-05-20 09:02 | Flag percentage set to 0 %, errors drop |

## What went wrong

The flag defaulted to 100 % in the EU.

## Mitigation

Set the flag back to 0 %:

```bash
flagctl set checkout-v2 --percent 0
```

## Verification

- `curl -s https://api.example.com/health` returns 200

## Follow-ups

- [x] Alert on flag changes in production
- [ ] Review flag defaults

## Customer communication

We e-mailed the affected merchants.
"""


def test_tables_front_matter_and_synonyms() -> None:
    mapped = map_postmortem(TABLES, name="flag.md")
    case = mapped.case
    assert case.title == "Checkout API 502s" and case.severity.value == "high"
    assert case.description == "A bad feature flag rollout caused 502s in the EU region."
    assert [(e.at, e.event) for e in case.timeline] == [
        (datetime(2025, 5, 20, 8, 41, tzinfo=UTC), "Alertmanager page: API 5xx > 20 %"),
        (datetime(2025, 5, 20, 9, 2, tzinfo=UTC), "Flag percentage set to 0 %, errors drop"),
    ]
    assert case.timeline[0].kind is TimelineKind.alert
    assert case.root_cause is not None
    assert case.root_cause.cause == "The flag defaulted to 100 % in the EU."
    (fix,) = case.solutions
    assert fix.title == "Set the flag back to 0 %:"
    assert fix.commands == ["flagctl set checkout-v2 --percent 0"]
    assert fix.validation == ["`curl -s https://api.example.com/health` returns 200"]
    assert case.prevention is not None
    assert case.prevention.monitoring == ["Alert on flag changes in production (done)"]
    assert case.prevention.process == ["Review flag defaults"]
    (kept,) = mapped.source.unmapped
    assert (kept.heading, kept.line) == ("Customer communication", 38)
    assert kept.text == "## Customer communication\n\nWe e-mailed the affected merchants."
    assert mapped.resolved_at == datetime(2025, 5, 20, 9, 2, tzinfo=UTC)


RUNBOOK_LAYOUT = """# Disk full on kafka brokers

## Symptoms

- Producers time out
- `No space left on device` in broker logs

## Diagnosis

1. Check disk usage

```
df -h /var/lib/kafka
```

## Steps

1. Lower retention on the biggest topic

```
kafka-configs --alter --entity-type topics --entity-name logs --add-config retention.ms=3600000
```

## Rollback

- Restore `retention.ms` to its previous value
"""


def test_a_runbook_in_another_layout() -> None:
    case = map_postmortem(RUNBOOK_LAYOUT, name="kafka.md").case
    assert case.symptoms == ["Producers time out", "`No space left on device` in broker logs"]
    assert [(v.description, v.command) for v in case.validations] == [
        ("Check disk usage", "df -h /var/lib/kafka")
    ]
    (fix,) = case.solutions
    assert fix.title == "Lower retention on the biggest topic"
    assert fix.commands[0].startswith("kafka-configs --alter")
    assert fix.rollback == ["Restore `retention.ms` to its previous value"]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("", 1, "the file is empty"),
        ("# Notes\n\nJust some text.\n\n## Shopping list\n\n- milk\n", 5, "no post-mortem"),
    ],
)
def test_documents_that_are_not_postmortems(text: str, line: int, problem: str) -> None:
    with pytest.raises(PostmortemError) as raised:
        map_postmortem(text, name="notes.md")
    assert raised.value.message.startswith(f"notes.md:{line}: {problem}")


def test_control_characters_and_impossible_times() -> None:
    with pytest.raises(PostmortemError) as raised:
        map_postmortem("# T\n\n## Summary\n\nbad \x00 byte\n", name="nul.md")
    assert raised.value.message.startswith("nul.md:5: contains")
    far = map_postmortem(
        "# T\n\n## Timeline\n\n- 9999-12-31 23:00 PST: late\n- 0001-01-01 00:10 CET: early\n",
        name="far.md",
    )
    assert [event.at for event in far.case.timeline] == [None, None]


def test_fixes_among_the_action_items_and_lead_ins() -> None:
    text = (
        "# Disk full on db-1\n\n## Root cause\n\nThe WAL volume filled up:\n\n"
        "- archiving was off\n- the alert was muted\n\n## Action items\n\n### Fixes\n\n"
        "- [x] Turn WAL archiving back on\n- [ ] Grow the volume to 2 TB\n"
    )
    mapped = map_postmortem(text, name="db.md")
    assert mapped.case.root_cause is not None
    assert mapped.case.root_cause.cause == (
        "The WAL volume filled up: archiving was off; the alert was muted"
    )
    on, grow = mapped.case.solutions
    assert (on.title, on.kind.value, on.outcome.value) == (
        "Turn WAL archiving back on",
        "long_term",
        "unverified",
    )
    assert (grow.title, grow.outcome.value) == ("Grow the volume to 2 TB", "proposed")
