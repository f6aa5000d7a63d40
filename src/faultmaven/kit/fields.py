"""Field types: one rule per kind of input, used by every schema and every query, path and header
parameter, so that no endpoint has rules of its own and no input reaches the database unbounded.

* **Text** (``Line``, ``Text``, ``Command``, ``OptionalText``, ``OptionalCommand``,
  ``ShortText``, ``Note``): bounded length, and no control characters other than tab, line feed
  and carriage return. A text holding NUL (PostgreSQL cannot store it) or any other C0 control
  character (ESC of terminal colour codes, bell, backspace, form feed...) is **rejected** with a
  422 naming the field and the character, never silently changed: the sender knows what was
  stored. Required texts must hold more than whitespace (models strip surrounding whitespace).
* **Name** (services, tags, owner, author, the ``X-FaultMaven-Actor`` header, the ``service`` and
  ``tag`` filters): 1 to 100 characters, starting with a letter, digit or ``_``, then letters,
  digits, space and ``_ . - / : @ +`` (Unicode letters count; the text is NFC-normalised). A name
  is a label, not personal data: an e-mail address or an IP address (v4 or v6) is rejected.
  (The redaction package detects personal data in free text; these two local patterns are the
  strict version of it that a label needs.)
* **Integers** bounded by what the database stores (PostgreSQL ``INTEGER``: 2^31 - 1):
  ``Version`` 1..2^31-1, ``Offset`` 0..2^31-1, ``EntryIndex`` 0..``MAX_ITEMS``-1.
* **Numbers**: ``Minutes`` is finite (no NaN, no Infinity), 0 to 10 years.
* **Timestamps**: ``UTCTimestamp`` must carry a zone and lie between 1970 and 9999 (UTC);
  ``Day`` (a date) between 1970 and 9999.
* **Ids** (``EntityId``): 1 to 40 of ``A-Z a-z 0-9 _ -``; anything else cannot name a record.

Text that a later step lengthens (redaction replaces ``hunter2`` with ``[REDACTED:password]``) is
validated again with :func:`validate_fitted`, which cuts a text that grew past its limit instead
of failing: redaction never makes a valid value invalid.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Annotated, Any, TypeVar, cast

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError
from pydantic.types import AllowInfNan

from faultmaven.redaction import RedactionPolicy, Redactor, personal_data_in

MAX_ITEMS = 1000  # entries in one list of a record
SHORT = 300  # titles, labels, one-line checks
TEXT = 20_000  # descriptions, command output
COMMAND = 4000  # one command line
NAME = 100  # a service, tag, owner or actor
ID = 40  # an entity id (the column width)
MAX_DB_INT = 2**31 - 1  # PostgreSQL INTEGER, the narrowest integer column
MAX_MINUTES = 10 * 365 * 24 * 60  # ten years

_UNWANTED_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_NAMES = {0x00: "NUL", 0x1B: "ESC", 0x07: "BEL", 0x08: "backspace", 0x0C: "form feed"}


def no_control_characters(value: str) -> str:
    """The text rule: tab, line feed and carriage return are the only control characters."""
    found = _UNWANTED_CONTROL.search(value)
    if found is None:
        return value
    code = ord(found.group())
    name = _CONTROL_NAMES.get(code, "control character")
    hint = (
        " (terminal colour codes: send the output without them, e.g. with NO_COLOR=1)"
        if code == 0x1B
        else ""
    )
    raise ValueError(
        f"contains {name} U+{code:04X} at position {found.start()}; text may hold tab, line "
        f"feed and carriage return but no other control characters{hint}"
    )


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value.strip()


_Clean = AfterValidator(no_control_characters)
_NotBlank = AfterValidator(_not_blank)

Line = Annotated[str, Field(max_length=SHORT), _Clean, _NotBlank]
Text = Annotated[str, Field(max_length=TEXT), _Clean, _NotBlank]
OptionalText = Annotated[str, Field(max_length=TEXT), _Clean]
Command = Annotated[str, Field(max_length=COMMAND), _Clean, _NotBlank]
OptionalCommand = Annotated[str, Field(max_length=COMMAND), _Clean]
ShortText = Annotated[str, Field(max_length=60), _Clean]  # e.g. a duration, "10 mins"
Note = Annotated[str, Field(max_length=1000), _Clean]  # e.g. a change note


# ---- names -----------------------------------------------------------------------------------

_NAME_CHAR_RE = re.compile(r"[\w .\-/:@+]")
_NAME_RE = re.compile(r"\w[\w .\-/:@+]*")
# personal data a name must not hold, as the redactor finds it (phone-like digit runs are
# common in names: "db-2024-01", so they are not looked for here)
_PERSONAL_IN_NAMES = {"email": "an e-mail address", "ip": "an IP address"}
_SECRETS = Redactor(RedactionPolicy.from_setting("none"))


def _name(value: str) -> str:
    value = unicodedata.normalize("NFC", value.strip())
    if not value:
        raise ValueError("must not be empty")
    if not _NAME_RE.fullmatch(value):
        bad = next((ch for ch in value if not _NAME_CHAR_RE.fullmatch(ch)), value[0])
        shown = repr(bad) if bad.isprintable() else f"U+{ord(bad):04X}"
        raise ValueError(
            f"contains {shown}; a name starts with a letter, digit or _ and holds only "
            "letters, digits, spaces and _ . - / : @ +"
        )
    kinds = [kind for kind in personal_data_in(value) if kind in _PERSONAL_IN_NAMES]
    if kinds:
        raise ValueError(
            f"looks like {_PERSONAL_IN_NAMES[kinds[0]]}; names must not hold personal data"
        )
    if not _SECRETS.is_clean(value):
        raise ValueError("looks like a secret (a token or key); a name must not hold one")
    return value


Name = Annotated[str, Field(max_length=NAME), AfterValidator(_name)]


# ---- numbers, times, ids ---------------------------------------------------------------------

Version = Annotated[int, Field(ge=1, le=MAX_DB_INT)]
Offset = Annotated[int, Field(ge=0, le=MAX_DB_INT)]
EntryIndex = Annotated[int, Field(ge=0, lt=MAX_ITEMS)]
Minutes = Annotated[float, AllowInfNan(False), Field(ge=0, le=MAX_MINUTES)]

_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a timezone, e.g. 2025-10-05T14:30:00Z")
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not _EARLIEST <= in_utc < _LATEST:
        raise ValueError("must be between 1970-01-01 and 9998-12-31 (UTC)")
    return value


def _day(value: date) -> date:
    if not _EARLIEST.date() <= value < _LATEST.date():
        raise ValueError("must be between 1970-01-01 and 9998-12-31")
    return value


UTCTimestamp = Annotated[datetime, AfterValidator(_utc)]
Day = Annotated[date, AfterValidator(_day)]
EntityId = Annotated[str, Field(min_length=1, max_length=ID, pattern=r"^[A-Za-z0-9_-]+$")]


# ---- validating text that a later step made longer -------------------------------------------

_T = TypeVar("_T")


@lru_cache(maxsize=64)
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def validate_fitted(
    schema: type[_T] | TypeAdapter[_T], data: Any, *, shorten: Callable[[str, int], str]
) -> _T:
    """Validate ``data`` as ``schema`` (a model class, or a TypeAdapter such as one of
    ``list[Text]``), cutting each text that is longer than its field allows with
    ``shorten(text, max_length)``.

    For data made from valid input by a step that may lengthen text (redaction placeholders):
    such a step must never turn a valid value into an invalid one. Errors of any other kind are
    raised as they are.
    """
    adapter = schema if isinstance(schema, TypeAdapter) else _adapter(cast(Any, schema))
    try:
        return adapter.validate_python(data)
    except ValidationError as error:
        problems = error.errors()
        if any(problem["type"] != "string_too_long" for problem in problems):
            raise
    for problem in problems:
        data = _replace_at(data, problem["loc"], problem["ctx"]["max_length"], shorten)
    return adapter.validate_python(data)


def _replace_at(
    data: Any, loc: tuple[int | str, ...], limit: int, shorten: Callable[[str, int], str]
) -> Any:
    if not loc:
        return shorten(data, limit) if isinstance(data, str) else data
    head, rest = loc[0], loc[1:]
    if isinstance(data, dict) and head in data:
        return {**data, head: _replace_at(data[head], rest, limit, shorten)}
    if isinstance(data, list) and isinstance(head, int) and 0 <= head < len(data):
        copy = list(data)
        copy[head] = _replace_at(data[head], rest, limit, shorten)
        return copy
    return data
