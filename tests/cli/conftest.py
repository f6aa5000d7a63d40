"""The real Typer app on both databases, the check of a one-line user error, and a guard for
tests about file permissions."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faultmaven.cli.main import app

runner = CliRunner()


@pytest.fixture
def cli(database_url: str):
    """``faultmaven --database-url <the test database> ARGS...``, wide enough for tables."""

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(
            app, ["--database-url", database_url, *args], input=input, env={"COLUMNS": "250"}
        )

    return invoke


@pytest.fixture
def enforced_permissions() -> None:
    """Skips the test where file permissions do not bind this process (root, CAP_DAC_OVERRIDE)."""
    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch, "probe")
        probe.write_text("")
        probe.chmod(0)
        try:
            probe.read_text()
        except PermissionError:
            return
    pytest.skip("this process reads and writes past file permissions (root)")


def _assert_mistake(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr
    assert "a bug" not in result.stderr
    assert "Traceback" not in result.output


@pytest.fixture
def assert_mistake():
    """``assert_mistake(result, *fragments)``: exit code 1, one line on stderr holding each
    fragment, no traceback, not called a bug."""
    return _assert_mistake
