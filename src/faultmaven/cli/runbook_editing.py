"""``faultmaven runbooks edit``: the runbook's markdown in a file, the user's editor on it, the
edit read back; when the runbook changed meanwhile, what changed is shown and the edit is kept
in its file (nothing saved, nothing lost)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from faultmaven.cli import render
from faultmaven.cli.context import console, read_text_file
from faultmaven.errors import Conflict, InvalidInput
from faultmaven.runbooks.history import changed_paths
from faultmaven.runbooks.markdown import MarkdownError, parse_markdown
from faultmaven.runbooks.schemas import Runbook, RunbookContent, RunbookDiff, RunbookUpdate


def content_of(runbook: Runbook) -> RunbookContent:
    return RunbookContent.model_validate(
        runbook.model_dump(include=set(RunbookContent.model_fields))
    )


@dataclass
class Editing:
    runbook: Runbook
    path: Path
    original: str  # the text the editor opened on
    own_file: bool  # a temporary file made for this edit (removed once saved)
    edited: RunbookContent | None = None

    def _again(self) -> str:
        return f"faultmaven runbooks edit {self.runbook.id} --file {self.path}"

    def run_editor(self) -> RunbookContent | None:
        """The edited content, or None when nothing changed. A failed editor or text that is
        not a runbook: InvalidInput naming the kept file."""
        try:
            click.edit(filename=str(self.path))
        except click.ClickException as error:
            raise InvalidInput(
                f"{error.message}; your text is kept in {self.path} (set $EDITOR, then run: "
                f"{self._again()})"
            ) from None
        text = read_text_file(self.path)
        if self.own_file and text == self.original:
            self.done()
            return None
        try:
            content = parse_markdown(text).content
        except MarkdownError as error:
            raise InvalidInput(
                f"{self.path}:{error.line}: {error.problem}; nothing saved, your edit is kept "
                f"there: fix it with {self._again()}"
            ) from None
        except InvalidInput as error:
            raise InvalidInput(
                f"{self.path}: {error.message}; nothing saved, your edit is kept there: fix it "
                f"with {self._again()}"
            ) from None
        if content == content_of(self.runbook):
            self.done()
            return None
        self.edited = content
        return content

    def done(self) -> None:
        if self.own_file:
            self.path.unlink(missing_ok=True)

    def conflict(self, theirs: RunbookDiff) -> Conflict:
        """Show what changed meanwhile (and which of those fields this edit changes too); the
        error to raise, naming the kept file."""
        console.print(
            f"[yellow]{self.runbook.id} changed while you were editing[/yellow]: version "
            f"{theirs.from_version} → {theirs.to_version}. What changed:",
            highlight=False,
        )
        render.runbook_diff(theirs)
        if self.edited is not None:
            mine = changed_paths(
                content_of(self.runbook).model_dump(mode="json"),
                self.edited.model_dump(mode="json"),
            )
            both = [field for field in mine if field in theirs.changed_fields]
            console.print(f"Your edit changes: {', '.join(mine) or 'nothing'}", highlight=False)
            if both:
                console.print(f"[red]Changed by both:[/red] {', '.join(both)}", highlight=False)
        return Conflict(
            f"{self.runbook.id} is now at version {theirs.to_version} (you edited version "
            f"{theirs.from_version}); nothing saved. Your edit is kept in {self.path}; to apply "
            f"it to the new version, run: {self._again()}",
            code="STALE_VERSION",
        )


def start(runbook: Runbook, markdown: str, file: Path | None) -> Editing:
    """The file to edit: ``file`` (a kept edit) or a new temporary one holding ``markdown``."""
    if file is not None:
        return Editing(runbook, file, read_text_file(file), own_file=False)
    handle, name = tempfile.mkstemp(prefix=f"{runbook.id}-v{runbook.version}-", suffix=".md")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(markdown)
    return Editing(runbook, Path(name), markdown, own_file=True)


def update(runbook: Runbook, content: RunbookContent, change_note: str) -> RunbookUpdate:
    """The PUT body: the edited content with the runbook's metadata as it was read."""
    return RunbookUpdate.model_validate(
        {
            **content.model_dump(mode="json"),
            **runbook.model_dump(
                mode="json", include={"status", "services", "tags", "owner", "review_by"}
            ),
            "change_note": change_note,
        }
    )
