"""System prompts of the runbook writer (``assistant.llm.runbook_writer``): one call for the
problem summary, one for the diagnosis common to every cause, one per known cause (its checks,
root cause and solution) and one for prevention."""

from __future__ import annotations

from faultmaven.assistant.prompts.fragments import (
    RUNBOOK_SECTION_GUIDE,
    WRITER_ROLE,
    WRITER_RULES,
    _bullets,
    join,
)
from faultmaven.runbooks.schemas import FixOutcome

_GUIDE = {key: (title, text) for key, title, text in RUNBOOK_SECTION_GUIDE}

SECTIONS: dict[str, tuple[str, str]] = {
    "summary": _GUIDE["summary"],
    "diagnosis": (
        "Diagnosis Steps",
        "what every cause has in common: the blast-radius checks (what was checked to "
        "understand the impact and what it showed), the short history (when it started, what "
        "changed) and every hypothesis considered, with its status. The checks that tell the "
        "causes apart belong to each cause and are written with it.",
    ),
    "cause": (
        "known cause",
        "one known cause of the problem: the checks that tell it apart (exact command, its "
        "output and the conclusion that points to this cause), the root cause with the "
        "evidence that confirmed it and the contributing factors, and the solution: the fixes "
        "with their exact commands, how to verify and how to roll back, and the failed "
        "attempts.",
    ),
    "prevention": _GUIDE["prevention"],
}

CAUSE_RULES = "For a known cause:\n" + _bullets(
    (
        "Write only this cause. Never merge it with another cause, never drop it, and never "
        "move facts from one cause to another: each cause is written on its own.",
        "Keep every fix with its outcome: "
        f"{FixOutcome.applied.value} (done and confirmed), {FixOutcome.unverified.value} "
        f"(shipped or applied but not confirmed working: never present it as confirmed) and "
        f"{FixOutcome.proposed.value} (not carried out yet). Immediate and long-term fixes "
        "stay labelled as they are.",
        "Keep every failed attempt (tried_and_failed) with its steps and its why_failed: the "
        "reason it did not work. Reword the reason if it helps; never leave it out, never "
        "present a failed attempt as a fix.",
    )
)

GAP_RULES = "Gaps:\n" + _bullets(
    (
        "An empty field is a gap the runbook shows to the reader (e.g. no command recorded "
        "for a check, no rollback). Leave it empty unless the case record states what belongs "
        "there; then fill it with the case's own words. Never fill a gap with advice, a "
        "typical command or a guess.",
    )
)


def runbook_writer_prompt(section: str) -> str:
    """The system prompt for writing one part: ``summary``, ``diagnosis``, ``cause`` (one known
    cause; the request says which of how many) or ``prevention``."""
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
    extra = [CAUSE_RULES] if section == "cause" else []
    return join(WRITER_ROLE, task, WRITER_RULES, *extra, GAP_RULES)
