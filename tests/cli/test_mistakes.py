"""Ordinary user mistakes through the real Typer app: one line on stderr that names the path and
says what to fix, exit code 1, no traceback, no "a bug", nothing half-written."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faultmaven.cli.context import user_mistake
from faultmaven.cli.main import app
from faultmaven.runbooks import service

runner = CliRunner()


def _no_database(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def runbook_id(cli, tmp_path: Path) -> str:
    source = tmp_path / "rb.json"
    source.write_text(json.dumps({"title": "Disk full on kafka brokers"}))
    created = cli("runbooks", "create", str(source))
    return next(w for w in created.output.split() if w.startswith("rb_")).rstrip(":")


def test_export_into_a_directory(assert_mistake, cli, runbook_id: str, tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    assert_mistake(
        cli("runbooks", "export", runbook_id, "-o", str(target)), str(target), "is a directory"
    )
    assert list(target.iterdir()) == []


def test_export_into_a_missing_directory(
    assert_mistake, cli, runbook_id: str, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "rb.md"
    result = cli("runbooks", "export", runbook_id, "-o", str(target))
    assert_mistake(result, f"the directory {target.parent} does not exist")
    assert not target.parent.exists()


def test_export_below_a_file(assert_mistake, cli, runbook_id: str, tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("keep me")
    target = tmp_path / "plain" / "rb.md"
    assert_mistake(
        cli("runbooks", "export", runbook_id, "-o", str(target)), str(target), "not a directory"
    )
    assert (tmp_path / "plain").read_text() == "keep me"


@pytest.mark.usefixtures("enforced_permissions")
def test_export_into_a_read_only_directory(
    assert_mistake, cli, runbook_id: str, tmp_path: Path
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    target = locked / "rb.md"
    assert_mistake(
        cli("runbooks", "export", runbook_id, "-o", str(target)), str(target), "permission denied"
    )
    assert not target.exists()


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("missing.json", None, "does not exist"),
        ("folder.json", "a directory", "is a directory"),
        ("latin1.json", b'{"title": "caf\xe9"}', "is not UTF-8 text"),
        ("latin1.md", b"# Runbook: caf\xe9\n", "is not UTF-8 text"),
    ],
)
@pytest.mark.parametrize("command", [("runbooks", "create"), ("cases", "create")])
def test_unreadable_input_files(
    assert_mistake, tmp_path: Path, command, name, content, fragment
) -> None:
    path = tmp_path / name
    if content == "a directory":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    result = _no_database("--data-dir", str(tmp_path / "data"), *command, str(path))
    assert_mistake(result, str(path), fragment)


@pytest.mark.usefixtures("enforced_permissions")
def test_an_input_file_without_read_permission(assert_mistake, tmp_path: Path) -> None:
    path = tmp_path / "secret.json"
    path.write_text('{"title": "x"}')
    path.chmod(0)
    result = _no_database("--data-dir", str(tmp_path / "data"), "runbooks", "create", str(path))
    assert_mistake(result, str(path), "permission denied")


def test_parse_errors_name_file_and_line(assert_mistake, tmp_path: Path) -> None:
    markdown = tmp_path / "rb.md"
    markdown.write_text("# Runbook: Disk full\n\n**Severity**: apocalyptic\n")
    data = ("--data-dir", str(tmp_path / "data"))
    assert_mistake(
        _no_database(*data, "runbooks", "create", str(markdown)),
        f"{markdown}:3: unknown severity 'apocalyptic'",
    )
    no_title = tmp_path / "notes.md"
    no_title.write_text("just notes\n")
    assert_mistake(
        _no_database(*data, "runbooks", "create", str(no_title)), f"{no_title}: markdown has no"
    )
    broken = tmp_path / "rb.json"
    broken.write_text('{\n  "title": "x",\n  oops\n}')
    assert_mistake(
        _no_database(*data, "runbooks", "create", str(broken)), f"{broken}:3: not valid JSON"
    )


def test_bench_input_not_utf8(assert_mistake, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(b'{"id": "1", "text": "caf\xe9"}\n')
    result = _no_database("bench", "retrieval", "--corpus", str(corpus), "--queries", str(corpus))
    assert_mistake(result, str(corpus), "is not UTF-8 text")


@pytest.mark.parametrize("kind", ["a file", "below a file"])
def test_a_data_directory_that_cannot_be_created(assert_mistake, tmp_path: Path, kind: str) -> None:
    (tmp_path / "plain").write_text("keep me")
    data_dir = tmp_path / "plain" if kind == "a file" else tmp_path / "plain" / "data"
    result = _no_database("--data-dir", str(data_dir), "runbooks", "list")
    assert_mistake(result, f"cannot create the data directory {data_dir}", "--data-dir")
    assert (tmp_path / "plain").read_text() == "keep me"


@pytest.mark.usefixtures("enforced_permissions")
def test_a_read_only_data_directory(assert_mistake, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o555)
    result = _no_database("--data-dir", str(data_dir), "runbooks", "list")
    assert_mistake(result, f"cannot write to the data directory {data_dir}")
    assert list(data_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            FileNotFoundError(errno.ENOENT, "No such file or directory", "rb.md"),
            "rb.md does not exist",
        ),
        (IsADirectoryError(errno.EISDIR, "Is a directory", "/tmp"), "/tmp is a directory"),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory", "/etc/passwd/x"), "not a directory"),
        (
            PermissionError(errno.EACCES, "Permission denied", "/root/x"),
            "/root/x: permission denied",
        ),
        (OSError(errno.ENOSPC, "No space left on device", "/full/x"), "/full/x: no space left"),
    ],
)
def test_os_errors_about_a_path_are_described(error: OSError, message: str) -> None:
    assert message in (user_mistake(error) or "")


def test_an_os_error_without_a_path_is_a_bug() -> None:
    assert user_mistake(OSError(errno.EIO, "Input/output error")) is None


def test_a_real_bug_still_says_so(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args, **_kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(service, "list_runbooks", broken)
    result = cli("runbooks", "list")
    assert result.exit_code == 1
    assert "unexpected KeyError" in result.stderr and "a bug" in result.stderr
