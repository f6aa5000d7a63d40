"""Bounding redacted text: a placeholder is usually longer than what it replaces, so a text at its
field's length limit can outgrow it. Callers that must keep a limit cut with :func:`shorten`."""

from __future__ import annotations

from faultmaven.redaction._detectors import PLACEHOLDER_RE

ELLIPSIS = "\u2026"
_LONGEST_PLACEHOLDER = 64


def shorten(text: str, max_length: int) -> str:
    """``text`` if it fits in ``max_length`` characters; else cut to fit, ending with ``…``.

    The cut never splits a ``[REDACTED:<type>]`` placeholder (it moves before it), so what is
    kept still reads as redacted and no half placeholder is left.
    """
    if len(text) <= max_length:
        return text
    if max_length < 1:
        return ""
    cut = max_length - 1
    window = PLACEHOLDER_RE.finditer(
        text, max(0, cut - _LONGEST_PLACEHOLDER), cut + _LONGEST_PLACEHOLDER
    )
    for match in window:
        if match.start() < cut < match.end():
            cut = match.start()
            break
    return text[:cut].rstrip() + ELLIPSIS


__all__ = ["ELLIPSIS", "shorten"]
