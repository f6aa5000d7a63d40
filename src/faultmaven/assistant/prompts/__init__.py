"""System prompts of the assistant.

``system_prompt(version)`` is the doctor-patient prompt (``Settings.prompt_version``:
minimal, standard or detailed); ``runbook_writer_prompt(section)`` is the prompt of the
section-by-section runbook writer. All are plain strings joined from ``fragments``.
"""

from __future__ import annotations

from faultmaven.assistant.prompts.doctor_patient import detailed, minimal, standard
from faultmaven.assistant.prompts.fragments import RESOLUTION_NOTE_KEY, RESOLVED_KEY
from faultmaven.assistant.prompts.runbook_writer import runbook_writer_prompt
from faultmaven.errors import InvalidInput

__all__ = [
    "PROMPT_VERSIONS",
    "RESOLUTION_NOTE_KEY",
    "RESOLVED_KEY",
    "runbook_writer_prompt",
    "system_prompt",
]

PROMPT_VERSIONS: dict[str, str] = {
    "minimal": minimal.PROMPT,
    "standard": standard.PROMPT,
    "detailed": detailed.PROMPT,
}


def system_prompt(version: str = "standard") -> str:
    """The doctor-patient system prompt of ``version`` (minimal, standard or detailed)."""
    try:
        return PROMPT_VERSIONS[version]
    except KeyError:
        raise InvalidInput(
            f"Unknown prompt version {version!r}; use one of {', '.join(PROMPT_VERSIONS)} "
            "(FAULTMAVEN_PROMPT_VERSION).",
            code="UNKNOWN_PROMPT_VERSION",
        ) from None
