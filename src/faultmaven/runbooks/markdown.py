"""Runbooks as markdown: render a ``RunbookContent`` in the seed's format and parse it back.

Pure functions, no I/O. :func:`render_markdown` writes the document, :func:`parse_markdown`
reads it (or a hand-edited copy) back and raises :class:`~faultmaven.errors.InvalidInput` saying
what is wrong when the text is not a runbook.

The format
----------
::

    # Runbook: Redis Cluster OOM Kills

    **Created**: 2025-10-05
    **Last Updated**: 2025-10-06
    **Severity**: Critical
    **Average Resolution Time**: 1 hour 5 minutes (from incident start)

    ## Problem Summary

    Redis pods repeatedly restart with OOM kills in production.

    **Symptoms**:
    - Pods restarting every 5-10 minutes

    **Affected Systems**:
    - Redis cluster (3 pods)

    **History**:
    - 2025-10-05 14:10 UTC — (deploy) Deployed larger session objects
    - 2025-10-05 14:30 UTC — Problem started

    ## Diagnosis Steps

    ### 1. Blast Radius Assessment
    - `kubectl get pods -n production` — 3/3 redis pods in CrashLoopBackOff

    ### 2. Hypothesis Formation
    - **Theory 1**: Memory leak in Redis (REFUTED ✗)
    - **Theory 2**: Session objects too large (VALIDATED ✓)

    ### 3. Validation
    ```bash
    # Check memory usage
    kubectl top pod redis-0 -n production
    # Output: 2.1Gi / 2Gi (105% - OOM threshold)
    # Conclusion: memory is at the limit
    ```

    - Check the memory graph of the last deploy
      **Conclusion**: usage doubled at 14:10
    > _Gap: no command recorded for this check — add the command you ran._

    ## Root Cause

    Session objects grew from 100KB to 5MB.

    **Evidence**:
    - serialized length: 5242880

    **Contributing Factors**:
    - No memory alert

    ## Solution

    ### Immediate Fix: Increase Redis memory limit (10 mins)
    1. Raise the limit to 8Gi

    ```bash
    kubectl rollout restart statefulset/redis -n production
    ```

    ### Long-term Fix (proposed: not carried out yet): Compress large session fields (1 day)
    > _Gap: no steps or commands recorded for this fix — add what to do._

    ### Verification
    - kubectl get pods -n production -w

    ### Rollback
    > _Gap: no rollback recorded — add how to undo the fix._

    ### Tried, Did Not Work: Restart only
    ```bash
    kubectl delete pod redis-0
    ```

    **Why it failed**:
    - the pods were OOMKilled again within minutes

    ## Prevention

    ### Monitoring
    - Alert on memory above 80%

Sections and fields with nothing recorded are left out, except the essential ones, which get a
``> _Gap: ..._`` line saying what to add (the parser ignores it): symptoms, root cause, fix, a
fix's steps or commands, a check's command, verification, rollback (not when a fix is itself a
rollback: there is nothing to undo it with but the change it undid), why an attempt failed.
Nothing is invented: the renderer writes only what the content holds.

A procedure, not the incident log: the timeline is a short **History** in the Problem Summary
(when it started, what changed); Diagnosis Steps are the checks, blast radius first, numbered
from 1 over the subsections present. Checks without a command are list items (``**Output**:``
and ``**Conclusion**:`` lines under them), never a code block holding only comments. Fixes carry
their outcome in the heading: ``(unverified: shipped, not confirmed working)`` or ``(proposed:
not carried out yet)``; applied fixes have no label. Failed attempts are ``### Tried, Did Not
Work: <title>`` subsections with their steps, commands and ``**Why it failed**:``. The average
resolution time says what it is measured from (``(from incident start)``, ...).

Escaping, so that every field round-trips
-----------------------------------------
* List items (and numbered fix steps) may span lines: continuation lines are indented by the
  width of the marker (``- `` -> 2 spaces, ``12. `` -> 4), blank lines inside an item stay blank.
* Paragraphs (summary, root cause): a line that would read as markdown structure (``#``, ``>``,
  a fence, a ``**Label**:`` line, ``---``) is written with a leading backslash, which markdown
  viewers hide and the parser removes.
* A blast-radius check is a code span with as many backticks as needed; ``— finding`` follows.
* A timeline event shows its kind as ``(deploy)`` etc. when it is not an observation, and as
  ``(observation)`` when the text itself starts like a kind or a timestamp.
* A hypothesis ending in something that looks like a status marker gets an explicit
  ``(PROPOSED)`` marker when it is only proposed.
* Validations share one ``bash`` block, separated by blank lines. A validation whose command
  would be misread there (a blank line, a leading ``#`` line) gets its own block in which a
  ``# Command:`` line starts the command and ``# Output:``/``# Conclusion:`` always follow. Comment
  lines that start with ``Output:``/``Conclusion:``/``Command:`` are escaped with a backslash.
* Fix commands are one per line, or separated by blank lines when some span lines; when that would
  be ambiguous each command gets its own block starting with a ``# Command:`` line.
* A fix heading whose title ends in ``(...)`` gets its duration on a ``**Duration**:`` line.

Limitations (documented, tested)
--------------------------------
* The runbook title, fix and failed-attempt titles and fix durations are single-line (the
  schema reads line breaks in them as spaces).
* ``\\r\\n`` line endings are read as ``\\n``, also inside field values.
* Average resolution time is rendered to the second (``1 hour 5 minutes 17 seconds``); whole
  minutes and whole seconds round-trip exactly, other fractions are rounded.
* Timestamps are rendered in UTC (the same instant comes back, with a UTC timezone).

Reading hand-edited markdown
----------------------------
Headings are matched by keyword, in any case and with or without numbering; ``*``/``+``/numbered
bullets, extra blank lines, ``---`` rules and ``**Label:**`` styles are accepted; ``### Symptoms``
may replace ``**Symptoms**:``; a ``### Timeline Analysis`` under Diagnosis Steps (the seed's and
the older format) is read as the history; a ``### Tried, Did Not Work`` list of
``**title**: `command``` bullets is read as failed attempts; a ``bash`` block in a list section
gives one item per blank-line-separated group; ``### Immediate Fix (10 mins)`` without a title
gets the title "Immediate Fix". Unknown sections, unknown subsections and stray text raise
``InvalidInput`` rather than being dropped silently; the one exception is unknown
``**Key**: value`` lines above the first section (store metadata such as an owner, which is not
runbook content), which are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError

from faultmaven.cases.schemas import HypothesisStatus, Severity, SolutionKind, TimelineKind
from faultmaven.errors import InvalidInput
from faultmaven.runbooks.schemas import (
    DiagnosisCheck,
    DiagnosisEvent,
    DiagnosisHypothesis,
    DiagnosisValidation,
    FailedAttempt,
    Fix,
    FixOutcome,
    KnownCause,
    ResolutionBasis,
    RunbookContent,
    SolutionSection,
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


# ---- rendering: building blocks -------------------------------------------------------------


def _join_blocks(blocks: Iterable[Sequence[str]]) -> list[str]:
    """Blocks of lines, one blank line between each."""
    lines: list[str] = []
    for block in blocks:
        lines.extend(["", *block] if lines else block)
    return lines


def _fence(body: Sequence[str], info: str = "bash") -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", "\n".join(body))), default=0)
    ticks = "`" * max(3, longest + 1)
    return [ticks + info, *body, ticks]


def _items(items: Iterable[str], *, numbered: bool = False) -> list[str]:
    lines: list[str] = []
    for number, item in enumerate(items, 1):
        marker = f"{number}." if numbered else "-"
        first, *rest = item.split("\n")
        lines.append(f"{marker} {first}")
        pad = " " * (len(marker) + 1)
        lines.extend(pad + line if line else "" for line in rest)
    return lines


def _paragraph(text: str) -> list[str]:
    return [_escape(line, _is_structural) for line in text.split("\n")]


def _code_span(text: str) -> str:
    runs = {len(run) for run in re.findall(r"`+", text)}
    count = 1
    while count in runs:
        count += 1
    ticks = "`" * count
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _format_minutes(minutes: float) -> str:
    hours, rest = divmod(round(minutes * 60), 3600)
    mins, seconds = divmod(rest, 60)
    parts = [
        f"{amount} {unit}{'' if amount == 1 else 's'}"
        for amount, unit in ((hours, "hour"), (mins, "minute"), (seconds, "second"))
        if amount
    ]
    return " ".join(parts) or "0 minutes"


def _format_timestamp(at: datetime) -> str:
    at = at.astimezone(UTC)
    text = at.strftime("%Y-%m-%d %H:%M")
    if at.second or at.microsecond:
        text += f":{at.second:02d}"
    if at.microsecond:
        text += f".{at.microsecond:06d}"
    return text + " UTC"


# ---- rendering: entries ---------------------------------------------------------------------


def _check_item(check: DiagnosisCheck) -> str:
    span = _code_span(check.check)
    return f"{span} — {check.finding}" if check.finding else span


def _event_item(event: DiagnosisEvent) -> str:
    text = ""
    if event.at is not None:
        text = f"{_format_timestamp(event.at)} — "
    ambiguous = _KIND_RE.match(event.event) or (
        event.at is None and _split_timestamp(event.event) is not None
    )
    if event.kind is not TimelineKind.observation or ambiguous:
        text += f"({event.kind.value}) "
    return text + event.event


def _hypothesis_item(number: int, hypothesis: DiagnosisHypothesis) -> str:
    text = f"**Theory {number}**: {hypothesis.statement}"
    status = hypothesis.status
    if status is not HypothesisStatus.proposed or _STATUS_MARK_RE.search(hypothesis.statement):
        text += f" {_MARKERS[status]}"
    return text


def _comment(text: str) -> str:
    text = _escape(text, _is_comment_label)
    return f"# {text}" if text else "#"


def _labelled(label: str, text: str) -> list[str]:
    first, *rest = text.split("\n")
    return [f"# {label}:" + (f" {first}" if first else ""), *(_comment(line) for line in rest)]


def _validation_group(validation: DiagnosisValidation, *, explicit: bool) -> list[str]:
    lines = [_comment(line) for line in validation.description.split("\n")]
    if explicit:
        lines.append(_COMMAND_MARK)
    if validation.command:
        lines.extend(validation.command.split("\n"))
    if explicit or validation.output:
        lines.extend(_labelled("Output", validation.output))
    if explicit or validation.conclusion:
        lines.extend(_labelled("Conclusion", validation.conclusion))
    return lines


def _reads_back(lines: list[str], expected: DiagnosisValidation) -> bool:
    try:
        parsed = [DiagnosisValidation.model_validate(v) for v in _parse_validation_block(lines)]
    except ValidationError:
        return False
    return parsed == [expected]


def _is_item_label(text: str) -> bool:
    return bool(_ITEM_LABEL_RE.match(text))


def _labelled_lines(label: str, text: str) -> list[str]:
    first, *rest = text.split("\n")
    lines = [f"**{label}**:" + (f" {first}" if first else "")]
    return lines + [_escape(line, _is_item_label) for line in rest]


def _commandless_validation(validation: DiagnosisValidation) -> list[str]:
    """A check without a command: a list item (no comment-only code block) and a gap marker."""
    lines = [_escape(line, _is_item_label) for line in validation.description.split("\n")]
    if validation.output:
        lines += _labelled_lines("Output", validation.output)
    if validation.conclusion:
        lines += _labelled_lines("Conclusion", validation.conclusion)
    return [*_items(["\n".join(lines)]), _gap("command")]


def _validation_blocks(validations: Sequence[DiagnosisValidation]) -> list[str]:
    """Simple validations share one block; awkward ones get an explicit block of their own;
    checks with no command are list items with a gap marker."""
    blocks: list[list[str]] = []
    shared: list[list[str]] = []
    for validation in validations:
        if not validation.command:
            if shared:
                blocks.append(_fence(_join_blocks(shared)))
                shared = []
            blocks.append(_commandless_validation(validation))
            continue
        group = _validation_group(validation, explicit=False)
        if _reads_back(group, validation):
            shared.append(group)
            continue
        if shared:
            blocks.append(_fence(_join_blocks(shared)))
            shared = []
        blocks.append(_fence(_validation_group(validation, explicit=True)))
    if shared:
        blocks.append(_fence(_join_blocks(shared)))
    return _join_blocks(blocks)


def _command_blocks(commands: Sequence[str]) -> list[str]:
    if not commands:
        return []
    if all("\n" not in command for command in commands):
        body = list(commands)
    else:
        body = "\n\n".join(commands).split("\n")
    if _parse_command_block(body) == list(commands):
        return _fence(body)
    blocks = [_fence([_COMMAND_MARK, *command.split("\n")]) for command in commands]
    return _join_blocks(blocks)


def _fix_block(fix: Fix, prefix: str = "") -> list[str]:
    label = prefix + _FIX_LABELS[fix.kind] + _OUTCOME_LABELS[fix.outcome]
    title, duration = _one_line(fix.title), _one_line(fix.duration)
    heading = f"{title} ({duration})" if duration else title
    if _split_duration(heading) == (title, duration):
        lines = [f"### {label}: {heading}"]
    else:
        lines = [f"### {label}: {title}", f"**Duration**:{f' {duration}' if duration else ''}"]
    if fix.steps:
        lines.extend(_items(fix.steps, numbered=True))
    elif not fix.commands:
        lines.append(_gap("fix_steps"))
    commands = _command_blocks(fix.commands)
    if commands:
        lines.extend(["", *commands] if len(lines) > 1 else commands)
    return lines


def _failed_block(attempt: FailedAttempt, prefix: str = "") -> list[str]:
    lines = [f"### {prefix}{_FAILED_LABEL}: {_one_line(attempt.title)}"]
    if attempt.steps:
        lines.extend(_items(attempt.steps, numbered=True))
    commands = _command_blocks(attempt.commands)
    if commands:
        lines.extend(["", *commands] if len(lines) > 1 else commands)
    why = [_gap("why_failed")]
    if attempt.why_failed:
        why = ["**Why it failed**:", *_items([attempt.why_failed])]
    return [*lines, "", *why] if len(lines) > 1 else [*lines, *why]


def _is_rollback(fix: Fix) -> bool:
    """A fix that is itself a rollback (nothing to undo it with but the release it undid)."""
    texts = [fix.title, *fix.steps, *fix.commands]
    return fix.outcome is not FixOutcome.proposed and any(_ROLLBACK_FIX_RE.search(t) for t in texts)


# ---- rendering: sections --------------------------------------------------------------------


def _labelled_list(label: str, items: Sequence[str], gap: str | None = None) -> list[Block]:
    if items:
        return [[f"**{label}**:", *_items(items)]]
    return [[f"**{label}**:", _gap(gap)]] if gap else []


def _sub_list(heading: str, items: Sequence[str], gap: str | None = None) -> list[Block]:
    if items:
        return [[f"### {heading}", *_items(items)]]
    return [[f"### {heading}", _gap(gap)]] if gap else []


def _header_blocks(
    content: RunbookContent, created: date | None, updated: date | None
) -> list[Block]:
    meta: Block = []
    if created is not None:
        meta.append(f"**Created**: {created.isoformat()}")
    if updated is not None:
        meta.append(f"**Last Updated**: {updated.isoformat()}")
    meta.append(f"**Severity**: {content.severity.value.capitalize()}")
    if content.average_resolution_minutes is not None:
        minutes = _format_minutes(content.average_resolution_minutes)
        basis = content.resolution_time_basis
        if basis is not None:
            minutes += f" ({_BASIS_LABELS[basis]})"
        meta.append(f"**Average Resolution Time**: {minutes}")
    return [[f"# Runbook: {_one_line(content.title)}"], meta]


def _summary_blocks(content: RunbookContent) -> list[Block]:
    blocks: list[Block] = [["## Problem Summary"]]
    if content.summary:
        blocks.append(_paragraph(content.summary))
    blocks += _labelled_list("Symptoms", content.symptoms, "symptoms")
    blocks += _labelled_list("Affected Systems", content.affected_systems)
    history = [_event_item(event) for event in content.diagnosis.timeline]
    blocks += _labelled_list("History", history)
    return blocks


def _prefix(number: int | None) -> str:
    """``Cause 2 — `` before the subsection headings of a cause, when there are several."""
    return "" if number is None else f"Cause {number} — "


def _numbered_causes(content: RunbookContent) -> list[tuple[int | None, KnownCause]]:
    causes = content.causes
    if len(causes) == 1:
        return [(None, causes[0])]
    return list(enumerate(causes, 1))


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].strip()


def _decision_items(content: RunbookContent) -> list[str]:
    """ "If the check shows X -> Cause N": each cause's checks with the output that points to it."""
    lines: list[str] = []
    for number, cause in enumerate(content.causes, 1):
        name = _first_line(cause.root_cause.cause) or "cause not recorded"
        pointers = [
            f"If {_code_span(_first_line(check.command))} shows "
            f"{_first_line(check.conclusion or check.output)} → **Cause {number}**: {name}"
            for check in cause.checks
            if check.command and (check.output or check.conclusion)
        ]
        if not pointers:
            pointers = [f"**Cause {number}**: {name} — {_GAPS['tell_apart']}"]
        lines += pointers
    return lines


def _diagnosis_blocks(content: RunbookContent) -> list[Block]:
    diagnosis = content.diagnosis
    parts: list[tuple[str, list[str]]] = []
    if diagnosis.blast_radius:
        checks = [_check_item(check) for check in diagnosis.blast_radius]
        parts.append(("Blast Radius Assessment", _items(checks)))
    if diagnosis.hypotheses:
        theories = [_hypothesis_item(n, h) for n, h in enumerate(diagnosis.hypotheses, 1)]
        parts.append(("Hypothesis Formation", _items(theories)))
    several = len(content.causes) > 1
    for number, cause in _numbered_causes(content):
        if cause.checks:
            parts.append((f"{_prefix(number)}Validation", _validation_blocks(cause.checks)))
        elif several:
            parts.append((f"{_prefix(number)}Validation", [_gap("checks")]))
    if several:
        parts.append((_DECISION_HEADING, _items(_decision_items(content))))
    blocks = [[f"### {n}. {title}", *body] for n, (title, body) in enumerate(parts, 1)]
    return [["## Diagnosis Steps"], *blocks] if blocks else []


def _seen_line(cause: KnownCause) -> str:
    text = f"{cause.times_seen} time{'' if cause.times_seen == 1 else 's'}"
    if cause.last_seen is not None:
        text += f", last on {cause.last_seen.isoformat()}"
    if cause.source_case_ids:
        text += f" ({', '.join(cause.source_case_ids)})"
    return f"**Seen**: {text}"


def _cause_blocks(cause: KnownCause) -> list[Block]:
    root = cause.root_cause
    return [
        _paragraph(root.cause) if root.cause else [_gap("root_cause")],
        *_labelled_list("Evidence", root.evidence),
        *_labelled_list("Contributing Factors", root.contributing_factors),
    ]


def _root_cause_blocks(content: RunbookContent) -> list[Block]:
    if len(content.causes) == 1:
        return [["## Root Cause"], *_cause_blocks(content.causes[0])]
    blocks: list[Block] = [["## Root Cause"]]
    for number, cause in enumerate(content.causes, 1):
        blocks += [[f"### Cause {number}"], *_cause_blocks(cause), [_seen_line(cause)]]
    return blocks


def _fix_blocks(number: int | None, solution: SolutionSection) -> list[Block]:
    prefix = _prefix(number)
    blocks: list[Block] = []
    if not solution.fixes:
        blocks.append([_gap("fix")] if number is None else [f"### Cause {number}", _gap("fix")])
    blocks += [_fix_block(fix, prefix) for fix in solution.fixes]
    blocks += _sub_list(f"{prefix}Verification", solution.validation, "verification")
    undo_gap = None if any(_is_rollback(fix) for fix in solution.fixes) else "rollback"
    blocks += _sub_list(f"{prefix}Rollback", solution.rollback, undo_gap)
    blocks += [_failed_block(attempt, prefix) for attempt in solution.tried_and_failed]
    return blocks


def _solution_blocks(content: RunbookContent) -> list[Block]:
    blocks: list[Block] = [["## Solution"]]
    for number, cause in _numbered_causes(content):
        blocks += _fix_blocks(number, cause.solution)
    return blocks


def _prevention_blocks(content: RunbookContent) -> list[Block]:
    prevention = content.prevention
    blocks = [
        *_sub_list("Monitoring", prevention.monitoring),
        *_sub_list("Automation", prevention.automation),
        *_sub_list("Process", prevention.process),
    ]
    return [["## Prevention"], *blocks] if blocks else []


def render_markdown(
    content: RunbookContent, *, created: date | None = None, last_updated: date | None = None
) -> str:
    """The runbook as markdown in the seed's format; ``parse_markdown`` reads it back exactly."""
    blocks = [
        *_header_blocks(content, created, last_updated),
        *_summary_blocks(content),
        *_diagnosis_blocks(content),
        *_root_cause_blocks(content),
        *_solution_blocks(content),
        *_prevention_blocks(content),
    ]
    return "\n\n".join("\n".join(block) for block in blocks if block) + "\n"


# ---- parsing: tokens and sections -----------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    text: str
    number: int


@dataclass(frozen=True)
class _Fence:
    body: tuple[str, ...]
    raw: tuple[str, ...]
    number: int


Token = _Line | _Fence


@dataclass
class _Part:
    """A ``##`` section or a ``###`` subsection: its heading and what follows it."""

    title: str
    number: int
    tokens: list[Token] = field(default_factory=list)
    subsections: list[_Part] = field(default_factory=list)


def _tokenize(lines: Sequence[str]) -> list[Token]:
    """Lines, with fenced code blocks (opened at column 0) folded into one token each."""
    tokens: list[Token] = []
    index = 0
    while index < len(lines):
        opening = _FENCE_OPEN_RE.match(lines[index])
        if not opening or (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            tokens.append(_Line(lines[index], index + 1))
            index += 1
            continue
        fence = opening.group(1)
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if end == len(lines):
            raise MarkdownError(
                index + 1, f"code block is never closed; add a closing {fence} line"
            )
        tokens.append(
            _Fence(tuple(lines[index + 1 : end]), tuple(lines[index : end + 1]), index + 1)
        )
        index = end + 1
    return tokens


def _heading(token: Token) -> tuple[int, str] | None:
    if not isinstance(token, _Line):
        return None
    match = _HEADING_RE.match(token.text)
    return (len(match.group(1)), match.group(2) or "") if match else None


def _take_title(tokens: list[Token]) -> tuple[str, list[Token]]:
    for index, token in enumerate(tokens):
        if isinstance(token, _Line) and not token.text.strip():
            continue
        heading = _heading(token)
        match = re.match(r"^runbook[ \t]*[:—–-][ \t]*(.*)$", heading[1], re.I) if heading else None
        if heading is None or heading[0] != 1 or match is None:
            break
        if not match.group(1).strip():
            raise MarkdownError(token.number, "the '# Runbook:' heading has no title")
        return match.group(1).strip(), tokens[index + 1 :]
    raise InvalidInput(
        "markdown has no '# Runbook: <title>' heading; a runbook starts with a line like "
        "'# Runbook: Redis Cluster OOM Kills'"
    )


def _split_sections(tokens: list[Token]) -> tuple[list[Token], list[_Part]]:
    header: list[Token] = []
    sections: list[_Part] = []
    for token in tokens:
        heading = _heading(token)
        if heading is not None and heading[0] == 1:
            raise MarkdownError(
                token.number, "a runbook has one '# ' heading (its title); use '## ' for sections"
            )
        if heading is not None and heading[0] == 2:
            sections.append(_Part(heading[1], token.number))
        elif heading is not None and heading[0] == 3:
            if not sections:
                raise MarkdownError(
                    token.number, f"'### {heading[1]}' must be inside a '## ' section"
                )
            sections[-1].subsections.append(_Part(heading[1], token.number))
        elif not sections:
            header.append(token)
        else:
            (sections[-1].subsections or [sections[-1]])[-1].tokens.append(token)
    return header, sections


def _normalise(title: str) -> str:
    title = re.sub(r"^\d+[.)]?[ \t]*", "", title.strip().lower())
    return re.sub(r"[\s:#]+$", "", title)


def _classify(part: _Part, options: Sequence[tuple[str, Sequence[str]]], where: str) -> str:
    name = _normalise(part.title)
    for key, words in options:
        if any(word in name for word in words):
            return key
    raise MarkdownError(
        part.number,
        f"unknown heading {part.title!r} {where}; expected one of: "
        + ", ".join(words[0] for _, words in options),
    )


def _is_ignorable(token: Token) -> bool:
    if not isinstance(token, _Line):
        return False
    text = token.text
    return not text.strip() or bool(_GAP_RE.match(text) or _THEMATIC_RE.match(text))


def _reject_text(tokens: Iterable[Token], where: str) -> None:
    for token in tokens:
        if not _is_ignorable(token):
            raise MarkdownError(
                token.number,
                f"unexpected text directly under {where}; put it in one of its '### ' subsections",
            )


# ---- parsing: lists and paragraphs ----------------------------------------------------------


def _parse_items(tokens: Sequence[Token], where: str) -> list[str]:
    """Bullet/numbered items; continuation lines are indented; a code block gives its groups."""
    items: list[list[str]] = []
    width = 0
    blanks = 0
    for token in tokens:
        if isinstance(token, _Fence):
            items.extend(_blank_separated(token.body))
            width = 0
            continue
        line = token.text
        current = items[-1] if width else None
        item = _ITEM_RE.match(line)
        if current is not None and line.startswith(" " * width) and line:
            current.extend([""] * blanks + [line[width:]])
        elif not line.strip():
            blanks += 1
            continue
        elif current is not None and line[0] in " \t":
            current.extend([""] * blanks + [line.lstrip()])
        elif item and item.group(3) is not None and item.group(3).strip():
            items.append([item.group(3)])
            width = len(item.group(1)) + len(item.group(2))
        elif item or _is_ignorable(token):  # an empty bullet, a gap marker, a rule
            width = 0
        elif current is not None and not blanks:
            current.append(line)
        else:
            raise MarkdownError(
                token.number, f"unexpected text under {where}: {line!r}; list items start with '- '"
            )
        blanks = 0
    return ["\n".join(item) for item in items]


def _parse_paragraph(tokens: Sequence[Token]) -> str:
    lines: list[str] = []
    for token in tokens:
        if isinstance(token, _Fence):
            lines.extend(token.raw)
        elif not (_GAP_RE.match(token.text) or _THEMATIC_RE.match(token.text)):
            lines.append(_unescape(token.text, _is_structural))
    return "\n".join(_trim_blank(lines))


def _split_labels(
    tokens: Sequence[Token], labels: dict[str, str]
) -> tuple[list[Token], dict[str, list[Token]]]:
    """Text before the first known ``**Label**:`` line, and the tokens under each label."""
    intro: list[Token] = []
    lists: dict[str, list[Token]] = {}
    target = intro
    for token in tokens:
        match = _LABEL_RE.match(token.text) if isinstance(token, _Line) else None
        key = labels.get(match.group(1).strip().lower()) if match else None
        if match is None or key is None:
            target.append(token)
            continue
        target = lists.setdefault(key, [])
        if match.group(2).strip():
            target.append(_Line(f"- {match.group(2)}", token.number))
    return intro, lists


def _paragraph_section(
    section: _Part, text_key: str, labels: dict[str, str], into: dict[str, Any]
) -> None:
    intro, lists = _split_labels(section.tokens, labels)
    text = _parse_paragraph(intro)
    if text:
        into[text_key] = "\n\n".join(filter(None, [into.get(text_key, ""), text]))
    names = {key: label.title() for label, key in labels.items()}
    for key, tokens in lists.items():
        into.setdefault(key, []).extend(_parse_items(tokens, f"'**{names[key]}**'"))
    options = [(key, (label,)) for label, key in labels.items()]
    for sub in section.subsections:
        key = _classify(sub, options, f"under '## {section.title}'")
        into.setdefault(key, []).extend(_parse_items(sub.tokens, f"'### {sub.title}'"))


# ---- parsing: entries -----------------------------------------------------------------------


def _take_code_span(text: str) -> tuple[str, str] | None:
    opening = re.match(r"`+", text)
    if opening is None:
        return None
    count = len(opening.group())
    for closing in re.finditer(r"`+", text[count:]):
        if len(closing.group()) == count:
            content = text[count : count + closing.start()]
            if len(content) > 1 and content[0] == content[-1] == " " and content.strip(" "):
                content = content[1:-1]
            return content, text[count + closing.end() :]
    return None


def _parse_check(text: str) -> dict[str, str]:
    span = _take_code_span(text)
    if span is None:
        return {"check": text}
    check, rest = span
    finding = re.sub(r"^\s*(?:—|–|--|-|:)?[ \t]*", "", rest, count=1)
    return {"check": check, "finding": finding}


def _split_timestamp(text: str) -> tuple[datetime, str] | None:
    match = _TIMESTAMP_RE.match(text)
    if match is None or not text[match.end() :]:
        return None
    day, clock, zone = match.groups()
    try:
        at = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        return None
    if zone is None or zone.upper() in ("Z", "UTC"):
        tz: timezone = UTC
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return at.replace(tzinfo=tz), text[match.end() :]


def _parse_event(text: str) -> dict[str, Any]:
    event: dict[str, Any] = {}
    stamped = _split_timestamp(text)
    if stamped is not None:
        event["at"], text = stamped
    kind = _KIND_RE.match(text)
    if kind is not None:
        event["kind"] = kind.group(1).lower()
        text = text[kind.end() :]
    event["event"] = text
    return event


def _parse_hypothesis(text: str) -> dict[str, str]:
    prefix = _THEORY_RE.match(text)
    if prefix is not None:
        text = text[prefix.end() :]
    marker = _STATUS_MARK_RE.search(text)
    if marker is None:
        return {"statement": text}
    return {"statement": text[: marker.start()], "status": marker.group(1).lower()}


def _parse_span_list(rest: str) -> list[str] | None:
    """``: `a`, `b``` (or nothing) -> the spans; None when ``rest`` is anything else."""
    rest = rest.lstrip(" \t")
    if not rest:
        return []
    if not rest.startswith(":"):
        return None
    spans: list[str] = []
    rest = rest[1:]
    while rest := rest.lstrip(" \t\n,"):
        span = _take_code_span(rest)
        if span is None:
            return None
        spans.append(span[0])
        rest = span[1]
    return spans


def _parse_failed(text: str) -> dict[str, Any]:
    if text.startswith("**"):
        for candidate in re.finditer(r"(?=\*\*)", text[3:]):
            end = 3 + candidate.start()
            commands = _parse_span_list(text[end + 2 :])
            if commands is not None:
                return {"title": text[2:end], "commands": commands}
    return {"title": text}


def _comment_text(line: str) -> str | None:
    """``# text`` -> text (unescaped); None when the line is not a comment."""
    if not line.startswith("#"):
        return None
    text = line[2:] if line.startswith("# ") else line[1:]
    return _unescape(text, _is_comment_label)


def _comment_label(line: str) -> tuple[str, str] | None:
    """``# Output: value`` -> ("output", "value"); None for any other line."""
    if not line.startswith("#"):
        return None
    label = _COMMENT_LABEL_RE.match(line[2:] if line.startswith("# ") else line[1:])
    return (label.group(1).lower(), label.group(2)) if label else None


def _continuation(line: str) -> str:
    text = _comment_text(line)
    return line if text is None else text


def _field_text(lines: Sequence[str]) -> str:
    """A labelled field: the value on its label line, then its continuation lines."""
    label = _comment_label(lines[0])
    first = label[1] if label else _continuation(lines[0])
    return "\n".join([first, *(_continuation(line) for line in lines[1:])])


def _parse_explicit_validation(lines: list[str], command_at: int) -> dict[str, str]:
    labels = [(_comment_label(line) or ("", ""))[0] for line in lines]
    ends = len(lines)
    conclusion = max(
        (i for i in range(command_at, ends) if labels[i] == "conclusion"), default=ends
    )
    output = max(
        (i for i in range(command_at, conclusion) if labels[i] == "output"), default=conclusion
    )
    return {
        "description": "\n".join(_continuation(line) for line in lines[:command_at]),
        "command": "\n".join(lines[command_at + 1 : output]),
        "output": _field_text(lines[output:conclusion]) if output < conclusion else "",
        "conclusion": _field_text(lines[conclusion:]) if conclusion < ends else "",
    }


def _parse_simple_validations(lines: list[str]) -> list[dict[str, str]]:
    """Validations separated by blank lines: ``# description``, command, ``# Output:``..."""
    validations: list[dict[str, list[str]]] = []
    state = ""
    for line in lines:
        if not line.strip():
            state = ""
            continue
        if not state:
            validations.append({"description": [], "command": [], "output": [], "conclusion": []})
            state = "description"
        current = validations[-1]
        label = _comment_label(line)
        if label is not None and label[0] != "command" and not current[label[0]]:
            state = label[0]
            current[state].append(label[1])
        elif state == "description" and label is None and line.startswith("#"):
            current["description"].append(_continuation(line))
        elif state in ("description", "command"):
            if label is None or label[0] != "command" or current["command"]:
                current["command"].append(line)
            state = "command"
        else:
            current[state].append(_continuation(line))
    return [{key: "\n".join(value) for key, value in v.items()} for v in validations]


def _parse_validation_block(body: Sequence[str]) -> list[dict[str, str]]:
    lines = _trim_blank(body)
    index = 0
    while index < len(lines) and lines[index].startswith("#") and not _comment_label(lines[index]):
        index += 1
    label = _comment_label(lines[index]) if index < len(lines) else None
    if label is not None and label[0] == "command":
        return [_parse_explicit_validation(lines, index)]
    return _parse_simple_validations(lines)


def _parse_command_block(body: Sequence[str]) -> list[str]:
    lines = _trim_blank(body)
    if lines and lines[0].strip().lower() == _COMMAND_MARK.lower():
        return ["\n".join(lines[1:])]
    groups = _blank_separated(lines)
    if len(groups) == 1:
        return groups[0]
    return ["\n".join(group) for group in groups]


def _split_duration(heading: str) -> tuple[str, str]:
    match = _TRAILING_PARENS_RE.search(heading)
    if match is None:
        return heading, ""
    return heading[: match.start()], match.group(1).strip()


def _parse_fix(
    part: _Part, kind_word: str | None, outcome_word: str | None, title_part: str
) -> dict[str, Any]:
    kind = (
        SolutionKind.long_term if kind_word and kind_word[0] in "lLpP" else SolutionKind.immediate
    )
    outcome = FixOutcome(outcome_word.lower()) if outcome_word else FixOutcome.applied
    duration: str | None = None
    commands: list[str] = []
    rest: list[Token] = []
    for token in part.tokens:
        explicit = _DURATION_LINE_RE.match(token.text) if isinstance(token, _Line) else None
        if isinstance(token, _Fence):
            commands.extend(_parse_command_block(token.body))
        elif explicit is not None:
            duration = explicit.group(1)
        else:
            rest.append(token)
    title = title_part
    if duration is None:
        title, duration = _split_duration(title_part)
    return {
        "title": title.strip() or _FIX_LABELS[kind],
        "kind": kind,
        "outcome": outcome,
        "duration": duration,
        "steps": _parse_items(rest, f"'### {part.title}'"),
        "commands": commands,
    }


def _parse_failed_section(part: _Part, title: str) -> dict[str, Any]:
    intro, labelled = _split_labels(part.tokens, {"why it failed": "why_failed"})
    commands: list[str] = []
    rest: list[Token] = []
    for token in intro:
        if isinstance(token, _Fence):
            commands.extend(_parse_command_block(token.body))
        else:
            rest.append(token)
    why = _parse_items(labelled.get("why_failed", []), "'**Why it failed**'")
    return {
        "title": title.strip(),
        "steps": _parse_items(rest, f"'### {part.title}'"),
        "commands": commands,
        "why_failed": "\n".join(why),
    }


# ---- parsing: sections ----------------------------------------------------------------------


def _parse_minutes(value: str, number: int) -> float:
    text = value.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    tokens = list(_TIME_TOKEN_RE.finditer(text))
    leftover = re.sub(r"[\s,]|\band\b", "", _TIME_TOKEN_RE.sub("", text), flags=re.I)
    if not tokens or leftover:
        raise MarkdownError(
            number,
            f"cannot read the average resolution time {value!r}; "
            f"write it like '15 minutes' or '1 hour 5 minutes'",
        )
    seconds = sum(float(t.group(1)) * _UNIT_SECONDS[t.group(2)[0].lower()] for t in tokens)
    return seconds / 60


def _split_basis(value: str) -> tuple[str, ResolutionBasis | None]:
    """``15 minutes (from incident start)`` -> ("15 minutes", incident_start)."""
    match = _TRAILING_PARENS_RE.search(value.strip())
    if match is None:
        return value, None
    note = match.group(1).strip().lower()
    for basis, label in sorted(_BASIS_LABELS.items(), key=lambda item: -len(item[1])):
        if note.startswith(label.split(";")[0].split(",")[0].lower()):
            return value.strip()[: match.start()], basis
    return value, None


def _parse_date(value: str, label: str, number: int) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise MarkdownError(
            number, f"'**{label}**' must be a date like 2025-10-05, got {value!r}"
        ) from None


def _parse_header(tokens: Sequence[Token], into: dict[str, Any]) -> tuple[date | None, date | None]:
    created = updated = None
    for token in tokens:
        if _is_ignorable(token):
            continue
        match = _LABEL_RE.match(token.text) if isinstance(token, _Line) else None
        if match is None:
            raise MarkdownError(
                token.number,
                "unexpected text before the first '## ' section; "
                "only '**Severity**: ...'-style lines belong there",
            )
        key, value = match.group(1).strip().lower(), match.group(2).strip()
        if key == "created":
            created = _parse_date(value, "Created", token.number)
        elif key in ("last updated", "updated"):
            updated = _parse_date(value, "Last Updated", token.number)
        elif key == "severity":
            if value.lower() not in Severity.__members__:
                raise MarkdownError(
                    token.number,
                    f"unknown severity {value!r}; use one of "
                    + ", ".join(s.value.capitalize() for s in Severity),
                )
            into["severity"] = value.lower()
        elif "resolution time" in key:
            value, basis = _split_basis(value)
            into["average_resolution_minutes"] = _parse_minutes(value, token.number)
            if basis is not None:
                into["resolution_time_basis"] = basis
    return created, updated


def _parse_summary(section: _Part, into: dict[str, Any]) -> None:
    labels = {"symptoms": "symptoms", "affected systems": "affected_systems", "history": "history"}
    _paragraph_section(section, "summary", labels, into)
    history = into.pop("history", [])
    if history:
        timeline = into.setdefault("diagnosis", {}).setdefault("timeline", [])
        timeline.extend(_parse_event(item) for item in history)


def _cause(into: dict[str, Any], number: int) -> dict[str, Any]:
    """The parsed cause ``number`` (1-based), created (with those before it) when new."""
    causes: list[dict[str, Any]] = into.setdefault("causes", [])
    while len(causes) < number:
        causes.append({})
    return causes[number - 1]


def _cause_part(part: _Part) -> tuple[int, _Part] | None:
    """``Cause 2 — Verification`` -> (2, the part titled ``Verification``); ``Cause 2`` ->
    (2, the part titled ""); None without a cause prefix."""
    title = re.sub(r"^\d+[.)]?[ \t]*", "", part.title.strip())
    match = _CAUSE_PREFIX_RE.match(title)
    if match is None:
        return None
    number = int(match.group(1))
    if number < 1:
        raise MarkdownError(part.number, "causes are numbered from 1")
    rest = (match.group(2) or "").strip()
    return number, _Part(rest, part.number, part.tokens, part.subsections)


_ROOT_LABELS = {"evidence": "evidence", "contributing factors": "contributing_factors", "seen": "_"}


def _parse_one_root_cause(part: _Part, cause: dict[str, Any]) -> None:
    root = cause.setdefault("root_cause", {})
    _paragraph_section(part, "cause", _ROOT_LABELS, root)
    root.pop("_", None)  # "**Seen**:" is written for people; the front matter carries it


def _parse_root_cause(section: _Part, into: dict[str, Any]) -> None:
    numbered = [_cause_part(sub) for sub in section.subsections]
    if not any(n is not None and not n[1].title for n in numbered):
        _parse_one_root_cause(section, _cause(into, 1))
        return
    _reject_text(section.tokens, f"'## {section.title}'")
    for sub, found in zip(section.subsections, numbered, strict=True):
        if found is None or found[1].title:
            raise MarkdownError(
                sub.number, f"unexpected heading {sub.title!r}; expected '### Cause <n>'"
            )
        _parse_one_root_cause(found[1], _cause(into, found[0]))


_DIAGNOSIS_PARTS = (
    ("blast_radius", ("blast radius", "impact")),
    ("timeline", ("timeline",)),
    ("hypotheses", ("hypothes", "theor")),
    ("validations", ("validation", "test")),
    ("decision", ("which cause",)),
)
_ENTRY_PARSERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "blast_radius": _parse_check,
    "timeline": _parse_event,
    "hypotheses": _parse_hypothesis,
}


def _parse_validation_item(text: str) -> dict[str, str]:
    """A check without a command: description, then ``**Output**:``/``**Conclusion**:``."""
    fields: dict[str, list[str]] = {"description": [], "output": [], "conclusion": []}
    current = "description"
    for line in text.split("\n"):
        label = _ITEM_LABEL_RE.match(line)
        if (
            label is not None
            and not fields[label.group(1).lower()]
            and (label.group(1).lower() == "conclusion" or current == "description")
        ):
            current = label.group(1).lower()
            fields[current].append(label.group(2))
        else:
            fields[current].append(_unescape(line, _is_item_label))
    return {key: "\n".join(lines) for key, lines in fields.items() if lines}


def _parse_validations(part: _Part) -> list[dict[str, str]]:
    """``bash`` blocks of validations; plain bullets (hand-written) are descriptions only."""
    validations: list[dict[str, str]] = []
    pending: list[Token] = []

    def flush_bullets() -> None:
        items = _parse_items(pending, f"'### {part.title}'")
        validations.extend(_parse_validation_item(item) for item in items)
        pending.clear()

    for token in part.tokens:
        if isinstance(token, _Fence):
            flush_bullets()
            validations.extend(_parse_validation_block(token.body))
        else:
            pending.append(token)
    flush_bullets()
    return validations


def _parse_diagnosis(section: _Part, into: dict[str, Any]) -> None:
    _reject_text(section.tokens, f"'## {section.title}'")
    diagnosis = into.setdefault("diagnosis", {})
    for sub in section.subsections:
        number, part = _cause_part(sub) or (1, sub)
        key = _classify(part, _DIAGNOSIS_PARTS, f"under '## {section.title}'")
        if key == "decision":
            continue  # written from the causes' checks, for people
        if key == "validations":
            _cause(into, number).setdefault("checks", []).extend(_parse_validations(part))
            continue
        items = _parse_items(part.tokens, f"'### {part.title}'")
        diagnosis.setdefault(key, []).extend(_ENTRY_PARSERS[key](item) for item in items)


_SOLUTION_PARTS = (
    ("validation", ("verification", "verify", "validation")),
    ("rollback", ("rollback", "roll back", "undo")),
    ("tried_and_failed", ("tried", "did not work", "failed")),
)


def _parse_solution(section: _Part, into: dict[str, Any]) -> None:
    _reject_text(section.tokens, f"'## {section.title}'")
    options = [("fixes", ("immediate fix: <title>", "long-term fix: <title>")), *_SOLUTION_PARTS]
    for part in section.subsections:
        number, sub = _cause_part(part) or (1, part)
        solution = _cause(into, number).setdefault("solution", {})
        if not sub.title:
            _reject_text(sub.tokens, f"'### {part.title}'")
            continue
        fix = _FIX_HEADING_RE.match(sub.title.strip())
        if fix is not None:
            solution.setdefault("fixes", []).append(_parse_fix(sub, *fix.groups()))
            continue
        failed = _FAILED_HEADING_RE.match(sub.title.strip())
        if failed is not None:
            attempt = _parse_failed_section(sub, failed.group(1))
            solution.setdefault("tried_and_failed", []).append(attempt)
            continue
        key = _classify(sub, options, f"under '## {section.title}'")
        items = _parse_items(sub.tokens, f"'### {sub.title}'")
        entries = [_parse_failed(i) for i in items] if key == "tried_and_failed" else items
        solution.setdefault(key, []).extend(entries)


def _parse_prevention(section: _Part, into: dict[str, Any]) -> None:
    _reject_text(section.tokens, f"'## {section.title}'")
    prevention = into.setdefault("prevention", {})
    options = (
        ("monitoring", ("monitoring", "alert")),
        ("automation", ("automation",)),
        ("process", ("process",)),
    )
    for sub in section.subsections:
        key = _classify(sub, options, f"under '## {section.title}'")
        prevention.setdefault(key, []).extend(_parse_items(sub.tokens, f"'### {sub.title}'"))


_SECTIONS: tuple[tuple[str, Sequence[str]], ...] = (
    ("root_cause", ("root cause", "cause")),
    ("summary", ("problem summary", "summary", "problem", "overview")),
    ("diagnosis", ("diagnosis steps", "diagnos")),
    ("solution", ("solution", "resolution", "fix")),
    ("prevention", ("prevention", "prevent")),
)
_SECTION_PARSERS: dict[str, Callable[[_Part, dict[str, Any]], None]] = {
    "summary": _parse_summary,
    "diagnosis": _parse_diagnosis,
    "root_cause": _parse_root_cause,
    "solution": _parse_solution,
    "prevention": _parse_prevention,
}


def _validated(data: dict[str, Any]) -> RunbookContent:
    try:
        return RunbookContent.model_validate(data)
    except ValidationError as error:
        problems = [
            (".".join(str(part) for part in e["loc"]) or "runbook", e["msg"])
            for e in error.errors()
        ]
        raise InvalidInput(
            "markdown is not a valid runbook: "
            + "; ".join(f"{where}: {message}" for where, message in problems),
            details=[{"field": where, "message": message} for where, message in problems],
        ) from None


def parse_markdown(text: str) -> ParsedRunbook:
    """Read a runbook rendered by :func:`render_markdown`, or a hand-edited copy of one."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    title, tokens = _take_title(_tokenize(lines))
    header, sections = _split_sections(tokens)
    data: dict[str, Any] = {"title": title}
    created, updated = _parse_header(header, data)
    for section in sections:
        kind = _classify(section, _SECTIONS, "(a '## ' section)")
        _SECTION_PARSERS[kind](section, data)
    return ParsedRunbook(_validated(data), created, updated)
