"""Post-mortem import with an LLM configured, against the fake OpenAI-compatible and Anthropic
servers, through the real API on both databases: the LLM's mapping is used when its lines come
from the document, lines that do not are dropped and reported, any LLM failure falls back to
the deterministic mapping, and the report says which path was used."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from llm_servers import Reply

from faultmaven.postmortems.mapping import map_postmortem

DATA = Path(__file__).parent.parent / "data" / "postmortems"
NO_SPACE = DATA / "mybinder" / "2018-03-26-no-space-left.md"
SECRET = "Zq9-planted-db-pass-8841"


def _document() -> str:
    text = NO_SPACE.read_text(encoding="utf-8")
    return text.replace("## Lessons learned", f"Note: DB_PASSWORD={SECRET}\n\n## Lessons learned")


def _llm_reading(text: str) -> dict[str, Any]:
    """A reading an LLM might give: better placed lines, plus some that are not in the text."""
    case = map_postmortem(text, name=NO_SPACE.name).case.model_dump(mode="json")
    case["symptoms"] = [
        "Binder launches were failing during this time.",  # from the summary: kept
        "Disk usage on every node rose above the alert threshold",  # not in it: dropped
    ]
    case["validations"] = [
        {
            "description": 'Found hundreds of "No space left on device" messages on node',
            "command": "kubectl describe node gke-prod-a-ssd-pool-32-134a959a-wlmp",  # invented
        },
        {"description": "Run a full filesystem check on the node"},  # invented: goes whole
    ]
    case["timeline"][0]["at"] = "2018-03-26T06:00:00Z"  # a time the document does not give
    return case


def _post(client: TestClient, text: str):
    return client.post(
        f"/api/v1/import/postmortem?filename={NO_SPACE.name}",
        content=text.encode(),
        headers={"Content-Type": "text/markdown"},
    )


def test_the_llm_mapping_is_used_and_grounded(llm_client) -> None:
    client, llm = llm_client
    text = _document()
    # (the LLM never sees the secret: its reading comes from the document without it)
    llm.server.script(llm.turn(_llm_reading(NO_SPACE.read_text(encoding="utf-8"))))

    response = _post(client, text)

    assert response.status_code == 201, response.text
    assert SECRET not in response.text
    report = response.json()
    assert report["mapped_by"] == "llm:fake-model" and report["llm_not_used_because"] is None
    dropped = " | ".join(report["dropped"])
    assert "symptoms[1]: 'Disk usage on every node" in dropped
    assert "validations[0].command: 'kubectl describe node" in dropped
    assert "validations[1].description: 'Run a full filesystem check" in dropped
    assert "timeline[0].at: '2018-03-26T06:00:00Z' (time not read from it)" in dropped
    assert len(report["dropped"]) == 4, report["dropped"]
    case = client.get(f"/api/v1/cases/{report['case_id']}").json()
    assert case["symptoms"] == ["Binder launches were failing during this time."]
    assert [(v["description"], v["command"]) for v in case["validations"]] == [
        ('Found hundreds of "No space left on device" messages on node', "")
    ]
    assert case["timeline"][0]["at"] is None
    # what left the process was redacted
    sent = json.dumps(llm.server.bodies())
    assert SECRET not in sent and "REDACTED" in sent
    assert "Every line you write must come from the document" in sent
    # the report has no resolution: no fix, and the runbook says what is missing
    assert case["solutions"] == []
    markdown = client.get(f"/api/v1/runbooks/{report['runbook_id']}?format=markdown").text
    assert "> _Gap: no fix recorded" in markdown
    assert "> _Gap: no diagnostic check recorded" not in markdown  # the check was kept
    assert "kubectl describe node" not in markdown


@pytest.mark.parametrize("failure", ["error", "malformed", "ungroundable"])
def test_any_llm_failure_falls_back_to_the_deterministic_mapping(llm_client, failure) -> None:
    client, llm = llm_client
    text = _document()
    if failure == "error":
        llm.server.script(Reply.error(503, "overloaded"))
    elif failure == "malformed":
        llm.server.script(llm.malformed(), llm.malformed())
    else:  # not a valid case record, twice (the corrective retry fails too)
        reading = _llm_reading(text)
        reading["validations"][0]["hypothesis"] = 7  # there is no hypothesis 7
        llm.server.script(llm.turn(reading), llm.turn(reading))

    response = _post(client, text)

    assert response.status_code == 201, response.text
    report = response.json()
    assert report["mapped_by"] == "deterministic"
    assert report["llm_not_used_because"]
    assert report["dropped"] == []
    deterministic = map_postmortem(text, name=NO_SPACE.name).case
    case = client.get(f"/api/v1/cases/{report['case_id']}").json()
    assert case["symptoms"] == deterministic.symptoms
    assert len(case["timeline"]) == len(deterministic.timeline)


def test_without_an_llm_the_report_says_deterministic(client: TestClient) -> None:
    response = _post(client, NO_SPACE.read_text(encoding="utf-8"))
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["mapped_by"], report["llm_not_used_because"]) == ("deterministic", None)


def test_the_cli_import_reports_the_path_per_file(llm, database_url: str, tmp_path: Path) -> None:
    """`faultmaven import postmortems` with an LLM configured: the first file mapped by the LLM
    (a line dropped), the second by headings because the LLM failed; the table says which."""
    from typer.testing import CliRunner

    from faultmaven.cli.main import app

    runner = CliRunner(
        env={
            "FAULTMAVEN_LLM_PROVIDER": llm.kind,
            "FAULTMAVEN_LLM_BASE_URL": llm.server.base_url,
            "FAULTMAVEN_LLM_MODEL": "fake-model",
            "FAULTMAVEN_LLM_API_KEY": "sk-test-key-not-real",
            "FAULTMAVEN_LLM_MAX_RETRIES": "0",
            "COLUMNS": "250",
        }
    )
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text(NO_SPACE.read_text(encoding="utf-8"), encoding="utf-8")
    second.write_text((DATA / "mybinder" / "2022-06-02-pod-limit.md").read_text(), "utf-8")
    llm.server.script(llm.turn(_llm_reading(first.read_text())), Reply.error(503, "overloaded"))

    def cli(*args: str):
        return runner.invoke(app, ["--database-url", database_url, *args])

    shown = cli("import", "postmortems", str(first), str(second))
    assert shown.exit_code == 0, shown.output
    assert "mapped by llm:fake-model" in shown.output
    assert "LLM lines dropped (not in the document): symptoms[1]" in shown.output
    assert "mapped by deterministic" in shown.output and "LLM not used:" in shown.output
    imported = json.loads(cli("cases", "list", "--origin", "imported", "--json").output)
    assert imported["total_count"] == 2
