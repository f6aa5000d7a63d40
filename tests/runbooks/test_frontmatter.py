"""Runbook files with front matter: export -> import gives the same runbook (property-based
over generated runbooks), the status rule, and what a bad front matter says."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faultmaven.errors import InvalidInput
from faultmaven.runbooks.frontmatter import parse_document, render_document
from faultmaven.runbooks.schemas import Runbook, RunbookStatus

NOW = datetime(2025, 10, 6, 9, 30, tzinfo=UTC)
# letters plus the characters that mean something in markdown, YAML or the runbook format
ALPHABET = st.sampled_from(list("abcXYZ019 -#*`>:_()[]./\\|'\"{}—✓\n"))

line = st.text(ALPHABET, min_size=1, max_size=30).map(lambda t: " ".join(t.split())).filter(bool)
text = st.text(ALPHABET, min_size=1, max_size=60).filter(lambda t: t.strip() != "")
name = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
texts = st.lists(text, max_size=3)
commands = st.lists(text, max_size=2)

checks = st.fixed_dictionaries(
    {
        "description": text,
        "command": st.one_of(st.just(""), text),
        "output": st.one_of(st.just(""), text),
        "conclusion": st.one_of(st.just(""), text),
    }
)
fixes = st.fixed_dictionaries(
    {
        "title": line,
        "kind": st.sampled_from(["immediate", "long_term"]),
        "outcome": st.sampled_from(["applied", "unverified", "proposed"]),
        "duration": st.one_of(st.just(""), st.sampled_from(["10 mins", "1 day"])),
        "steps": texts,
        "commands": commands,
    }
)
attempts = st.fixed_dictionaries(
    {
        "title": line,
        "steps": texts,
        "commands": commands,
        "why_failed": st.one_of(st.just(""), text),
    }
)
causes = st.fixed_dictionaries(
    {
        "checks": st.lists(checks, max_size=2),
        "root_cause": st.fixed_dictionaries(
            {"cause": st.one_of(st.just(""), text), "evidence": texts}
        ),
        "solution": st.fixed_dictionaries(
            {
                "fixes": st.lists(fixes, max_size=2),
                "validation": texts,
                "rollback": texts,
                "tried_and_failed": st.lists(attempts, max_size=2),
            }
        ),
        "source_case_ids": st.lists(
            st.from_regex(r"case_[0-9a-f]{12}", fullmatch=True), max_size=2
        ),
        "times_seen": st.integers(0, 50),
        "last_seen": st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2030, 1, 1))),
    }
)
runbooks = st.fixed_dictionaries(
    {
        "title": line,
        "summary": st.one_of(st.just(""), text),
        "severity": st.sampled_from(["critical", "high", "medium", "low"]),
        "symptoms": texts,
        "affected_systems": st.lists(line, max_size=2),
        "diagnosis": st.fixed_dictionaries(
            {
                "blast_radius": st.lists(
                    st.fixed_dictionaries({"check": text, "finding": st.one_of(st.just(""), text)}),
                    max_size=2,
                ),
                "hypotheses": st.lists(
                    st.fixed_dictionaries(
                        {
                            "statement": text,
                            "status": st.sampled_from(
                                ["proposed", "validated", "refuted", "inconclusive"]
                            ),
                        }
                    ),
                    max_size=2,
                ),
            }
        ),
        "causes": st.lists(causes, min_size=1, max_size=3),
        "prevention": st.fixed_dictionaries({"monitoring": texts, "process": texts}),
        "average_resolution_minutes": st.one_of(st.none(), st.floats(0, 10_000)),
        "resolution_time_basis": st.sampled_from([None, "incident_start", "case_opened", "mixed"]),
        "status": st.sampled_from(list(RunbookStatus)),
        "services": st.lists(name, max_size=2),
        "tags": st.lists(name, max_size=2),
        "owner": st.one_of(st.none(), name),
        "review_by": st.one_of(st.none(), st.dates(date(2024, 1, 1), date(2030, 1, 1))),
        "source_case_ids": st.lists(
            st.from_regex(r"case_[0-9a-f]{12}", fullmatch=True), max_size=3
        ),
    }
)


def _runbook(data: dict[str, Any]) -> Runbook:
    return Runbook.model_validate(
        {
            **data,
            "id": "rb_0123456789ab",
            "version": 3,
            "author": "t",
            "created_at": NOW,
            "updated_at": NOW,
        }
    )


# kept by the store, not the file; the owning team is the importer's
KEPT = ("version", "author", "created_at", "updated_at", "generated_by", "redaction", "team_id")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runbooks)
def test_export_then_import_gives_the_same_runbook(data: dict[str, Any]) -> None:
    runbook = _runbook(data)
    document = render_document(runbook)
    item = parse_document(document, default_status=RunbookStatus.draft)
    expected = runbook.model_dump(exclude=set(KEPT))
    assert item.model_dump() == expected, document


def test_the_status_the_file_states_wins_else_the_default() -> None:
    runbook = _runbook({"title": "T", "status": "archived"})
    assert parse_document(render_document(runbook), default_status=RunbookStatus.draft).status == (
        RunbookStatus.archived
    )
    plain = "# Runbook: T\n\n## Problem Summary\n\n**Symptoms**:\n- x\n"
    assert parse_document(plain, default_status=RunbookStatus.draft).status is RunbookStatus.draft


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("colour: red\n", "colour"),
        ("status: shiny\n", "status"),
        ("severity: low\n", "severity low"),
        ("causes:\n- {times_seen: 1}\n- {times_seen: 2}\n", "2 cause(s)"),
        ("tags: [a\n", "YAML"),
    ],
)
def test_a_bad_front_matter_says_what_is_wrong(front: str, message: str) -> None:
    document = f"---\n{front}---\n# Runbook: T\n\n**Severity**: High\n"
    with pytest.raises(InvalidInput, match=re.escape(message)):
        parse_document(document, default_status=RunbookStatus.draft)


def test_a_markdown_error_below_the_front_matter_names_the_file_line() -> None:
    document = "---\nstatus: draft\n---\n# Runbook: T\n\n## Nonsense\n"
    with pytest.raises(InvalidInput, match="line 6"):
        parse_document(document, default_status=RunbookStatus.draft)


def test_services_and_tags_are_shown_to_people_in_the_header() -> None:
    runbook = _runbook(
        {"title": "T", "status": "draft", "services": ["redis", "api"], "tags": ["memory"]}
    )
    document = render_document(runbook)
    assert "**Services**: redis, api\n**Tags**: memory\n" in document
    item = parse_document(document, default_status=RunbookStatus.draft)
    assert (item.services, item.tags) == (["redis", "api"], ["memory"])
