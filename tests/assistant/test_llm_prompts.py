"""The doctor-patient prompts and the runbook-writer prompts."""

from __future__ import annotations

import json
import re

import pytest

from faultmaven.assistant.doctor_patient import (
    ActionType,
    CommandSafety,
    LLMResponse,
    SuggestedAction,
)
from faultmaven.assistant.prompts import (
    PROMPT_VERSIONS,
    RESOLUTION_NOTE_KEY,
    RESOLVED_KEY,
    fragments,
    runbook_writer_prompt,
    system_prompt,
)
from faultmaven.assistant.runbook_offer import ACCEPT_PAYLOAD, DECLINE_PAYLOAD, OFFER_SENTENCE
from faultmaven.cases.schemas import CaseCreate, RunbookOfferState
from faultmaven.errors import InvalidInput

VERSIONS = ("minimal", "standard", "detailed")
SECTIONS = ("Problem Summary", "Diagnosis Steps", "Root Cause", "Solution", "Prevention")


@pytest.mark.parametrize("version", VERSIONS)
def test_every_version_makes_the_runbook_offer_once(version: str) -> None:
    prompt = system_prompt(version)

    assert f'"{OFFER_SENTENCE}"' in prompt
    assert prompt.count(OFFER_SENTENCE) == 1
    assert f"case_updates.{RESOLVED_KEY} = true" in prompt
    assert RESOLUTION_NOTE_KEY in prompt
    assert RunbookOfferState.not_offered.value in prompt
    assert "at most once" in prompt


@pytest.mark.parametrize("version", VERSIONS)
def test_the_offer_actions_in_the_prompt_are_valid_suggested_actions(version: str) -> None:
    offer = system_prompt(version).split("suggested_actions are exactly these two:", 1)[1]
    objects = re.findall(r"\{\"label\".*?\}\}", offer)

    actions = [SuggestedAction.model_validate(json.loads(text)) for text in objects]

    assert [(a.type, a.payload) for a in actions] == [
        (ActionType.CREATE_RUNBOOK, ACCEPT_PAYLOAD),
        (ActionType.TRANSITION, DECLINE_PAYLOAD),
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_version_names_the_json_contract(version: str) -> None:
    prompt = system_prompt(version)

    for field in LLMResponse.model_fields:
        assert field in prompt
    assert "JSON" in prompt  # OpenAI's JSON mode requires the word


def test_versions_grow_from_minimal_to_detailed() -> None:
    minimal, standard, detailed = (system_prompt(v) for v in VERSIONS)

    assert len(minimal) < len(standard) < len(detailed)
    assert len(minimal) < 2000  # fits a small local model's context with room to spare
    assert len(set(PROMPT_VERSIONS.values())) == 3


def test_only_detailed_explains_every_runbook_section() -> None:
    for section in SECTIONS:
        assert section in system_prompt("detailed")
    assert "Diagnosis Steps" not in system_prompt("standard")
    assert "Diagnosis Steps" not in system_prompt("minimal")


@pytest.mark.parametrize("version", ["standard", "detailed"])
def test_standard_and_detailed_teach_the_method_and_command_safety(version: str) -> None:
    prompt = system_prompt(version)

    for phase, _ in fragments.PHASES:
        assert f"{phase}:" in prompt
    for safety in CommandSafety:
        assert safety.value in prompt
    assert "ONE focused question" in prompt
    assert "read-only commands first" in prompt


def test_minimal_still_lists_the_phases() -> None:
    for phase, _ in fragments.PHASES:
        assert phase in system_prompt("minimal")


def test_case_updates_keys_are_case_record_fields() -> None:
    keys = re.findall(r"^- (\w+):", fragments.CASE_UPDATES, flags=re.MULTILINE)

    assert keys[-1] == RESOLVED_KEY
    assert set(keys[:-1]) <= set(CaseCreate.model_fields)
    assert {"symptoms", "blast_radius", "timeline", "hypotheses", "solutions"} <= set(keys)


def test_fragments_are_shared_not_copied() -> None:
    for version in VERSIONS:
        assert fragments.RESOLUTION in system_prompt(version)
        assert fragments.ROLE in system_prompt(version)
    assert fragments.METHOD in system_prompt("standard")
    assert fragments.METHOD in system_prompt("detailed")


def test_unknown_version_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="minimal, standard, detailed"):
        system_prompt("verbose")


@pytest.mark.parametrize(
    ("section", "title"),
    [
        ("summary", "Problem Summary"),
        ("diagnosis", "Diagnosis Steps"),
        ("cause", "known cause"),
        ("prevention", "Prevention"),
    ],
)
def test_runbook_writer_prompt_per_section(section: str, title: str) -> None:
    prompt = runbook_writer_prompt(section)
    assert "Leave it empty unless the case record states what belongs there" in prompt

    assert f"write the {title} section" in prompt
    assert "Never invent or change commands" in prompt
    assert "backticks" in prompt


def test_the_cause_prompt_keeps_causes_failed_attempts_and_outcomes_apart() -> None:
    prompt = runbook_writer_prompt("cause")
    assert "Never merge it with another cause, never drop it" in prompt
    assert "why_failed" in prompt and "never leave it out" in prompt
    assert "unverified (shipped or applied but not confirmed working" in prompt
    assert "proposed (not carried out yet)" in prompt


def test_runbook_writer_prompt_rejects_unknown_sections() -> None:
    with pytest.raises(ValueError, match="summary, diagnosis"):
        runbook_writer_prompt("appendix")
