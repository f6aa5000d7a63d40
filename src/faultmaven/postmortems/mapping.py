"""A post-mortem (or a runbook in another layout) → the case record of DESIGN.md §2.

Pure functions, deterministic, no LLM. Each section goes to the case field its heading names
(:mod:`~faultmaven.postmortems.vocabulary`); a section under a heading that names nothing is kept,
whole, as an unmapped part of the case's source, and so is the whole original text. Nothing is
invented: text is moved as written (a table row becomes "first cell (header: cell; ...)", a
checked box "(done)"), a fix is only what a resolution / mitigation / recovery section says, and
a time becomes a timestamp only when its date and time zone are written in the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import PurePath
from typing import Any

from pydantic import ValidationError

from faultmaven.cases.schemas import CaseCreate, CaseSource, TimelineKind, UnmappedPart
from faultmaven.errors import InvalidInput
from faultmaven.kit.clock import utcnow
from faultmaven.kit.fields import COMMAND, MAX_ITEMS, SHORT, TEXT, no_control_characters
from faultmaven.postmortems import timeline
from faultmaven.postmortems.reading import Block, Document, Section, read_document
from faultmaven.postmortems.schemas import SectionMapping
from faultmaven.postmortems.vocabulary import LABEL_RE, LABELS, Part, part_of, severity_of

TARGETS = {
    Part.summary: "description",
    Part.impact: "symptoms",
    Part.detection: "timeline (detection)",
    Part.timeline: "timeline",
    Part.root_cause: "root_cause.cause",
    Part.contributing: "root_cause.contributing_factors",
    Part.resolution: "solutions (applied)",
    Part.verification: "solutions.validation",
    Part.rollback: "solutions.rollback",
    Part.diagnosis: "validations",
    Part.action_items: "prevention",
    Part.follow_up: "solutions (long-term: unverified when done, else proposed)",
    Part.lessons: "prevention.process (lessons)",
}
_TITLE_PREFIX_RE = re.compile(
    r"^(?:[\w.-]+\s+)?(?:post-?mortem|incident(?:\s+report)?|retrospective|rca|pir)"
    r"(?:\s+report)?\s*[:\-–—]\s*",
    re.IGNORECASE,
)
_NOTHING_RE = re.compile(r"^(?:none|n/?a|tbd|-+|nothing)\.?$", re.IGNORECASE)
_CHECKBOX_RE = re.compile(r"^\[([ xX])\]\s+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s")
_MONITORING_RE = re.compile(
    r"\b(?:monitor\w*|alert\w*|metric\w*|dashboard\w*|pag(?:e|ing)|detect\w*|observab\w*|logging)\b",
    re.I,
)
_AUTOMATION_RE = re.compile(
    r"\b(?:automat\w*|script\w*|bots?|tests?|testing|ci|pipeline\w*|tooling|lint\w*)\b", re.I
)
_TIME_COLUMN_RE = re.compile(r"\b(?:time|when|date|timestamp)\b", re.IGNORECASE)


class PostmortemError(InvalidInput):
    """A document that cannot be imported: ``name:line: problem``."""

    def __init__(self, name: str, line: int, problem: str) -> None:
        super().__init__(f"{name}:{line}: {problem}", code="POSTMORTEM_NOT_IMPORTABLE")
        self.line = line
        self.problem = problem


@dataclass
class MappedPostmortem:
    name: str
    case: CaseCreate
    resolved_at: datetime | None
    source: CaseSource
    sections: list[SectionMapping]
    warnings: list[str]
    mapped_by: str = "deterministic"  # or llm:<model> (assistant.postmortem_import)
    llm_not_used_because: str | None = None
    dropped: list[str] = field(default_factory=list)  # the LLM's lines not in the document


@dataclass
class _Record:
    """What the sections collect, before it is validated as a case record."""

    name: str
    description: list[str] = field(default_factory=list)
    symptoms: list[str] = field(default_factory=list)
    systems: list[str] = field(default_factory=list)
    severity: str | None = None
    timeline: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    cause: list[str] = field(default_factory=list)
    contributing: list[str] = field(default_factory=list)
    # "what went wrong" under lessons learned: contributing factors when there is a root cause,
    # else lessons (it says what went wrong in the response, not what caused the problem)
    went_wrong: list[str] = field(default_factory=list)
    solutions: list[dict[str, Any]] = field(default_factory=list)
    validation: list[str] = field(default_factory=list)
    rollback: list[str] = field(default_factory=list)
    validations: list[dict[str, str]] = field(default_factory=list)
    prevention: dict[str, list[str]] = field(
        default_factory=lambda: {"monitoring": [], "automation": [], "process": []}
    )
    lessons: list[str] = field(default_factory=list)  # -> prevention.process, after the actions
    went_wrong_sections: list[SectionMapping] = field(default_factory=list)
    # detection: how it was found (undated prose, as a rule): after the timeline's chronology
    detection: list[dict[str, Any]] = field(default_factory=list)
    unmapped: list[UnmappedPart] = field(default_factory=list)
    sections: list[SectionMapping] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"{self.name}:{line}: {message}")


def map_postmortem(text: str, *, name: str) -> MappedPostmortem:
    """The case record of one document, or :class:`PostmortemError` saying why not."""
    if not text.strip():
        raise PostmortemError(name, 1, "the file is empty")
    try:
        no_control_characters(text)
    except ValueError as error:
        bad = next(i for i, c in enumerate(text) if c < " " and c not in "\t\n\r")
        raise PostmortemError(name, text.count("\n", 0, bad) + 1, str(error)) from None
    document = read_document(text)
    record = _Record(name)
    _preamble(document, record)
    for section in document.sections:
        _section(section, part_of(section.heading), record, document)
    if not any(mapping.mapped_to for mapping in record.sections):
        seen = ", ".join(f"'{s.heading}'" for s in document.sections[:6]) or "none"
        raise PostmortemError(
            name,
            document.sections[0].line if document.sections else 1,
            "no post-mortem or runbook section found (looked for headings such as Summary, "
            f"Impact, Timeline, Root cause, Resolution, Action items; headings: {seen})",
        )
    if not any(solution["kind"] == "immediate" for solution in record.solutions):
        record.warn(
            1,
            "no resolution / mitigation / recovery section: the draft runbook has no "
            "immediate fix; add the fix when reviewing it",
        )
    if record.severity is None:
        record.warn(1, "no severity stated: medium assumed; set it when reviewing")
    record.timeline.extend(record.detection)
    title = _title(document, name)
    case = _case(record, title, document)
    dated = sorted(event["at"] for event in record.timeline if event.get("at") is not None)
    resolved_at = dated[-1] if len(dated) > 1 and dated[-1] <= utcnow() else None
    source = CaseSource(name=name, text=text, unmapped=record.unmapped)
    return MappedPostmortem(name, case, resolved_at, source, record.sections, record.warnings)


# ---- the document's parts --------------------------------------------------------------------


def _title(document: Document, name: str) -> str:
    raw = document.title or document.front_matter.get("title") or ""
    if not raw:
        stem = PurePath(name).stem
        raw = " ".join(stem.replace("_", " ").replace("-", " ").split())
    cleaned = _TITLE_PREFIX_RE.sub("", raw).strip() or raw.strip()
    return _fit(cleaned, SHORT)


def _preamble(document: Document, record: _Record) -> None:
    front = document.front_matter
    if "severity" in front:
        record.severity = severity_of(front["severity"])
    kept: list[tuple[int, str]] = []
    for block in document.preamble.blocks:
        for line, text in block.lines or [(block.line, block.text)]:
            if not _label(text, record):
                kept.append((line, text))
    if kept:
        record.unmapped.append(
            UnmappedPart(heading="", line=kept[0][0], text="\n".join(t for _, t in kept))
        )
        record.sections.append(SectionMapping(heading="", line=kept[0][0], mapped_to=None))


def _label(text: str, record: _Record) -> bool:
    """Use a ``Label: value`` line the case has a field for; False when it has none."""
    match = LABEL_RE.match(text)
    if not match or not match.group(2).strip():
        return False
    target = LABELS.get(" ".join(match.group(1).lower().split()))
    value = match.group(2).strip()
    if target == "description":
        record.description.append(value)
    elif target == "impact":
        record.symptoms.append(value)
    elif target == "systems":
        record.systems.extend(part.strip() for part in value.split(",") if part.strip())
    elif target == "severity" and severity_of(value):
        record.severity = severity_of(value)
    else:
        return False
    return True


def _section(section: Section, part: Part | None, record: _Record, document: Document) -> None:
    record.sections.append(
        SectionMapping(
            heading=section.heading,
            line=section.line,
            mapped_to=TARGETS[part] if part else None,
        )
    )
    if part is None:
        own_end = section.children[0].line - 1 if section.children else section.end
        if section.blocks:
            record.unmapped.append(_unmapped(section, document, own_end))
        for child in section.children:
            _section(child, part_of(child.heading), record, document)
        return
    if part is Part.timeline:
        _timeline(section, record)
        return
    _blocks(section, part, record)
    for child in section.children:
        child_part = _child_part(part, child.heading)
        mapping = SectionMapping(
            heading=child.heading, line=child.line, mapped_to=TARGETS[child_part]
        )
        record.sections.append(mapping)
        if part is Part.lessons and child_part is Part.contributing:
            record.went_wrong_sections.append(mapping)  # a cause's factors, or lessons
        _blocks(child, child_part, record, parent=section.heading)


def _child_part(parent: Part, heading: str) -> Part:
    own = part_of(heading)
    if parent is Part.lessons and own is Part.contributing:
        return own
    if parent is Part.resolution and own in (Part.verification, Part.rollback):
        return own
    if parent is Part.action_items and own is Part.resolution:
        return Part.follow_up  # "Fixes" / "Mitigation" among the action items
    return parent


def _unmapped(section: Section, document: Document, end: int) -> UnmappedPart:
    text = "\n".join(document.lines[section.line - 1 : end]).strip()
    return UnmappedPart(heading=section.heading, line=section.line, text=text)


# ---- blocks -> fields ------------------------------------------------------------------------


def _units(blocks: list[Block]) -> list[tuple[Block, str]]:
    """The text of each block as one entry (code and raw HTML apart). A lead-in that ends with
    a colon takes what it introduces with it (the next paragraph, or the list below it, as
    "lead: a; b; c"), so that neither half is an entry that means nothing on its own."""
    units = list(_block_units(blocks))
    joined: list[tuple[Block, str]] = []
    index = 0
    while index < len(units):
        block, text = units[index]
        index += 1
        introduced: list[str] = []
        if text.endswith(":") and index < len(units):
            following = units[index][0]
            if following.kind == "item" and (block.kind != "item" or following.depth > block.depth):
                while (
                    index < len(units)
                    and units[index][0].kind == "item"
                    and units[index][0].depth >= following.depth
                ):
                    introduced.append(units[index][1])
                    index += 1
            elif following.kind == "paragraph" and block.kind == "paragraph":
                introduced.append(units[index][1])
                index += 1
        joined.append((block, f"{text} {'; '.join(introduced)}" if introduced else text))
    return joined


def _block_units(blocks: list[Block]) -> Iterator[tuple[Block, str]]:
    for block in blocks:
        if block.kind in ("code", "html"):
            continue
        text = _row_text(block) if block.kind == "row" else block.text
        text = _checkbox(text.strip())
        if text and not _NOTHING_RE.match(text):
            yield block, text


def _row_text(block: Block) -> str:
    cells = block.cells
    first = next((cell for cell in cells if cell), "")
    details = [
        f"{block.header[i]}: {cell}" if i < len(block.header) and block.header[i] else cell
        for i, cell in enumerate(cells)
        if cell and cell is not first
    ]
    return f"{first} ({'; '.join(details)})" if details else first


def _checkbox(text: str) -> str:
    match = _CHECKBOX_RE.match(text)
    if not match:
        return text
    rest = text[match.end() :]
    return f"{rest} (done)" if match.group(1) in "xX" else rest


def _code_lines(block: Block) -> list[str]:
    return [line.strip() for line in block.text.splitlines() if line.strip()]


def _blocks(section: Section, part: Part, record: _Record, *, parent: str | None = None) -> None:
    blocks = section.blocks
    code = [block for block in blocks if block.kind == "code"]
    units = _units(blocks)
    if part is Part.summary:
        for block, text in units:
            if block.kind == "paragraph" and len(block.lines) > 1:
                for _, line in block.lines:
                    if not _label(line, record):
                        record.description.append(line)
            elif not _label(text, record):
                record.description.append(f"- {text}" if block.kind == "item" else text)
        record.description.extend(f"```\n{block.text}\n```" for block in code)
    elif part is Part.impact:
        record.symptoms.extend(text for _, text in units)
        record.evidence.extend(block.text for block in code)
    elif part is Part.detection:
        record.detection.extend(
            {"event": text, "kind": TimelineKind.alert.value} for _, text in units
        )
        record.evidence.extend(block.text for block in code)
    elif part is Part.root_cause:
        record.cause.extend(text for _, text in units)
        record.evidence.extend(block.text for block in code)
    elif part is Part.contributing:
        if parent is not None and part_of(parent) is Part.lessons:
            record.went_wrong.extend(f"{section.heading}: {text}" for _, text in units)
        else:
            record.contributing.extend(text for _, text in units)
        record.evidence.extend(block.text for block in code)
    elif part is Part.resolution:
        _solution(section, units, code, record)
    elif part is Part.verification:
        record.validation.extend(text for _, text in units)
        record.validation.extend(line for block in code for line in _code_lines(block))
    elif part is Part.rollback:
        record.rollback.extend(text for _, text in units)
        record.rollback.extend(line for block in code for line in _code_lines(block))
    elif part is Part.diagnosis:
        _diagnosis(blocks, record)
    elif part is Part.action_items:
        _action_items(section.heading if parent else "", units, code, record)
    elif part is Part.follow_up:
        _follow_ups(units, record)
        record.prevention["automation"].extend(block.text for block in code)
    elif part is Part.lessons:
        label = section.heading or parent or "Lesson"
        record.lessons.extend(f"{label}: {text}" for _, text in units)


def _solution(
    section: Section, units: list[tuple[Block, str]], code: list[Block], record: _Record
) -> None:
    steps = [text for _, text in units]
    commands = [line for block in code for line in _code_lines(block)]
    if not steps and not commands:
        return
    first = steps[0] if steps else commands[0]
    title = _SENTENCE_END_RE.split(first, maxsplit=1)[0]
    heading = section.heading.lower()
    long_term = any(word in heading for word in ("long-term", "long term", "permanent"))
    record.solutions.append(
        {
            "title": _fit(title, SHORT),
            "kind": "long_term" if long_term else "immediate",
            "steps": steps,
            "commands": [_fit(command, COMMAND) for command in commands],
            "outcome": "applied",
        }
    )


_DONE_RE = re.compile(r"^(?:done|fixed|completed?|closed|resolved)\.?$", re.IGNORECASE)


def _follow_ups(units: list[tuple[Block, str]], record: _Record) -> None:
    """Fixes listed among the action items: long-term fixes, each as written; one marked done
    (a checked box, a "Done" cell) was carried out but is not confirmed (unverified), the
    others are proposed."""
    for block, text in units:
        first = block.cells[0] if block.kind == "row" and block.cells else text
        title = _SENTENCE_END_RE.split(first.removesuffix(" (done)"), maxsplit=1)[0]
        marks = block.cells if block.kind == "row" else [text.rsplit("(", 1)[-1].rstrip(")")]
        done = any(_DONE_RE.match(mark.strip()) for mark in marks)
        record.solutions.append(
            {
                "title": _fit(title, SHORT),
                "kind": "long_term",
                "steps": [text],
                "outcome": "unverified" if done else "proposed",
            }
        )


def _diagnosis(blocks: list[Block], record: _Record) -> None:
    for block in blocks:
        if block.kind == "code":
            for command in _code_lines(block):
                last = record.validations[-1] if record.validations else None
                if last is not None and not last.get("command"):
                    last["command"] = _fit(command, COMMAND)
                else:
                    record.validations.append(
                        {"description": command, "command": _fit(command, COMMAND)}
                    )
        else:
            for _, text in _units([block]):
                record.validations.append({"description": text})


def _action_items(
    heading: str, units: list[tuple[Block, str]], code: list[Block], record: _Record
) -> None:
    bucket = _bucket(heading) if heading else None
    for _, text in units:
        record.prevention[bucket or _bucket(text) or "process"].append(text)
    record.prevention["automation"].extend(block.text for block in code)


def _bucket(text: str) -> str | None:
    if _MONITORING_RE.search(text):
        return "monitoring"
    if _AUTOMATION_RE.search(text) or text.strip().lower() in ("fixes", "fix"):
        return "automation"
    return None


def _timeline(section: Section, record: _Record) -> None:
    zone = timeline.zone_note(section.heading)
    day: date | None = None
    for block in section.blocks:
        zone, day = _timeline_block(block, record, zone, day, at=None)
    for child in section.children:
        record.sections.append(
            SectionMapping(heading=child.heading, line=child.line, mapped_to="timeline")
        )
        zone = timeline.zone_note(child.heading) or zone
        heading = timeline.read_entry(child.heading, day=day, zone=zone)
        day = heading.day or day
        if heading.event and heading.event != child.heading:
            record.timeline.append(_event(heading.event, heading.at))
        elif heading.event:
            # a heading that is no time: an event of its own
            record.timeline.append(_event(heading.event, None))
        for block in child.blocks:
            zone, day = _timeline_block(block, record, zone, day, at=heading.at)


def _timeline_block(
    block: Block,
    record: _Record,
    zone: tzinfo | None,
    day: date | None,
    *,
    at: datetime | None,
) -> tuple[tzinfo | None, date | None]:
    """Add the block's events; returns the time zone and date in force after it."""
    if block.kind == "code":
        record.evidence.append(block.text)
        return zone, day
    if block.kind == "html":
        return zone, day
    if block.kind == "row":
        lines = [(block.line, _timeline_row(block))]
    elif block.kind == "paragraph":
        lines = block.lines
    else:
        lines = [(block.line, block.text)]
    for _, text in lines:
        note = timeline.zone_note(text)
        if note is not None and len(text) < 60:
            zone = note
            continue
        entry = timeline.read_entry(text, day=day, zone=zone)
        if not entry.event:  # a date (or time) line: the context for what follows
            day = entry.day or day
            continue
        if entry.time_text or entry.at is not None:
            day = entry.day or day
            record.timeline.append(_event(entry.event, entry.at))
        else:
            record.timeline.append(_event(_checkbox(text), at))
    return zone, day


def _timeline_row(block: Block) -> str:
    """A timeline table's row as "time event": the time column first."""
    cells = block.cells
    when = next(
        (
            i
            for i, head in enumerate(block.header)
            if _TIME_COLUMN_RE.search(head) and i < len(cells)
        ),
        None,
    )
    if when is None:
        return _row_text(block)
    rest = [cell for i, cell in enumerate(cells) if i != when and cell]
    return f"{cells[when]} — {' — '.join(rest)}"


def _event(text: str, at: datetime | None) -> dict[str, Any]:
    return {"at": at, "event": text, "kind": timeline.kind_of(text).value}


# ---- the case record -------------------------------------------------------------------------


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fit_all(record: _Record, items: list[str], what: str, limit: int = TEXT) -> list[str]:
    fitted = []
    for item in items[:MAX_ITEMS]:
        if len(item) > limit:
            record.warn(1, f"{what}: an entry is cut to {limit} characters (whole in the source)")
        fitted.append(_fit(item, limit))
    if len(items) > MAX_ITEMS:
        record.warn(1, f"{what}: only the first {MAX_ITEMS} entries (all in the source)")
    return fitted


def _case(record: _Record, title: str, document: Document) -> CaseCreate:
    cause = record.cause or record.contributing
    contributing = record.contributing if record.cause else []
    record.prevention["process"].extend(record.lessons)
    if cause:
        contributing.extend(item.split(": ", 1)[1] for item in record.went_wrong)
    else:
        record.prevention["process"].extend(record.went_wrong)
        for mapping in record.went_wrong_sections:  # the report says where they went
            mapping.mapped_to = TARGETS[Part.lessons]
    for solution in record.solutions[:1]:
        solution["validation"] = _fit_all(record, record.validation, "validation")
        solution["rollback"] = _fit_all(record, record.rollback, "rollback")
    if not record.solutions and (record.validation or record.rollback):
        record.warn(1, "verification / rollback without a fix: kept in the source only")
    dated = sorted(event["at"] for event in record.timeline if event.get("at") is not None)
    data: dict[str, Any] = {
        "title": title,
        "description": _fit("\n\n".join(record.description), TEXT),
        "severity": record.severity or "medium",
        "affected_systems": [_fit(s, SHORT) for s in record.systems[:MAX_ITEMS]],
        "symptoms": _fit_all(record, record.symptoms, "symptoms"),
        "timeline": [
            {**event, "event": _fit(event["event"], TEXT)} for event in record.timeline[:MAX_ITEMS]
        ],
        "validations": record.validations[:MAX_ITEMS],
        "evidence": _fit_all(record, record.evidence, "evidence"),
        "root_cause": (
            {
                "cause": _fit("\n\n".join(cause), TEXT),
                "contributing_factors": _fit_all(record, contributing, "contributing factors"),
            }
            if cause
            else None
        ),
        "solutions": record.solutions[:MAX_ITEMS],
        "prevention": {
            bucket: _fit_all(record, items, f"prevention.{bucket}")
            for bucket, items in record.prevention.items()
        },
        "opened_at": dated[0] if len(dated) > 1 and dated[0] <= utcnow() else None,
    }
    try:
        return CaseCreate.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise PostmortemError(
            record.name,
            document.title_line,
            f"the case it maps to is invalid: {where}: {problem['msg']}",
        ) from None
