"""End to end, on both databases: secrets planted in a case (and a hand-written runbook) are in
no table of the database and in no response body, after the case is resolved and its runbook
offer accepted.

The fake secrets are assembled at run time so that this file does not look like a leak.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine

from faultmaven.kit.db import Base

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"  # the probe's bare key
AWS_SECRET_2 = "Tk3vQ9x2ZbL7m/" + "Wc8RfYp1sJhD4uNe6GaKq0Vt"
SESSION_TOKEN = "FwoGZXIvYXdzEBYaDH7pQ0kXzZ" + "1234abcd5678efghIJKLmnop"
PASSWORDS = ("Hunt3r2" + "Zebra", "Tr0ub4dor" + "&3xyz", "Pw" + "9Quokka!", "Welc0me" + "Wombat")
SECRETS = (AWS_SECRET, AWS_SECRET_2, SESSION_TOKEN, *PASSWORDS)


def _case() -> dict:
    return {
        "title": "S3 sync job fails with SignatureDoesNotMatch",
        "description": f"the sync user's password is {PASSWORDS[0]} (rotated last week)",
        "severity": "high",
        "services": ["backup-sync"],
        "tags": ["aws", "s3"],
        "symptoms": ["aws s3 sync exits 1: SignatureDoesNotMatch"],
        "hypotheses": [
            {"statement": "The secret key in the profile is stale", "status": "validated"}
        ],
        "validations": [
            {
                "description": "Read the key the job uses",
                "command": "cat /etc/backup/aws_key",
                "output": AWS_SECRET,
                "conclusion": "old key still configured",
                "hypothesis": 0,
            }
        ],
        "evidence": [f"vault read printed:\n{AWS_SECRET_2}", f"pw: {PASSWORDS[1]}"],
        "root_cause": {"cause": "the profile kept a revoked secret key"},
        "solutions": [
            {
                "title": "Configure the new key",
                "commands": [
                    f"aws configure set aws_secret_access_key {AWS_SECRET_2} --profile backup",
                    f"aws configure set aws_session_token {SESSION_TOKEN} --profile backup",
                ],
                "outcome": "applied",
                "validation": ["aws s3 ls s3://backups --profile backup"],
            }
        ],
        "messages": [
            {"role": "user", "content": f"fyi the password was {PASSWORDS[2]} before"},
        ],
        "opened_at": "2025-10-05T14:30:00Z",
    }


def _runbook() -> dict:
    return {
        "title": "Rotate the backup job's AWS key",
        "summary": f"The admin password is {PASSWORDS[3]}; ask ops for the new key.",
        "severity": "medium",
        "symptoms": ["SignatureDoesNotMatch from aws s3"],
        "root_cause": {"cause": "revoked key still configured"},
        "solution": {
            "fixes": [
                {
                    "title": "Set the key",
                    "commands": [f"aws configure set aws_secret_access_key {AWS_SECRET}"],
                }
            ],
            "validation": [f"echo {AWS_SECRET_2} | wc -c"],
        },
        "services": ["backup-sync"],
        "status": "published",
    }


def _fragments(secret: str) -> list[str]:
    """The secret and its alphanumeric pieces (a search index may store split terms)."""
    return [secret, *re.findall(r"[A-Za-z0-9]{6,}", secret)]


def _assert_absent(where: str, text: str) -> None:
    lowered = text.lower()
    for secret in SECRETS:
        for piece in _fragments(secret):
            assert piece.lower() not in lowered, f"{piece!r} of a planted secret found in {where}"


def test_planted_secrets_are_stored_nowhere_and_returned_nowhere(
    client: TestClient, engine: Engine
) -> None:
    bodies: list[tuple[str, str]] = []

    def call(method: str, url: str, **kwargs) -> dict:
        response = client.request(method, url, **kwargs)
        assert response.status_code < 300, response.text
        bodies.append((f"{method} {url}", response.text))
        return response.json() if "json" in response.headers.get("content-type", "") else {}

    case_id = call("POST", "/api/v1/cases", json=_case())["case"]["id"]
    call(
        "POST",
        f"/api/v1/cases/{case_id}/messages",
        json={"role": "user", "content": f"my password is {PASSWORDS[3]}, does that help?"},
    )
    call("POST", f"/api/v1/cases/{case_id}/resolve", json={"resolved_at": "2025-10-05T15:00:00Z"})
    outcome = call("POST", f"/api/v1/cases/{case_id}/runbook-offer", json={"decision": "accept"})
    generated = outcome["runbook"]["id"]
    written = call("POST", "/api/v1/runbooks", json=_runbook())["id"]
    call("GET", f"/api/v1/cases/{case_id}")
    for runbook_id in (generated, written):
        call("GET", f"/api/v1/runbooks/{runbook_id}")
        call("GET", f"/api/v1/runbooks/{runbook_id}", params={"format": "markdown"})
        call("GET", f"/api/v1/runbooks/{runbook_id}/versions/1")
    call("GET", "/api/v1/runbooks/search", params={"q": "aws key", "mode": "keyword"})

    # the placeholders say what was there
    stored = client.get(f"/api/v1/runbooks/{generated}").json()
    assert stored["redaction"]
    case = client.get(f"/api/v1/cases/{case_id}").json()
    assert case["validations"][0]["output"] == "[REDACTED:secret]"
    assert "[REDACTED:aws_session_token]" in str(case["solutions"])

    for where, body in bodies:
        _assert_absent(f"the response to {where}", body)

    database = MetaData()
    database.reflect(engine)  # every table there, not only the ones the models declare
    assert {table.name for table in Base.metadata.sorted_tables} <= set(database.tables)
    with engine.connect() as connection:
        for table in database.sorted_tables:
            rows = connection.execute(select(table)).all()
            _assert_absent(f"table {table.name}", "\n".join(repr(tuple(row)) for row in rows))
