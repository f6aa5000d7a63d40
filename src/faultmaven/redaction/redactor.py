"""The :class:`Redactor`: runs the detectors, resolves overlaps, writes typed placeholders."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from faultmaven.redaction._detectors import (
    KEY_FULL_RE,
    PLACEHOLDER_RE,
    Detector,
    Span,
    Text,
    auth_header_span,
    engine,
    is_real_value,
    kind_for_key,
    placeholder,
)
from faultmaven.redaction.policy import RedactionPolicy

_DEFAULT_POLICY = RedactionPolicy()
_Scan = frozenset[str] | None  # the strings to redact while walking data (None: every one)


class Redactor:
    """Replaces secrets (always) and personal data (per ``policy``) with typed placeholders.

    Immutable after construction and safe to share between threads: it holds only the policy
    and references to compiled, never-mutated detectors.
    """

    __slots__ = ("_policy", "_secret_detectors", "_personal_detectors")

    def __init__(self, policy: RedactionPolicy = _DEFAULT_POLICY) -> None:
        if not isinstance(policy, RedactionPolicy):
            raise TypeError(f"policy must be a RedactionPolicy, got {type(policy).__name__}")
        built = engine()
        self._policy = policy
        self._secret_detectors = built.secret_detectors
        self._personal_detectors = tuple(
            detect for kind, detect in built.personal_detectors if kind in policy.personal
        )

    @property
    def policy(self) -> RedactionPolicy:
        return self._policy

    def __repr__(self) -> str:
        return f"Redactor(policy={self._policy!r})"

    # ---------------------------------------------------------------------------------------
    def redact(self, text: str) -> tuple[str, Counter[str]]:
        """Return ``text`` with every finding replaced by ``[REDACTED:<type>]``, and the number of
        replacements per type. Already-redacted text comes back unchanged with empty counts."""
        if not isinstance(text, str):
            raise TypeError(f"redact() expects a str, got {type(text).__name__}")
        counts: Counter[str] = Counter()
        if not text:
            return text, counts
        spans = self._find(text)
        if not spans:
            return text, counts
        parts: list[str] = []
        pos = 0
        for span in spans:
            parts.append(text[pos : span.start])
            parts.append(placeholder(span.kind))
            counts[span.kind] += 1
            pos = span.end
        parts.append(text[pos:])
        return "".join(parts), counts

    def redact_data(self, value: Any) -> tuple[Any, Counter[str]]:
        """Redact every string in JSON-like data; return a new structure and the counts.

        dicts (a new ``dict``), lists and tuples (same type) are walked; ``str`` values are
        redacted; other scalars (numbers, bools, None, ...) and other objects are returned as is.
        The input is never mutated.

        Dict keys are kept verbatim (they are field names; rewriting them could merge two keys)
        but they give context to their values: the whole value of a secret-sounding key
        (``{"password": "hunter2"}``, ``{"DB_PASSWORD": 1234}``) is redacted, as are the
        credential of ``{"Authorization": "Bearer ..."}``, ``{"Cookie": ...}``, the ``value`` of a
        Kubernetes env entry ``{"name": "DB_PASSWORD", "value": ...}`` and every value under
        ``data``/``stringData`` of a ``{"kind": "Secret"}`` object.
        """
        counts: Counter[str] = Counter()
        return self._walk(value, counts, self._suspects(_leaves(value)[0])), counts

    def is_clean(self, value: Any) -> bool:
        """Would ``redact_data(value)`` change nothing? One scan of all the strings, and no key
        that asks for its value to be redacted (cheaper than redacting: nothing is copied)."""
        texts, keyed = _leaves(value)
        return not keyed and not (texts and self._find("\n\n".join(texts)))

    def _suspects(self, texts: list[str]) -> frozenset[str]:
        """The strings of ``value`` that may hold something to redact. All of them are scanned
        once, joined on blank lines; only those the scan finds something in are scanned again
        on their own (as ``redact`` would). A string cannot hide a finding by sitting next to
        others, and clean data, the usual case, costs one scan instead of one per string."""
        if not texts:
            return frozenset()
        joined = "\n\n".join(texts)
        spans = self._find(joined)
        if not spans:
            return frozenset()
        starts, position = [], 0
        for text in texts:
            starts.append(position)
            position += len(text) + 2
        hit: set[str] = set()
        for span in spans:
            first = bisect.bisect_right(starts, span.start) - 1
            last = bisect.bisect_right(starts, max(span.start, span.end - 1)) - 1
            hit.update(texts[first : last + 1])
        return frozenset(hit)

    # ---------------------------------------------------------------------------------------
    def _walk(self, value: Any, counts: Counter[str], scan: _Scan = None) -> Any:
        """``scan``: the strings to redact (None: all)."""
        if isinstance(value, str):
            if scan is not None and value not in scan:
                return value
            redacted, found = self.redact(value)
            counts.update(found)
            return redacted
        if isinstance(value, dict):
            return self._walk_dict(value, counts, scan)
        if isinstance(value, list):
            return [self._walk(item, counts, scan) for item in value]
        if isinstance(value, tuple):
            items = (self._walk(item, counts, scan) for item in value)
            return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
        return value

    def _walk_dict(
        self, data: dict[Any, Any], counts: Counter[str], scan: frozenset[str] | None
    ) -> dict[Any, Any]:
        is_k8s_secret = data.get("kind") == "Secret"
        name = data.get("name") if "value" in data else None
        env_name = name if isinstance(name, str) and KEY_FULL_RE.fullmatch(name.strip()) else None
        out: dict[Any, Any] = {}
        for key, value in data.items():
            if is_k8s_secret and key in ("data", "stringData") and isinstance(value, dict):
                out[key] = {
                    k: self._whole(v, "kubernetes_secret", counts, scan) for k, v in value.items()
                }
            elif env_name is not None and key == "value":
                out[key] = self._whole(value, kind_for_key(env_name), counts, scan)
            elif isinstance(key, str) and not isinstance(value, dict | list | tuple):
                out[key] = self._keyed(key, value, counts, scan)
            else:
                out[key] = self._walk(value, counts, scan)
        return out

    def _keyed(
        self, key: str, value: Any, counts: Counter[str], scan: frozenset[str] | None
    ) -> Any:
        """A scalar under a string key: the key may say the whole value is a secret."""
        rule = _key_rule(key)
        if rule is None:
            return self._walk(value, counts, scan)
        if rule == _AUTHORIZATION and isinstance(value, str):
            span = auth_header_span(value)
            if span is not None:
                counts[span.kind] += 1
                head, tail = value[: span.start], value[span.end :]
                return head + placeholder(span.kind) + tail
            return self._walk(value, counts, scan)
        if rule == _AUTHORIZATION:
            return self._walk(value, counts, scan)
        return self._whole(value, rule, counts, scan)

    def _whole(
        self, value: Any, kind: str, counts: Counter[str], scan: frozenset[str] | None
    ) -> Any:
        """Redact the entire scalar ``value`` as ``kind`` (strings, and numbers but not bools)."""
        if isinstance(value, str):
            if not is_real_value(value):
                return self._walk(value, counts, scan)
            counts[kind] += 1
            return placeholder(kind)
        if isinstance(value, int | float) and not isinstance(value, bool):
            counts[kind] += 1
            return placeholder(kind)
        return self._walk(value, counts, scan)

    # ---------------------------------------------------------------------------------------
    def _find(self, text: str) -> list[Span]:
        """Non-overlapping spans to replace, sorted by start."""
        scan = Text(text)
        protected = _placeholder_spans(text)
        secrets = _merge(_fit(_candidates(scan, self._secret_detectors), protected, text))
        personal = [
            span
            for span in _fit(_candidates(scan, self._personal_detectors), protected, text)
            if not _overlaps_any(span, secrets)
        ]
        return sorted(secrets + _merge(personal))


def personal_data_in(value: str) -> list[str]:
    """The kinds of personal data found in ``value``, in :data:`PERSONAL_KINDS` order
    (``"email"``, ``"ip"``, ``"phone"``); empty when there is none.

    For fields that must hold a name, not free text (a service, a tag, an owner, an actor):
    ``personal_data_in("ops@example.com") == ["email"]`` lets a validator reject such a value
    instead of storing it. The rules are the redactor's, whatever the policy: an address that
    identifies no one (``127.0.0.1``, ``10.244.0.0/16``) or ``getty@tty1.service`` is not
    personal data. Secrets are not looked for (use :meth:`Redactor.is_clean`).
    """
    if not isinstance(value, str):
        raise TypeError(f"personal_data_in() expects a str, got {type(value).__name__}")
    scan = Text(value)
    return [
        kind
        for kind, detect in engine().personal_detectors
        if next(iter(detect(scan)), None) is not None
    ]


_AUTHORIZATION = "authorization"


@lru_cache(maxsize=4096)
def _key_rule(key: str) -> str | None:
    """What a dict key says of its scalar value: an Authorization header, or the kind of secret
    the whole value is, or nothing (None). Keys repeat (field names): cached."""
    name = key.strip()
    lower = name.lower()
    if lower in ("authorization", "proxy-authorization"):
        return _AUTHORIZATION
    if lower in ("cookie", "set-cookie"):
        return "cookie"
    if KEY_FULL_RE.fullmatch(name):
        return kind_for_key(name)
    return None


def _leaves(value: Any) -> tuple[list[str], bool]:
    """Every string leaf of JSON-like data (in no particular order), and whether a dict key gives
    its value a rule of its own (a secret-sounding key, a Kubernetes Secret or env entry)."""
    texts: list[str] = []
    keyed = False
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, dict):
            keyed = keyed or item.get("kind") == "Secret" or ("name" in item and "value" in item)
            for key, child in item.items():
                if isinstance(child, dict | list | tuple):
                    stack.append(child)
                else:
                    keyed = keyed or (isinstance(key, str) and _key_rule(key) is not None)
                    if isinstance(child, str):
                        texts.append(child)
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return texts, keyed


def _candidates(scan: Text, detectors: Iterable[Detector]) -> list[Span]:
    return [span for detect in detectors for span in detect(scan) if span.end > span.start]


def _placeholder_spans(text: str) -> list[tuple[int, int]]:
    if "[REDACTED:" not in text:
        return []
    return [m.span() for m in PLACEHOLDER_RE.finditer(text)]


def _fit(spans: list[Span], protected: list[tuple[int, int]], text: str) -> list[Span]:
    """Keep placeholders intact: drop a span that only covers placeholders (and punctuation),
    and widen one that cuts through a placeholder to include all of it."""
    if not protected:
        return spans
    starts = [start for start, _ in protected]
    out = []
    for span in spans:
        start, end = span.start, span.end
        i = bisect.bisect_right(starts, start) - 1
        if i >= 0 and protected[i][1] > start:
            start = protected[i][0]
        j = bisect.bisect_left(starts, end) - 1
        if j >= 0 and protected[j][1] > end:
            end = protected[j][1]
        rest = PLACEHOLDER_RE.sub("", text[start:end]).strip(" \t\r\n,;:'\"`()[]{}<>")
        if rest:
            out.append(span._replace(start=start, end=end))
    return out


def _merge(spans: list[Span]) -> list[Span]:
    """Union overlapping spans (so that no part of any finding survives); the merged span takes
    the type of its highest-priority member."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            best = span if span.priority > last.priority else last
            merged[-1] = Span(last.start, max(last.end, span.end), best.kind, best.priority)
        else:
            merged.append(span)
    return merged


def _overlaps_any(span: Span, sorted_spans: list[Span]) -> bool:
    i = bisect.bisect_left(sorted_spans, (span.start,))
    for k in (i - 1, i):
        if 0 <= k < len(sorted_spans):
            other = sorted_spans[k]
            if other.start < span.end and span.start < other.end:
                return True
    return False


__all__ = ["Redactor", "personal_data_in"]
