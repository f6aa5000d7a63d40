"""Minimal prompt: for small local models. The method in one line, the JSON keys, the offer."""

from faultmaven.assistant.prompts.fragments import (
    CONTRACT_BRIEF,
    METHOD_BRIEF,
    RESOLUTION,
    ROLE,
    join,
)

PROMPT = join(ROLE, METHOD_BRIEF, CONTRACT_BRIEF, RESOLUTION)
