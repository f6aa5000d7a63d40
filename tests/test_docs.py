"""Docs are part of the feature: every setting is documented, every command has help."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from faultmaven.cli.main import app
from faultmaven.config import Settings

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    for name, field in Settings.model_fields.items():
        assert f"| `FAULTMAVEN_{name.upper()}` |" in README, name
        assert field.description, f"{name} has no description"


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for group in ("cases", "runbooks", "db"):
        result = runner.invoke(app, [group, "--help"])
        assert result.exit_code == 0
        for line in result.output.splitlines():
            if line.startswith("│ ") and line.split()[1].isidentifier():
                assert len(line.split()) > 2, f"undocumented command in {group}: {line}"
