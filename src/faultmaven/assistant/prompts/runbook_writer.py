"""System prompts of the section-by-section runbook writer (``assistant.llm.runbook_writer``)."""

from __future__ import annotations

from faultmaven.assistant.prompts.fragments import (
    RUNBOOK_SECTION_GUIDE,
    WRITER_ROLE,
    WRITER_RULES,
    join,
)

SECTIONS: dict[str, tuple[str, str]] = {
    key: (title, text) for key, title, text in RUNBOOK_SECTION_GUIDE
}


def runbook_writer_prompt(section: str) -> str:
    """The system prompt for writing one section: ``summary``, ``diagnosis``, ``root_cause``,
    ``solution`` or ``prevention``."""
    try:
        title, contents = SECTIONS[section]
    except KeyError:
        raise ValueError(
            f"Unknown runbook section {section!r}; expected one of {', '.join(SECTIONS)}."
        ) from None
    task = (
        f"This time write the {title} section. It holds {contents} You receive the case "
        "record and the drafted section as JSON; answer with the improved section."
    )
    return join(WRITER_ROLE, task, WRITER_RULES)
