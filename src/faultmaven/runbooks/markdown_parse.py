"""Reading runbook markdown (pure): lines -> tokens -> sections -> ``RunbookContent``, with
``MarkdownError`` naming the line. See :mod:`faultmaven.runbooks.markdown` for the format."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError

from faultmaven.cases.schemas import Severity, SolutionKind
from faultmaven.errors import InvalidInput
from faultmaven.runbooks.markdown_text import (
    _BASIS_LABELS,
    _CAUSE_PREFIX_RE,
    _COMMAND_MARK,
    _COMMENT_LABEL_RE,
    _DURATION_LINE_RE,
    _FAILED_HEADING_RE,
    _FENCE_OPEN_RE,
    _FIX_HEADING_RE,
    _FIX_LABELS,
    _GAP_RE,
    _HEADING_RE,
    _ITEM_LABEL_RE,
    _ITEM_RE,
    _KIND_RE,
    _LABEL_RE,
    _STATUS_MARK_RE,
    _THEMATIC_RE,
    _THEORY_RE,
    _TIME_TOKEN_RE,
    _TIMESTAMP_RE,
    _TRAILING_PARENS_RE,
    _UNIT_SECONDS,
    MarkdownError,
    ParsedRunbook,
    _blank_separated,
    _is_comment_label,
    _is_item_label,
    _is_structural,
    _trim_blank,
    _unescape,
)
from faultmaven.runbooks.schemas import (
    FixOutcome,
    ResolutionBasis,
    RunbookContent,
)

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
