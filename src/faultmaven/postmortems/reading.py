"""Markdown → a document of sections and blocks, each block with its line number.

Pure functions, no I/O. Parsing is markdown-it-py (CommonMark plus tables), so setext headings,
nested lists, fenced code and tables read as any markdown viewer shows them. Front matter
(``---`` lines at the top) is read as ``key: value`` lines.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.DOTALL)
_KEY_VALUE_RE = re.compile(r"^([A-Za-z][\w -]{0,40}):[ \t]*(.*)$")


@dataclass
class Block:
    """A paragraph, a list item, a table row, a code block or raw HTML, at ``line`` (1-based).

    ``lines``: the paragraph's hard lines (``<br>``) with their line numbers; ``cells``: a table
    row's cells (``header`` the table's header cells)."""

    kind: str  # paragraph | item | row | code | html
    line: int
    text: str = ""
    lines: list[tuple[int, str]] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    depth: int = 0  # list nesting
    info: str = ""  # a code block's language


@dataclass
class Section:
    heading: str
    level: int
    line: int
    end: int  # the last line (1-based, inclusive)
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)


@dataclass
class Document:
    title: str | None
    title_line: int
    front_matter: dict[str, str]
    preamble: Section  # what comes before the first section (level 0, no heading)
    sections: list[Section]
    lines: list[str]  # the text's lines, for quoting a section whole


def clean_inline(text: str) -> str:
    """Inline markdown as readable text: entities decoded, line breaks joined by spaces
    (emphasis, code spans and links are kept as written)."""
    return " ".join(html.unescape(text).split())


def _hard_lines(content: str, first_line: int) -> list[tuple[int, str]]:
    """A paragraph's lines: split at ``<br>`` when it has any (soft line breaks are only
    wrapping), else at nothing; each with the line number it starts on."""
    if not _BR_RE.search(content):
        return [(first_line, clean_inline(content))]
    parts: list[tuple[int, str]] = []
    offset = 0
    for piece in _BR_RE.split(content):
        start = first_line + content.count("\n", 0, offset) + (1 if piece.startswith("\n") else 0)
        offset += len(piece) + 4
        cleaned = clean_inline(piece)
        if cleaned:
            parts.append((start, cleaned))
    return parts


_REFERENCE_RE = re.compile(r"\[([^\[\]\n]+)\](?:\[([^\[\]\n]*)\])?(?![(:])")


def inline_links(body: str, references: dict[str, dict[str, str]]) -> str:
    """Reference-style links (``[text][label]``, ``[label][]``, ``[label]``) written as inline
    links with the URL their definition gives, so that a line moved into a case keeps where it
    points (the definitions are often in an appendix far away). Lines stay where they are."""

    def inline(match: re.Match[str]) -> str:
        text, label = match.group(1), match.group(2)
        key = " ".join((label or text).split()).upper()
        found = references.get(key)
        if found is None or not found.get("href"):
            return match.group(0)
        return f"[{text}]({found['href']})"

    return _REFERENCE_RE.sub(inline, body)


def read_document(text: str) -> Document:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    front: dict[str, str] = {}
    offset = 0
    match = _FRONT_MATTER_RE.match(text)
    if match:
        for raw in match.group(1).splitlines():
            pair = _KEY_VALUE_RE.match(raw.strip())
            if pair:
                front[pair.group(1).strip().lower()] = pair.group(2).strip().strip("\"'")
        offset = match.group(0).count("\n")
        body = text[match.end() :]
    else:
        body = text
    markdown = MarkdownIt("commonmark").enable("table")
    references: dict[str, dict[str, str]] = {}
    markdown.parse(body, {"references": references})  # (definitions, e.g. an appendix's)
    tokens = markdown.parse(inline_links(body, references) if references else body)
    lines = text.split("\n")
    headings = [
        (int(tok.tag[1]), index) for index, tok in enumerate(tokens) if tok.type == "heading_open"
    ]
    title: str | None = None
    title_line = 1
    skip: set[int] = set()
    if headings and headings[0][0] == 1 and sum(1 for level, _ in headings if level == 1) == 1:
        index = headings[0][1]
        title = clean_inline(tokens[index + 1].content)
        title_line = _line(tokens[index], offset)
        skip.add(index)
    levels = [level for level, index in headings if index not in skip]
    section_level = min(levels) if levels else 2
    return _Builder(tokens, offset, section_level, skip, lines, title, title_line, front).build()


def _line(token: Token, offset: int) -> int:
    return (token.map[0] if token.map else 0) + 1 + offset


class _Builder:
    def __init__(
        self,
        tokens: list[Token],
        offset: int,
        section_level: int,
        skip: set[int],
        lines: list[str],
        title: str | None,
        title_line: int,
        front: dict[str, str],
    ) -> None:
        self.tokens, self.offset, self.level, self.skip = tokens, offset, section_level, skip
        self.lines, self.title, self.title_line, self.front = lines, title, title_line, front
        self.preamble = Section("", 0, 1, 0)
        self.sections: list[Section] = []
        self.current = self.preamble
        self.items: list[Block] = []  # open list items, innermost last
        self.row: Block | None = None
        self.header: list[str] = []
        self.in_head = False

    def build(self) -> Document:
        tokens = self.tokens
        index = 0
        while index < len(tokens):
            tok = tokens[index]
            line = _line(tok, self.offset)
            if tok.type == "heading_open":
                if index not in self.skip:
                    self._heading(int(tok.tag[1]), clean_inline(tokens[index + 1].content), line)
                index += 3
                continue
            if tok.type == "list_item_open":
                item = Block("item", line, depth=len(self.items))
                self.current.blocks.append(item)
                self.items.append(item)
            elif tok.type == "list_item_close":
                self.items.pop()
            elif tok.type == "thead_open":
                self.in_head, self.header = True, []
            elif tok.type == "thead_close":
                self.in_head = False
            elif tok.type == "tr_open" and not self.in_head:
                self.row = Block("row", line, header=self.header)
            elif tok.type == "tr_close" and self.row is not None:
                if any(self.row.cells):
                    self.row.text = " | ".join(cell for cell in self.row.cells if cell)
                    self.current.blocks.append(self.row)
                self.row = None
            elif tok.type == "inline" and tokens[index - 1].type in ("th_open", "td_open"):
                cell = clean_inline(tok.content)
                (self.header if self.in_head else self.row.cells if self.row else []).append(cell)
            elif tok.type == "inline" and tokens[index - 1].type == "paragraph_open":
                self._paragraph(tok, line)
            elif tok.type in ("fence", "code_block"):
                self.current.blocks.append(
                    Block("code", line, text=tok.content.rstrip("\n"), info=tok.info.strip())
                )
            elif tok.type == "html_block":
                self.current.blocks.append(Block("html", line, text=tok.content.strip()))
            index += 1
        last = len(self.lines)
        self._close(last)
        return Document(
            self.title,
            self.title_line,
            self.front,
            self.preamble,
            self.sections,
            self.lines,
        )

    def _paragraph(self, tok: Token, line: int) -> None:
        if self.items:
            item = self.items[-1]
            joined = clean_inline(_BR_RE.sub(" ", tok.content))
            item.text = f"{item.text} {joined}".strip() if item.text else joined
            return
        hard = _hard_lines(tok.content, line)
        text = " ".join(part for _, part in hard)
        self.current.blocks.append(Block("paragraph", line, text=text, lines=hard))

    def _heading(self, level: int, text: str, line: int) -> None:
        if level <= self.level:
            self._close(line - 1)
            self.current = Section(text, level, line, line)
            self.sections.append(self.current)
            return
        parent = self.sections[-1] if self.sections else self.preamble
        child = Section(text, level, line, line)
        parent.children.append(child)
        self.current = child

    def _close(self, end: int) -> None:
        if self.sections:
            section = self.sections[-1]
            section.end = end
            children = section.children
            for position, child in enumerate(children):
                following = children[position + 1] if position + 1 < len(children) else None
                child.end = following.line - 1 if following else end
        else:
            self.preamble.end = end
