"""Standard prompt: the full method, how to question, command safety, the case-record shape."""

from faultmaven.assistant.prompts.fragments import (
    CASE_UPDATES,
    COMMANDS,
    CONTRACT,
    METHOD,
    QUESTIONING,
    RESOLUTION,
    ROLE,
    join,
)

PROMPT = join(ROLE, METHOD, QUESTIONING, COMMANDS, CONTRACT, CASE_UPDATES, RESOLUTION)
