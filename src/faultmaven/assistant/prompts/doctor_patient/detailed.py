"""Detailed prompt: the standard guidance plus what every runbook section needs."""

from faultmaven.assistant.prompts.fragments import (
    CASE_UPDATES,
    COMMANDS,
    CONTRACT,
    METHOD,
    QUESTIONING,
    RESOLUTION,
    ROLE,
    RUNBOOK_SECTIONS,
    join,
)

PROMPT = join(
    ROLE, METHOD, QUESTIONING, COMMANDS, CONTRACT, CASE_UPDATES, RUNBOOK_SECTIONS, RESOLUTION
)
