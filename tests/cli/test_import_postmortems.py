"""``faultmaven import postmortems`` through the real Typer app on both databases: the real
post-mortems of tests/data/postmortems (three layouts) and a file that is not one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

DATA = Path(__file__).parent.parent / "data" / "postmortems"


def test_import_a_directory_with_a_report_per_file(cli, tmp_path: Path) -> None:
    folder = tmp_path / "postmortems"
    shutil.copytree(DATA, folder)
    result = cli("import", "postmortems", str(folder))
    # README.md is not a post-mortem: skipped with file:line, the others imported (exit 1)
    assert result.exit_code == 1, result.output
    assert "1 of 9 files skipped; 8 imported." in result.stderr
    assert "Post-mortem import" in result.output
    assert result.output.count("imported") >= 8
    assert f"{folder / 'README.md'}:1: no post-mortem" in " ".join(result.output.split())
    assert "kept unmapped: 3: (preamble); 138: Appendix" in result.output

    cases = json.loads(cli("cases", "list", "--json").output)
    assert cases["total_count"] == 8
    assert {case["status"] for case in cases["items"]} == {"resolved"}
    (tmp_path / "case.json").write_text(json.dumps({"title": "Disk full on db-1"}))
    recorded = json.loads(cli("cases", "create", str(tmp_path / "case.json"), "--json").output)
    imported = json.loads(cli("cases", "list", "--origin", "imported", "--json").output)
    assert imported["total_count"] == 8 and recorded["id"] not in str(imported)
    only = json.loads(cli("cases", "list", "--origin", "recorded", "--json").output)
    assert [case["id"] for case in only["items"]] == [recorded["id"]]
    drafts = json.loads(cli("runbooks", "list", "--status", "draft", "--json").output)
    assert drafts["total_count"] == 8
    titles = {item["title"] for item in drafts["items"]}
    assert "Build Breakage on 2016-11-08" in titles
    found = json.loads(cli("runbooks", "search", "duplicated", "preset", "--json").output)
    assert found["items"][0]["runbook"]["title"] == "January 23rd, 2019 Prow Outage"


def test_import_one_file_as_json(cli) -> None:
    path = DATA / "flutter" / "Postmortem-Build-Breakage-on-2016-11-08.md"
    result = cli("import", "postmortems", str(path), "--json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    imported = report["imported"]
    assert imported["title"] == "Build Breakage on 2016-11-08"
    shown = json.loads(cli("runbooks", "show", imported["runbook_id"], "--json").output)
    assert shown["status"] == "draft"
    assert shown["prevention"]["monitoring"][0].startswith("We should have a continuous")


def test_a_file_that_is_not_markdown_text(assert_mistake, cli, tmp_path: Path) -> None:
    binary = tmp_path / "pm.md"
    binary.write_bytes(b"\xff\xfe\x00")
    result = cli("import", "postmortems", str(binary))
    assert result.exit_code == 1
    assert "not UTF-8" in result.output
