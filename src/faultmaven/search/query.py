"""User query text is data, never syntax: turn it into plain search terms."""

from __future__ import annotations

import re

MAX_QUERY_CHARS = 2000
MAX_TERMS = 32
_TERM = re.compile(r"\w+", re.UNICODE)


def query_terms(text: str) -> list[str]:
    """Lower-cased word terms of ``text``, de-duplicated in order, at most MAX_TERMS.

    Operators (``AND``, ``NEAR``, ``"``, ``*``, ``:``, ``-``, ``|``, ``&``, ``!``) vanish: they are
    not word characters, and the boolean words are searched as plain words.
    """
    seen: dict[str, None] = {}
    for match in _TERM.finditer(text.lower()):
        seen.setdefault(match.group(0), None)
        if len(seen) == MAX_TERMS:
            break
    return list(seen)
