"""Runbook files for ``runbooks create`` and ``runbooks import``: reading one (markdown in the
runbook format, JSON, JSON lines) with problems that name ``file:line``, finding them under a
directory without following a symlink out of it, and the per-file import report."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich import box
from rich.table import Table
from rich.text import Text

from faultmaven.cli.context import (
    console,
    parse_json,
    read_json_file,
    read_text_file,
    user_mistake,
    validated,
)
from faultmaven.errors import InvalidInput
from faultmaven.runbooks.frontmatter import parse_document
from faultmaven.runbooks.markdown import MarkdownError
from faultmaven.runbooks.schemas import RunbookImportItem, RunbookStatus

IMPORTABLE = (".md", ".markdown", ".json", ".jsonl")


def read_runbooks(file: Path, status: RunbookStatus, *, many: bool) -> list[RunbookImportItem]:
    """The runbooks of one file: markdown in the runbook format (with or without front matter),
    a JSON runbook (``many``: or a JSON list of them), or JSON lines (``many``). A problem names
    the file (and line or item).

    The status rule, the same for ``runbooks create`` and ``runbooks import``: the status the
    file states (front matter ``status:``, JSON ``"status"``) wins; ``status`` (the ``--status``
    option, default draft) is for files that state none."""
    suffix = file.suffix.lower()
    if suffix in (".md", ".markdown"):
        return [_read_markdown(file, status)]
    if suffix == ".jsonl" and many:
        lines = enumerate(read_text_file(file).splitlines(), 1)
        raws = [
            (f"{file}:{n}", parse_json(line, file, first_line=n))
            for n, line in lines
            if line.strip()
        ]
    else:
        raw = read_json_file(file)
        listed = isinstance(raw, list) and many
        raws = (
            [(f"{file}[{i}]", item) for i, item in enumerate(raw)] if listed else [(str(file), raw)]
        )
    runbooks = []
    for where, raw in raws:
        if isinstance(raw, dict):
            raw.setdefault("status", status.value)
        runbooks.append(validated(RunbookImportItem, raw, where))
    return runbooks


def _read_markdown(file: Path, status: RunbookStatus) -> RunbookImportItem:
    text = read_text_file(file)
    try:
        return parse_document(text, default_status=status)
    except MarkdownError as error:
        raise InvalidInput(f"{file}:{error.line}: {error.problem}") from None
    except InvalidInput as error:
        raise InvalidInput(f"{file}: {error.message}") from None


@dataclass
class FileImport:
    """One file of an import: its runbooks and, once saved, their ids; or why it was not read
    (``skipped``) or could not be imported (``problem``)."""

    file: Path
    runbooks: list[RunbookImportItem] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    problem: str | None = None
    skipped: bool = False

    @property
    def failed(self) -> bool:
        return self.problem is not None and not self.skipped

    def read(self, status: RunbookStatus) -> FileImport:
        """Read the runbooks (``status`` where they don't say), or note the problem."""
        if self.problem is None:
            try:
                self.runbooks = read_runbooks(self.file, status, many=True)
            except (InvalidInput, OSError) as error:
                self.problem = user_mistake(error)
                if self.problem is None:
                    raise
        return self


def files_to_import(
    paths: list[Path], *, suffixes: tuple[str, ...] = IMPORTABLE, what: str = "runbook files"
) -> list[FileImport]:
    """The files named, and those under the directories named whose suffix is in ``suffixes``."""
    files: list[FileImport] = []
    for path in paths:
        if path.is_dir():
            files.extend(_files_under(path, suffixes))
        elif path.is_file():
            files.append(FileImport(path))
        else:
            raise InvalidInput(f"{path} does not exist; check the path.")
    if not files:
        raise InvalidInput(f"No {what} ({', '.join(suffixes)}) in {', '.join(map(str, paths))}.")
    return files


def _files_under(root: Path, suffixes: tuple[str, ...]) -> Iterator[FileImport]:
    """The runbook files under ``root``. A symlink that leads out of ``root`` is never read, nor
    is a second link to the same file; both are reported as skipped."""
    inside = Path(os.path.realpath(root))
    first_seen: dict[Path, Path] = {}
    unreadable: list[OSError] = []
    for folder, subfolders, names in os.walk(root, onerror=unreadable.append):
        subfolders.sort()
        linked = [name for name in subfolders if Path(folder, name).is_symlink()]
        for path in sorted((Path(folder, name) for name in names + linked), key=_links_last):
            target = Path(os.path.realpath(path))
            if not target.is_relative_to(inside):
                yield _skipped(path, f"links to {target}, outside {root}")
            elif path.name in names and path.suffix.lower() in suffixes:
                seen = first_seen.setdefault(target, path)
                yield FileImport(path) if seen == path else _skipped(path, f"same file as {seen}")
    for error in unreadable:
        yield FileImport(Path(error.filename), problem=user_mistake(error))


def _links_last(path: Path) -> tuple[bool, str]:
    return path.is_symlink(), path.name


def _skipped(path: Path, reason: str) -> FileImport:
    return FileImport(path, problem=reason, skipped=True)


def print_report(files: list[FileImport]) -> None:
    table = Table(title="Import", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("file", overflow="fold")
    table.add_column("result", no_wrap=True)
    table.add_column("runbook ids, or why not")
    for item in files:
        result, detail = _outcome(item)
        table.add_row(Text(str(item.file)), result, Text(detail))
    console.print(table)


def _outcome(item: FileImport) -> tuple[str, str]:
    if item.skipped:
        return "[yellow]skipped[/]", f"{item.problem}; not read"
    if item.problem is not None:
        return "[red]failed[/]", item.problem
    if len(item.ids) < len(item.runbooks):
        return "not saved", f"valid: {n_runbooks(len(item.runbooks))}"
    if len(item.ids) > 3:
        return "[green]imported[/]", f"{item.ids[0]} ... {item.ids[-1]} ({len(item.ids)})"
    return "[green]imported[/]", ", ".join(item.ids) or "no runbooks in it"


def n_runbooks(runbooks: int) -> str:
    return f"{runbooks} runbook{'' if runbooks == 1 else 's'}"
