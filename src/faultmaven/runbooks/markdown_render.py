"""Writing runbook markdown (pure): ``RunbookContent`` -> the seed's format. Each awkward
value is checked against the parser so that what is written reads back exactly. See
:mod:`faultmaven.runbooks.markdown` for the format."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from pydantic import ValidationError

from faultmaven.cases.schemas import HypothesisStatus, TimelineKind
from faultmaven.runbooks.markdown_parse import (
    _parse_command_block,
    _parse_validation_block,
    _split_duration,
    _split_timestamp,
)
from faultmaven.runbooks.markdown_text import (
    _BASIS_LABELS,
    _COMMAND_MARK,
    _DECISION_HEADING,
    _FAILED_LABEL,
    _FIX_LABELS,
    _GAPS,
    _KIND_RE,
    _MARKERS,
    _OUTCOME_LABELS,
    _ROLLBACK_FIX_RE,
    _STATUS_MARK_RE,
    Block,
    _escape,
    _gap,
    _is_comment_label,
    _is_item_label,
    _is_structural,
    _one_line,
)
from faultmaven.runbooks.schemas import (
    DiagnosisCheck,
    DiagnosisEvent,
    DiagnosisHypothesis,
    DiagnosisValidation,
    FailedAttempt,
    Fix,
    FixOutcome,
    KnownCause,
    Runbook,
    RunbookContent,
    SolutionSection,
)

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
    if isinstance(content, Runbook):  # store metadata, for people (the front matter carries it)
        for label, names in (("Services", content.services), ("Tags", content.tags)):
            if names:
                meta.append(f"**{label}**: {', '.join(names)}")
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
    return (
        [["## Diagnosis Steps"], *blocks] if blocks else [["## Diagnosis Steps", _gap("diagnosis")]]
    )


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
    # no fix: the fix is the gap (how to verify or undo a fix nobody recorded is not one)
    fixed = bool(solution.fixes)
    blocks += _sub_list(
        f"{prefix}Verification", solution.validation, "verification" if fixed else None
    )
    undo = fixed and not any(_is_rollback(fix) for fix in solution.fixes)
    blocks += _sub_list(f"{prefix}Rollback", solution.rollback, "rollback" if undo else None)
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
