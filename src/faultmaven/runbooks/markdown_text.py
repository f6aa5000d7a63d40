"""The runbook markdown's shared vocabulary (pure): the error, the parsed result, the
headings, labels, markers and gap texts, and the escaping helpers that rendering and parsing
both use. The format itself is described in :mod:`faultmaven.runbooks.markdown`."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from faultmaven.cases.schemas import HypothesisStatus, SolutionKind
from faultmaven.errors import InvalidInput
from faultmaven.runbooks.schemas import (
    FixOutcome,
    ResolutionBasis,
    RunbookContent,
)


class MarkdownError(InvalidInput):
    """Text that does not read as a runbook at ``line`` (1-based); the message says
    ``line N: <problem>``, and callers that know the file can say ``file:N: <problem>``."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class ParsedRunbook:
    content: RunbookContent
    created: date | None
    last_updated: date | None


# ---- shared vocabulary ----------------------------------------------------------------------

Block = list[str]  # lines rendered together; blocks are separated by one blank line

_LABEL_RE = re.compile(r"^\*\*([^*]+?)(?::\*\*|\*\*[ \t]*:)[ \t]*(.*)$")
_THEMATIC_RE = re.compile(r"^([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_GAP_RE = re.compile(r"^>[ \t]*_?gap\b", re.IGNORECASE)
_HEADING_RE = re.compile(r"^(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_FENCE_OPEN_RE = re.compile(r"^(`{3,}|~{3,})(.*)$")
_ITEM_RE = re.compile(r"^([-*+]|\d{1,9}[.)])(?:([ \t]+)(.*))?$")
_COMMENT_LABEL_RE = re.compile(r"^(output|conclusion|command)[ \t]*:[ \t]*(.*)$", re.IGNORECASE)
_TIMESTAMP_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
    r"[ \t]*(Z|UTC|[+-]\d{2}:?\d{2})?[ \t]*(?:—|–|--|-|:)?[ \t]*",
    re.IGNORECASE,
)
_KIND_RE = re.compile(r"^\((observation|change|deploy|alert|action)\)[ \t]*", re.IGNORECASE)
_THEORY_RE = re.compile(r"^\*\*theory(?:[ \t]+\d+)?(?:\*\*[ \t]*:|:\*\*)[ \t]*", re.IGNORECASE)
_STATUS_MARK_RE = re.compile(
    r"[ \t]*\((validated|refuted|inconclusive|proposed)(?:[ \t]*[✓✔✗✘×?!])?\)[ \t]*$",
    re.IGNORECASE,
)
_FIX_HEADING_RE = re.compile(
    r"^(?:(immediate|short[\s-]*term|long[\s-]*term|permanent)[ \t]+)?fix\b[ \t]*"
    r"(?:\((proposed|unverified)\b[^()]*\))?[ \t]*:?[ \t]*(.*)$",
    re.IGNORECASE,
)
_FAILED_HEADING_RE = re.compile(
    r"^tried[ \t]*,?[ \t]*(?:but[ \t]+)?did[ \t]+not[ \t]+work[ \t]*:[ \t]*(.+)$", re.IGNORECASE
)
_ITEM_LABEL_RE = re.compile(r"^\*\*(output|conclusion)(?::\*\*|\*\*[ \t]*:)[ \t]?(.*)$", re.I)
_ROLLBACK_FIX_RE = re.compile(
    r"\b(?:roll(?:ed|ing|s)?[ \t-]?back|revert(?:ed|ing|s)?|rollout[ \t]+undo)\b", re.IGNORECASE
)
_DURATION_LINE_RE = re.compile(r"^\*\*duration(?::\*\*|\*\*[ \t]*:)[ \t]*(.*)$", re.IGNORECASE)
_TRAILING_PARENS_RE = re.compile(r"[ \t]*\(([^()]*)\)$")
_TIME_TOKEN_RE = re.compile(
    r"(\d+(?:\.\d+)?)[ \t]*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b",
    re.IGNORECASE,
)
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}

_MARKERS = {
    HypothesisStatus.validated: "(VALIDATED ✓)",
    HypothesisStatus.refuted: "(REFUTED ✗)",
    HypothesisStatus.inconclusive: "(INCONCLUSIVE ?)",
    HypothesisStatus.proposed: "(PROPOSED)",
}
_FIX_LABELS = {SolutionKind.immediate: "Immediate Fix", SolutionKind.long_term: "Long-term Fix"}
_OUTCOME_LABELS = {
    FixOutcome.applied: "",
    FixOutcome.unverified: " (unverified: shipped, not confirmed working)",
    FixOutcome.proposed: " (proposed: not carried out yet)",
}
_BASIS_LABELS = {
    ResolutionBasis.incident_start: "from incident start",
    ResolutionBasis.case_opened: "from case opened in FaultMaven; no incident start recorded",
    ResolutionBasis.mixed: "from incident start where recorded, else from case opened",
}
_FAILED_LABEL = "Tried, Did Not Work"
_DECISION_HEADING = "Which Cause Is It?"
_CAUSE_PREFIX_RE = re.compile(r"^cause[ \t]+(\d{1,3})\b[ \t]*(?:(?:—|–|--|-|:)[ \t]*(.*))?$", re.I)
_COMMAND_MARK = "# Command:"

_GAPS = {
    "symptoms": "no symptoms recorded — add the errors, alerts or behaviour that were observed.",
    "root_cause": "no root cause recorded — add what actually caused the problem.",
    "fix": "no fix recorded — add the exact commands or changes that resolved the problem.",
    "verification": "no verification recorded — add how to confirm the fix worked.",
    "rollback": "no rollback recorded — add how to undo the fix.",
    "checks": "no check recorded that tells this cause apart — add the check and the output "
    "that points to it.",
    "tell_apart": "_no check recorded that tells this cause apart: add one._",
    "fix_steps": "no steps or commands recorded for this fix — add what to do.",
    "command": "no command recorded for this check — add the command you ran.",
    "why_failed": "no reason recorded — add why this did not work.",
    "diagnosis": "no diagnostic check recorded — add the checks to run first (the command and "
    "what its output shows).",
}


# ---- small text helpers ---------------------------------------------------------------------


def _gap(key: str) -> str:
    return f"> _Gap: {_GAPS[key]}_"


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text)


def _escape(line: str, special: Callable[[str], bool]) -> str:
    """Prefix a backslash when the line (past any backslashes it starts with) is ``special``."""
    return "\\" + line if special(line.lstrip("\\")) else line


def _unescape(line: str, special: Callable[[str], bool]) -> str:
    return line[1:] if line.startswith("\\") and special(line.lstrip("\\")) else line


def _is_structural(line: str) -> bool:
    """Would this paragraph line be read as something other than paragraph text?"""
    return bool(
        line.startswith(("#", ">", "```", "~~~"))
        or _LABEL_RE.match(line)
        or _THEMATIC_RE.match(line)
    )


def _is_comment_label(text: str) -> bool:
    return bool(_COMMENT_LABEL_RE.match(text))


def _trim_blank(lines: Sequence[str]) -> list[str]:
    lines = list(lines)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _blank_separated(lines: Sequence[str]) -> list[list[str]]:
    groups: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    return [group for group in groups if group]


def _is_item_label(text: str) -> bool:
    return bool(_ITEM_LABEL_RE.match(text))
