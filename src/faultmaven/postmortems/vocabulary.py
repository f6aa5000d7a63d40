"""Which case field a post-mortem heading (or a ``Label:`` line) feeds: the common headings of
post-mortems and runbooks in other layouts, and their synonyms. Pure data and lookups."""

from __future__ import annotations

import re
from enum import StrEnum


class Part(StrEnum):
    summary = "summary"
    impact = "impact"  # -> symptoms
    detection = "detection"  # -> timeline (alerts)
    timeline = "timeline"
    root_cause = "root_cause"
    contributing = "contributing"  # what went wrong -> contributing factors
    resolution = "resolution"  # -> an applied solution
    verification = "verification"  # -> the solution's validation
    rollback = "rollback"
    diagnosis = "diagnosis"  # runbook layouts: checks -> validations
    action_items = "action_items"  # -> prevention
    follow_up = "follow_up"  # fixes among the action items -> long-term solutions
    lessons = "lessons"  # -> prevention (process), as lessons


# first match wins: specific phrases before general ones
_HEADINGS: tuple[tuple[Part, str], ...] = (
    (Part.timeline, r"timeline|chronology|sequence of events|(incident )?log of events|events"),
    (
        Part.contributing,
        r"contributing factors?|what went (wrong|poorly|badly)|what didn'?t work|what could "
        r"(have gone|be|have been done) better|where we got unlucky|what was (difficult|hard)",
    ),
    (
        Part.lessons,
        r"lessons?( learn(ed|t))?|learnings?|takeaways?|what went (well|right)|what worked"
        r"|where we got lucky|conclusions?|retrospective|reflections?",
    ),
    (
        Part.action_items,
        r"action items?|actions?( taken)? to prevent|follow[- ]?ups?( actions| tasks| items)?|"
        r"next steps|prevention|preventi(ve|on|ative) (measures|actions)|corrective( and "
        r"preventa?tive)?( measures| actions)?|remediation (items|actions)|to ?dos?|improvements"
        r"|recommendations|future work",
    ),
    (
        Part.root_cause,
        r"root[ -]?causes?( analysis)?|causes?|trigger|why (it|this) happened|what caused it"
        r"|rca|cause analysis|technical details",
    ),
    (
        Part.resolution,
        r"resolution( and recovery| steps)?|mitigations?( steps)?|recovery|remediation|(the )?"
        r"fix(es)?|how (it|this|we) (was )?(fixed|resolved|mitigated)|workarounds?|solutions?"
        r"|repair|resolution and mitigation|immediate actions?|steps( to (fix|resolve))?",
    ),
    (Part.verification, r"verification|validation|how to verify|confirm(ation)?|verify"),
    (Part.rollback, r"roll ?back( plan| steps)?|undo|revert(ing)?"),
    (
        Part.detection,
        r"detection|how (it|we|this) (was )?(detected|discovered|found|noticed)|how we found out"
        r"|alerting|alerts?",
    ),
    (
        Part.impact,
        r"(user |customer |business |service )?impact( and severity)?|symptoms?|signs?"
        r"|blast radius|affected (services|systems|users)",
    ),
    (
        Part.summary,
        r"(executive |incident |issue |problem )?(summary|overview|description)|tl;? ?dr"
        r"|what happened|background|abstract|introduction",
    ),
    (Part.diagnosis, r"diagnos(is|tics?)( steps)?|investigation|troubleshooting|debugging|checks"),
)
_HEADING_RES = [(part, re.compile(rf"^(?:{words})$")) for part, words in _HEADINGS]
_NUMBERING_RE = re.compile(r"^(?:\d+(?:\.\d+)*[.)]?|[ivx]+[.)]|[a-z][.)])\s+")
_TRAILING_RE = re.compile(r"\s*\([^()]*\)\s*$")
_NOISE_RE = re.compile(r"[^\w\s;'/-]")

# Label: value lines in a preamble or summary
LABELS: dict[str, str] = {
    "description": "description",
    "summary": "description",
    "user impact": "impact",
    "customer impact": "impact",
    "impact": "impact",
    "component": "systems",
    "components": "systems",
    "affected services": "systems",
    "services affected": "systems",
    "affected systems": "systems",
    "affected components": "systems",
    "services": "systems",
    "service": "systems",
    "severity": "severity",
    "sev": "severity",
    "priority": "severity",
    "date/time": "start",
    "start time": "start",
    "started": "start",
    "start": "start",
    "detected at": "start",
    "incident date": "start",
    "date": "start",
    "end time": "end",
    "resolved at": "end",
    "resolved": "end",
    "end": "end",
}
LABEL_RE = re.compile(r"^\**([A-Za-z][A-Za-z /()-]{0,40}?)\**[ \t]*:[ \t]*\**[ \t]*(.*)$")

_SEVERITIES = (
    ("critical", r"sev[- ]?[01]|p[01]|critical|blocker|major outage|high severity"),
    ("high", r"sev[- ]?2|p2|high|major"),
    ("medium", r"sev[- ]?3|p3|medium|moderate|normal"),
    ("low", r"sev[- ]?[45]|p[45]|low|minor"),
)


def normalise(heading: str) -> str:
    text = heading.strip().lower().replace("’", "'")
    text = _TRAILING_RE.sub("", text)
    text = _NOISE_RE.sub(" ", text)
    text = _NUMBERING_RE.sub("", " ".join(text.split()))
    return text.strip(" :-")


def part_of(heading: str) -> Part | None:
    """The part a heading names, or None (the section is kept as unmapped)."""
    text = normalise(heading)
    for part, pattern in _HEADING_RES:
        if pattern.match(text):
            return part
    return None


def severity_of(value: str) -> str | None:
    text = value.strip().lower()
    for severity, pattern in _SEVERITIES:
        if re.search(rf"\b(?:{pattern})\b", text):
            return severity
    return None
