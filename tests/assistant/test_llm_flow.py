"""A whole conversation with an LLM, from the first message to a saved runbook, against the fake
OpenAI-compatible and Anthropic servers, through the real API (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from faultmaven.cases.schemas import CaseRecord
from faultmaven.runbooks.drafting import draft_runbook

OFFER = (
    "Glad we solved it! To help with future troubleshooting, "
    "would you like me to create a runbook for this issue?"
)
SECRET = "Zq9-planted-db-pass-8841"


def _say(client: TestClient, case_id: str, content: str) -> dict:
    response = client.post(f"/api/v1/cases/{case_id}/messages", json={"content": content})
    assert response.status_code == 200, response.text
    return response.json()


def _wait_for_job(client: TestClient, job_id: str) -> dict:
    for _ in range(200):
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def _sections(case: dict) -> list[dict]:
    """What a careful LLM returns for each part of the runbook (summary, diagnosis, each known
    cause, prevention): the draft, worded as is."""
    draft = draft_runbook(CaseRecord.model_validate(case))
    summary = draft.model_dump(
        mode="json", include={"title", "summary", "symptoms", "affected_systems"}
    )
    return [
        summary,
        draft.diagnosis.model_dump(mode="json"),
        *(
            cause.model_dump(mode="json", include={"checks", "root_cause", "solution"})
            for cause in draft.causes
        ),
        draft.prevention.model_dump(mode="json"),
    ]


def _investigate(client: TestClient, llm: Any) -> str:
    case_id = client.post("/api/v1/cases", json={"title": "Checkout API returns 502"}).json()[
        "case"
    ]["id"]
    llm.server.script(
        llm.turn(
            {
                "answer": "Let's check the upstream pods first.",
                "suggested_commands": [
                    {
                        "command": "kubectl get pods -n shop",
                        "safety": "read_only",
                        "why": "are the pods up?",
                    }
                ],
                "case_updates": {
                    "symptoms": ["502 Bad Gateway from the ingress"],
                    "hypotheses": [{"statement": "upstream pods crash", "status": "proposed"}],
                },
            }
        ),
        llm.turn(
            {
                "answer": "The rollback fixed it.",
                "case_updates": {
                    "hypotheses": [{"statement": "upstream pods crash", "status": "validated"}],
                    "root_cause": {"cause": "v2.4.1 crashed on start: missing env DB_URL"},
                    "solutions": [
                        {
                            "title": "Roll back checkout",
                            "outcome": "applied",
                            "commands": ["helm rollback checkout 41 -n shop"],
                            "validation": ["kubectl get pods -n shop"],
                        }
                    ],
                    "resolved": True,
                },
            }
        ),
    )
    first = _say(client, case_id, f"checkout returns 502 since the deploy; DB_PASSWORD={SECRET}")
    assert first["assistant"]["suggested_commands"][0]["command"] == "kubectl get pods -n shop"
    assert first["case"]["symptoms"] == ["502 Bad Gateway from the ingress"]
    assert first["case"]["status"] == "investigating"
    resolved = _say(client, case_id, "rolled back with helm, it works now")
    assert resolved["assistant"]["answer"] == OFFER
    assert [a["type"] for a in resolved["assistant"]["suggested_actions"]] == [
        "create_runbook",
        "transition",
    ]
    case = resolved["case"]
    assert case["status"] == "resolved" and case["hypotheses"][0]["status"] == "validated"
    assert [m["content"] for m in case["messages"]].count(OFFER) == 1
    return case_id


def test_conversation_to_llm_written_runbook(llm_client, database_url: str) -> None:
    client, llm = llm_client
    case_id = _investigate(client, llm)
    case = client.get(f"/api/v1/cases/{case_id}").json()
    llm.server.script(*(llm.turn(section) for section in _sections(case)))
    accepted = _say(client, case_id, "Yes, create a runbook")
    assert "job_" in accepted["assistant"]["answer"]
    job_id = next(w for w in accepted["assistant"]["answer"].split() if w.startswith("job_"))
    job = _wait_for_job(client, job_id.rstrip(");."))
    assert job["status"] == "succeeded", job
    runbook = client.get(f"/api/v1/runbooks/{job['result']['runbook_id']}").json()
    assert runbook["generated_by"] == "llm:fake-model"
    assert runbook["causes"][0]["solution"]["fixes"][0]["commands"] == [
        "helm rollback checkout 41 -n shop"
    ]
    case = client.get(f"/api/v1/cases/{case_id}").json()
    assert case["runbook_ids"] == [runbook["id"]] and case["status"] == "closed"
    assert [m["content"] for m in case["messages"]].count(OFFER) == 1
    # the planted secret never left the process, and was never stored
    assert SECRET not in llm.server.all_text()
    assert "[REDACTED:password]" in llm.server.all_text()
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    with engine.connect() as connection:
        for table in ("cases", "runbooks", "runbook_versions", "jobs"):
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()
            assert SECRET not in repr(rows), table
    engine.dispose()


def test_an_ungrounded_llm_runbook_falls_back_to_the_draft(llm_client) -> None:
    client, llm = llm_client
    case_id = _investigate(client, llm)
    case = client.get(f"/api/v1/cases/{case_id}").json()
    sections = _sections(case)
    sections[0]["summary"] = "Fixed by running `kubectl delete ns shop` and upgrading to 9.9.9."
    llm.server.script(*(llm.turn(section) for section in sections))
    made = client.post(f"/api/v1/cases/{case_id}/runbook", json={"duplicate": "new"})
    assert made.status_code == 202, made.text
    assert made.headers["Location"] == f"/api/v1/jobs/{made.json()['id']}"
    job = _wait_for_job(client, made.json()["id"])
    assert job["status"] == "succeeded"
    assert job["result"]["generated_by"] == "deterministic"
    assert "kubectl delete ns shop" in job["result"]["llm_not_used_because"]
    runbook = client.get(f"/api/v1/runbooks/{job['result']['runbook_id']}").json()
    assert "kubectl delete ns shop" not in runbook["summary"]


def test_a_broken_llm_turn_degrades_with_a_clear_message(llm_client) -> None:
    client, llm = llm_client
    case_id = client.post("/api/v1/cases", json={"title": "Slow queries"}).json()["case"]["id"]
    llm.server.script(llm.malformed(), llm.malformed())
    answer = _say(client, case_id, "queries got slow")
    assert "could not answer" in answer["assistant"]["answer"]
    assert answer["case"]["messages"][0]["content"] == "queries got slow"
    assert answer["case"]["status"] == "open"


def test_the_whole_conversation_in_the_terminal(llm, database_url: str) -> None:
    """`faultmaven chat`: first message to saved runbook, actions picked by number."""
    import json

    from typer.testing import CliRunner

    from faultmaven.cli.main import app

    env = {
        "FAULTMAVEN_LLM_PROVIDER": llm.kind,
        "FAULTMAVEN_LLM_BASE_URL": llm.server.base_url,
        "FAULTMAVEN_LLM_MODEL": "fake-model",
        "FAULTMAVEN_LLM_API_KEY": "sk-test-key-not-real",
        "FAULTMAVEN_LLM_MAX_RETRIES": "0",
    }
    runner = CliRunner(env=env)

    def cli(*args: str, input: str | None = None):
        return runner.invoke(app, ["--database-url", database_url, *args], input=input)

    opened = cli("cases", "create", "-", input='{"title": "Checkout API returns 502"}')
    case_id = next(w for w in opened.output.split() if w.startswith("case_")).rstrip(":")
    llm.server.script(
        llm.turn(
            {
                "answer": "Roll back the release.",
                "case_updates": {
                    "symptoms": ["502 Bad Gateway from the ingress"],
                    "root_cause": {"cause": "v2.4.1 crashed on start"},
                    "solutions": [
                        {
                            "title": "Roll back checkout",
                            "outcome": "applied",
                            "commands": ["helm rollback checkout 41 -n shop"],
                        }
                    ],
                    "resolved": True,
                },
            }
        )
    )
    chat = cli("chat", case_id, input="it broke after the deploy, rollback fixed it\n/quit\n")
    assert chat.exit_code == 0, chat.output
    assert "Glad we solved it!" in chat.output
    assert "[1] Yes, create a runbook" in chat.output
    case = json.loads(cli("cases", "show", case_id).output)
    llm.server.script(*(llm.turn(section) for section in _sections(case)))
    chat = cli("chat", case_id, input="Yes, create a runbook\n/quit\n")
    assert chat.exit_code == 0, chat.output
    assert "is ready: Checkout API returns 502" in chat.output
    record = json.loads(cli("cases", "show", case_id).output)
    assert record["status"] == "closed" and record["runbook_ids"]
    shown = cli("runbooks", "show", record["runbook_ids"][0], "--json")
    assert json.loads(shown.output)["generated_by"] == "llm:fake-model"
