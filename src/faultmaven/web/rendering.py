"""Untrusted text to safe HTML, in one place: markdown through markdown-it-py (CommonMark and
tables; raw HTML in the source is shown as text, images are not loaded, no inline styles: the
pages' CSP allows none) and then nh3 (a
whitelist of tags and attributes; links only to http, https and mailto, marked
``rel="noopener noreferrer nofollow"``); and search highlighting that escapes the text first
and then marks the matched words. Every field of a runbook or case is untrusted: a template
shows text autoescaped, or through these functions, never with ``|safe`` on raw input."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup, escape

_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
_CODE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]{1,30}$")


_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_HEADING_ID = re.compile(r"^sec-[a-z0-9-]{1,80}$")


def _heading_ids(state: StateCore) -> None:
    """``id="sec-<slug>"`` on every heading (``### Cause 2`` → ``sec-cause-2``; repeats get
    ``-2``, ``-3``), so that a page can link to a section."""
    seen: dict[str, int] = {}
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or index + 1 >= len(tokens):
            continue
        slug = _SLUG_DROP.sub("-", tokens[index + 1].content.lower()).strip("-")[:60] or "part"
        seen[slug] = seen.get(slug, 0) + 1
        token.attrSet("id", f"sec-{slug}" if seen[slug] == 1 else f"sec-{slug}-{seen[slug]}")


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    parser.disable("image")  # an image would load from wherever its URL points
    parser.core.ruler.push("heading_ids", _heading_ids)
    return parser


_MARKDOWN = _parser()


def _attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "code" and attribute == "class":
        return value if _CODE_CLASS.match(value) else None
    if attribute == "id":
        return value if _HEADING_ID.match(value) else None
    return value


def sanitize(html: str) -> str:
    """``html`` with only the whitelisted tags, attributes and link schemes left."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def markdown_html(text: str | None) -> Markup:
    """``text`` (untrusted markdown) as safe HTML."""
    if not text:
        return Markup("")
    return Markup(sanitize(_MARKDOWN.render(text)))


class MarkdownCache:
    """``markdown_html`` remembered for the last ``size`` texts, per app (made by
    ``make_templates``; two apps share nothing). Keyed by the text itself, so an entry can never
    be stale: a new version of a runbook is a new text. markdown-it-py is pure Python: ~10 ms
    for the demo runbook on a loaded 2-core machine, 3x the whole API GET; the cache pays it
    once per version (bench/bench_web.py)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[str, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def html(self, text: str | None) -> Markup:
        if not text:
            return Markup("")
        with self._lock:
            found = self._entries.get(text)
            if found is not None:
                self._entries.move_to_end(text)
                return found
        made = markdown_html(text)
        with self._lock:
            self._entries[text] = made
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return made


def highlight(text: str | None, terms: Iterable[str]) -> Markup:
    """``text`` escaped, with every word that starts with one of ``terms`` (case-insensitive)
    in ``<mark>``: the text is split on the raw words, each piece escaped, the matches marked,
    so no term can match inside an entity or a tag."""
    if not text:
        return Markup("")
    words = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))
