"""Timeline entries of a post-mortem: the time an entry starts with (in the document's time zone
when it names one), the date a heading or a lone date line sets, and the kind of event.

Pure functions. A time is only turned into a timestamp when its date and time zone are known;
otherwise the entry keeps its time as written, in its text (a guessed time zone would put the
event hours off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from faultmaven.cases.schemas import TimelineKind

# fixed offsets for the abbreviations post-mortems use; pairs like "PST/PDT" mean "local time
# there", which needs the zone's daylight-saving rules
_OFFSETS = {
    "utc": 0,
    "gmt": 0,
    "z": 0,
    "pst": -8,
    "pdt": -7,
    "mst": -7,
    "mdt": -6,
    "cst": -6,
    "cdt": -5,
    "est": -5,
    "edt": -4,
    "cet": 1,
    "cest": 2,
    "bst": 1,
    "eet": 2,
    "eest": 3,
    "jst": 9,
    "aest": 10,
}
_LOCAL = {
    "pt": "America/Los_Angeles",
    "pst/pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "et": "America/New_York",
    "est/edt": "America/New_York",
    "eastern": "America/New_York",
    "ct": "America/Chicago",
    "cet/cest": "Europe/Berlin",
}
_ZONE = r"(?:[A-Za-z]{3,4}/[A-Za-z]{3,4}|UTC|GMT|Z|[A-Z]{2,4}|[+-]\d{2}:?\d{2})"
_ZONE_NOTE_RES = (
    re.compile(r"\btimes?\b(?:[ \t]+are)?[ \t]+in[ \t]+\(?(" + _ZONE + r")(?![\w/])", re.I),
    re.compile(r"\((" + _ZONE + r")\)", re.IGNORECASE),
    re.compile(r"^(" + _ZONE + r")$", re.IGNORECASE),
)
_DATE_RE = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?=$|[ \t,T]|\*)",
)
_TIME_RE = re.compile(
    r"^(?:at[ \t]+)?(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[ \t]*([AaPp])\.?[Mm]\.?)?"
    r"(?:[ \t]*\(?(" + _ZONE + r")\)?(?![\w]))?"
)
_SEPARATOR_RE = re.compile(r"^[ \t]*(?:[-–—:|,]+[ \t]*)?")
_EMPHASIS_RE = re.compile(r"^\*\*(.+?)\*\*[ \t]*(?:[-–—:]+[ \t]*)?")

_KINDS = (
    (TimelineKind.deploy, r"deploy\w*|roll(?:ed|s)? ?out|releas\w*|merged?|upgrad\w*|pushed"),
    (
        TimelineKind.alert,
        r"alert\w*|pag(?:ed|es?)|paging|notif\w*|report(?:s|ed)?|tweets?|pinged|noticed",
    ),
    (
        TimelineKind.action,
        r"revert\w*|restart\w*|roll(?:ed)? ?back|fix\w*|mitigat\w*|cordon\w*|delet\w*|scal(?:e|ed)"
        r"|patch\w*|investigat\w*|begins?|began|looking|resync\w*|re-sync\w*",
    ),
    (TimelineKind.change, r"chang\w*|config\w*|updat\w*|commit\w*"),
)
_KIND_RES = [(kind, re.compile(rf"\b(?:{words})\b", re.IGNORECASE)) for kind, words in _KINDS]


def zone_named(text: str) -> tzinfo | None:
    name = text.strip().lower()
    if name in _OFFSETS:
        return timezone(timedelta(hours=_OFFSETS[name]))
    if name in _LOCAL:
        try:
            return ZoneInfo(_LOCAL[name])
        except ZoneInfoNotFoundError:
            return None
    if re.fullmatch(r"[+-]\d{2}:?\d{2}", name):
        sign = -1 if name[0] == "-" else 1
        digits = name[1:].replace(":", "")
        return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return None


def zone_note(text: str) -> tzinfo | None:
    """The time zone a note like "All times in PST" or "(UTC)" names."""
    for pattern in _ZONE_NOTE_RES:
        for match in pattern.finditer(text.strip()):
            zone = zone_named(match.group(1))
            if zone is not None:
                return zone
    return None


def kind_of(text: str) -> TimelineKind:
    for kind, pattern in _KIND_RES:
        if pattern.search(text):
            return kind
    return TimelineKind.observation


def leading_date(text: str) -> tuple[date, str] | None:
    """A date the text starts with, and the rest."""
    stripped = text.strip().strip("*").strip()
    match = _DATE_RE.match(stripped)
    if not match:
        return None
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return day, stripped[match.end() :].lstrip("*").strip()


@dataclass(frozen=True)
class Entry:
    at: datetime | None
    event: str  # the text, without the time when ``at`` holds it ("" for a bare time)
    time_text: str  # the time as written ("" when none)
    day: date | None = None  # the date the entry names or was given


def read_entry(text: str, *, day: date | None, zone: tzinfo | None) -> Entry:
    """An entry's time and event: "**14:30** text", "2:54 PM PST: text", "2018-03-26 10:34 —
    text". ``day`` and ``zone`` come from the headings and notes above it."""
    rest = text.strip()
    emphasis = _EMPHASIS_RE.match(rest)
    inner = emphasis.group(1).strip() if emphasis else None
    candidate = inner if inner is not None else rest
    dated = leading_date(candidate)
    if dated is not None:
        day, candidate = dated
    match = _TIME_RE.match(candidate.strip())
    if not match:
        if dated is not None:
            return Entry(None, _after_separator(candidate), "", day)
        return Entry(None, text.strip(), "", day)
    after = candidate.strip()[match.end() :]
    if inner is not None:  # the time was the emphasised part; the event follows it
        after = rest[emphasis.end() :] if emphasis else after
    event = _after_separator(after)
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    meridiem = (match.group(4) or "").lower()
    if meridiem == "p" and hour < 12:
        hour += 12
    elif meridiem == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return Entry(None, text.strip(), "", day)
    own_zone = zone_named(match.group(5)) if match.group(5) else None
    tz = own_zone or zone
    time_text = match.group(0).strip()
    if day is None or tz is None:
        return Entry(None, text.strip(), time_text, day)
    try:
        at = datetime.combine(day, time(hour, minute, second), tzinfo=tz).astimezone(UTC)
    except (OverflowError, ValueError):  # e.g. 9999-12-31 23:00 PST is past year 9999 in UTC
        return Entry(None, text.strip(), time_text, day)
    return Entry(at, event, time_text, day)


def _after_separator(text: str) -> str:
    return _SEPARATOR_RE.sub("", text, count=1).strip()
