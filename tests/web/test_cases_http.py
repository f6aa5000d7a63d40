"""The case pages over real HTTP through the ASGI app (no browser), on both databases: the
new-case form and its JSON alternative (bad input shown beside the fields, kept, nothing
written), CSRF, 404s, list filters and paging, the workspace's forms, the runbook offer and its
duplicate choices, a suggestion opening its runbook beside the case."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
ACTIONS = re.compile(r'<button type="submit" class="action[^"]*">([^<]*)</button>')
OFFER = (
    "Glad we solved it! To help with future troubleshooting, would you like me to create a "
    "runbook for this issue?"
)


def token(client: TestClient, path: str = "/cases/new") -> str:
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def case_count(client: TestClient) -> int:
    return client.get("/api/v1/cases").json()["total_count"]


def open_case(client: TestClient, record: dict) -> str:
    response = client.post("/api/v1/cases", json=record)
    assert response.status_code == 201, response.text
    return response.json()["case"]["id"]


def post(client: TestClient, path: str, csrf: str, **fields: str):
    return client.post(path, data={"csrf_token": csrf, **fields}, follow_redirects=False)


def actions(page_html: str) -> list[str]:
    return [html.unescape(label) for label in ACTIONS.findall(page_html)]


def test_a_refused_form_shows_each_problem_beside_its_field_keeps_the_input_and_writes_nothing(
    client: TestClient,
) -> None:
    csrf = token(client)
    answer = post(
        client,
        "/cases/new",
        csrf,
        title="   ",
        description="Redis <b>keeps</b> restarting",
        services="redis\nBad Name!!",
        symptoms="Pods restarting\n\nOOMKilled",
    )
    assert answer.status_code == 422
    page = answer.text
    assert 'id="f-title-errors"' in page and "must not be empty" in page
    assert 'id="f-services-errors"' in page and "line 2:" in page
    assert 'aria-invalid="true" aria-describedby="f-services-errors"' in page
    assert "Redis &lt;b&gt;keeps&lt;/b&gt; restarting</textarea>" in page  # kept, escaped
    assert "redis\nBad Name!!</textarea>" in page
    assert "Pods restarting\n\nOOMKilled</textarea>" in page
    assert "Nothing was saved" in page
    assert case_count(client) == 0

    good = post(
        client,
        "/cases/new",
        csrf,
        title="Redis pods OOMKilled",
        severity="critical",
        services="redis\n",
        affected_systems="session management",
        symptoms="Pods restarting\n\nOOMKilled",
        tags="kubernetes\nmemory",
    )
    assert good.status_code == 303
    case_id = good.headers["location"].split("/")[2].split("?")[0]
    case = client.get(f"/api/v1/cases/{case_id}").json()
    assert case["severity"] == "critical" and case["services"] == ["redis"]
    assert case["symptoms"] == ["Pods restarting", "OOMKilled"]
    assert case["tags"] == ["kubernetes", "memory"]
    assert case["affected_systems"] == ["session management"]


def test_the_pasted_case_record_is_the_api_shape_and_its_errors_keep_the_text(
    client: TestClient, redis_case: dict
) -> None:
    import json

    csrf = token(client)
    broken = '{"title": "Redis OOM",\n "services": ["redis"'
    answer = post(client, "/cases/new/json", csrf, record=broken)
    assert answer.status_code == 422
    assert "Not JSON:" in answer.text and "line 2" in answer.text
    assert f">{broken}</textarea>" in html.unescape(answer.text)
    wrong = json.dumps({**redis_case, "solutions": [{"title": "x", "outcome": "maybe"}]})
    answer = post(client, "/cases/new/json", csrf, record=wrong)
    assert answer.status_code == 422
    assert "solutions.0.outcome:" in answer.text
    assert post(client, "/cases/new/json", csrf, record="[1, 2]").status_code == 422
    assert case_count(client) == 0

    done = post(client, "/cases/new/json", csrf, record=json.dumps(redis_case))
    assert done.status_code == 303
    case_id = done.headers["location"].split("/")[2].split("?")[0]
    case = client.get(f"/api/v1/cases/{case_id}").json()
    assert [s["outcome"] for s in case["solutions"]] == ["failed", "applied"]
    assert case["root_cause"]["cause"] == redis_case["root_cause"]["cause"]
    page = client.get(f"/cases/{case_id}").text
    for shown in ("Session objects too large", "redis-cli DEBUG OBJECT", "No memory alerting"):
        assert shown in page


def test_forms_without_a_valid_csrf_token_are_refused_and_change_nothing(
    client: TestClient, redis_case: dict
) -> None:
    case_id = open_case(client, {"title": "Disk full on db-1"})
    for path, fields in (
        ("/cases/new", {"title": "Sneaky case"}),
        (f"/cases/{case_id}/add/hypotheses", {"statement": "sneaky"}),
        (f"/cases/{case_id}/say", {"content": "sneaky"}),
        (f"/cases/{case_id}/close", {"reason": "sneaky"}),
    ):
        for csrf in (None, "0" * 64):
            data = fields if csrf is None else {**fields, "csrf_token": csrf}
            answer = client.post(path, data=data, follow_redirects=False)
            assert answer.status_code == 403, path
            assert "nothing was saved" in answer.text
    case = client.get(f"/api/v1/cases/{case_id}").json()
    assert case["hypotheses"] == [] and case["messages"] == [] and case["status"] == "open"
    assert case_count(client) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/cases/case_000000000000",
        "/cases/not%20an%20id",
        "/cases/case_000000000000?runbook=rb_000000000000",
    ],
)
def test_unknown_cases_answer_the_404_page(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert "<h1>Not found</h1>" in answer.text


def test_a_missing_runbook_beside_a_case_and_a_missing_entry_answer_404(
    client: TestClient,
) -> None:
    case_id = open_case(client, {"title": "Disk full on db-1"})
    assert client.get(f"/cases/{case_id}?runbook=rb_000000000000").status_code == 404
    csrf = token(client, f"/cases/{case_id}")
    answer = post(client, f"/cases/{case_id}/edit/hypotheses/hyp_000000000000", csrf, status="x")
    assert answer.status_code in (404, 422)
    answer = post(
        client, f"/cases/{case_id}/edit/hypotheses/hyp_000000000000", csrf, status="validated"
    )
    assert answer.status_code == 404


def test_the_list_filters_by_status_severity_service_and_origin_and_pages(
    client: TestClient,
) -> None:
    for n in range(27):
        open_case(
            client,
            {
                "title": f"Case number {n}",
                "severity": "critical" if n % 3 == 0 else "low",
                "services": ["redis", "api"] if n % 2 == 0 else ["postgres"],
            },
        )
    first = client.get("/cases").text
    assert "27 cases, 1–25 shown" in first and "Case number 26" in first
    assert "Case number 1<" not in first and 'href="/cases?offset=25"' in first
    second = client.get("/cases?offset=25").text
    assert "Case number 1<" in second and "Case number 0<" in second
    assert 'href="/cases?offset=0"' in second
    redis = client.get("/cases?service=redis").text
    assert "14 cases" in redis and "Case number 1<" not in redis
    both = client.get("/cases", params={"service": "redis", "severity": "critical"}).text
    assert "5 cases" in both  # 0, 6, 12, 18, 24
    assert "service=redis&amp;severity=critical&amp;offset" not in both  # one page only
    assert "No case matches" in client.get("/cases?status=closed").text
    assert "No case matches" in client.get("/cases?origin=imported").text
    assert "27 cases" in client.get("/cases?origin=recorded").text
    ignored = client.get("/cases?severity=urgent")
    assert ignored.status_code == 200 and "severity filter was ignored" in ignored.text


def test_the_offer_declined_then_a_runbook_later_then_the_duplicate_choices(
    client: TestClient, redis_case: dict
) -> None:
    later = ("hypotheses", "solutions", "opened_at")
    bare = {k: v for k, v in redis_case.items() if k not in later}
    first = open_case(client, {**bare, "validations": []})
    csrf = token(client, f"/cases/{first}")
    assert post(client, f"/cases/{first}/resolve", csrf).status_code == 409  # no applied fix
    added = post(
        client,
        f"/cases/{first}/add/hypotheses",
        csrf,
        statement="Session objects too large",
        status="proposed",
    )
    assert added.headers["location"] == f"/cases/{first}?done=added#hypotheses"
    hypothesis = client.get(f"/api/v1/cases/{first}").json()["hypotheses"][0]["id"]
    post(client, f"/cases/{first}/edit/hypotheses/{hypothesis}", csrf, status="validated")
    post(
        client,
        f"/cases/{first}/add/solutions",
        csrf,
        title="Increase Redis memory limit",
        outcome="applied",
        commands="kubectl patch statefulset redis -n production --patch-file mem.yaml",
    )
    post(client, f"/cases/{first}/record/root-cause", csrf, cause="Sessions grew to 5MB")
    case = client.get(f"/api/v1/cases/{first}").json()
    assert case["hypotheses"][0]["status"] == "validated"
    assert case["root_cause"]["cause"] == "Sessions grew to 5MB"
    resolved = post(client, f"/cases/{first}/resolve", csrf)
    assert resolved.status_code == 200 and OFFER in resolved.text
    assert actions(resolved.text) == ["📘 Yes, create a runbook", "No thanks"]
    again = post(client, f"/cases/{first}/resolve", csrf)  # a reload re-posts the form
    assert again.headers["location"] == f"/cases/{first}?done=already-resolved#conversation"
    shown = client.get(f"/cases/{first}?done=already-resolved").text
    assert "already resolved; nothing was changed" in shown and OFFER in shown
    declined = post(client, f"/cases/{first}/say", csrf, content="No thanks")
    assert declined.headers["location"] == f"/cases/{first}?done=sent#conversation"
    page = client.get(f"/cases/{first}").text
    assert "Create a runbook from this case" in page and "Yes, create a runbook" not in page
    assert client.get(f"/api/v1/cases/{first}").json()["status"] == "closed"
    made = post(client, f"/cases/{first}/runbook", csrf)
    assert made.status_code == 303 and made.headers["location"].startswith("/runbooks/rb_")
    runbook_id = made.headers["location"].split("/")[2]
    assert "Create a runbook from this case" not in client.get(f"/cases/{first}").text

    second = open_case(client, {**redis_case, "opened_at": None})
    resolved = post(client, f"/cases/{second}/resolve", csrf)
    assert OFFER in resolved.text
    asked = post(client, f"/cases/{second}/say", csrf, content="Yes, create a runbook")
    assert asked.status_code == 200
    title = redis_case["title"]
    assert actions(asked.text) == [
        f"Add as another cause of {title}",
        "Update cause 1",
        "Create a new runbook",
    ]
    added = post(client, f"/cases/{second}/say", csrf, content=f"Add as another cause of {title}")
    assert added.headers["location"] == f"/runbooks/{runbook_id}"
    runbook = client.get(f"/api/v1/runbooks/{runbook_id}").json()
    assert sorted(runbook["source_case_ids"]) == sorted([first, second])


def test_a_suggested_runbook_opens_beside_the_case_and_counts_as_viewed(
    client: TestClient, redis_case: dict
) -> None:
    source = open_case(client, {**redis_case, "opened_at": None})
    client.post(f"/api/v1/cases/{source}/resolve")
    accepted = client.post(f"/api/v1/cases/{source}/runbook-offer", json={"decision": "accept"})
    runbook = accepted.json()["runbook"]
    publish = {"version": runbook["version"], "status": "published"}
    assert client.patch(f"/api/v1/runbooks/{runbook['id']}", json=publish).status_code == 200
    csrf = token(client)
    opened = post(
        client,
        "/cases/new",
        csrf,
        title="Redis pods OOMKilled again",
        symptoms="\n".join(redis_case["symptoms"]),
        services="redis",
    )
    case_id = opened.headers["location"].split("/")[2].split("?")[0]
    page = client.get(opened.headers["location"]).text
    labels = actions(page)
    assert labels and labels[0].startswith(f"📖 {redis_case['title']} — ")
    assert f'name="open" value="{runbook["id"]}"' in page
    shown = post(
        client,
        f"/cases/{case_id}/say",
        csrf,
        content=f"Show me runbook: {redis_case['title']}",
        open=runbook["id"],
    )
    assert shown.headers["location"] == f"/cases/{case_id}?runbook={runbook['id']}#runbook-panel"
    panel = client.get(shown.headers["location"]).text
    assert 'id="runbook-panel"' in panel and f'href="/runbooks/{runbook["id"]}?from=link"' in panel
    assert client.get(f"/api/v1/cases/{case_id}").json()["runbooks_viewed"] == [runbook["id"]]


def test_a_free_text_message_without_an_llm_is_recorded_and_answered_plainly(
    client: TestClient,
) -> None:
    case_id = open_case(client, {"title": "Disk full on db-1"})
    page = client.get(f"/cases/{case_id}").text
    assert "No LLM configured." in page and "answers to free-text messages" in page
    csrf = token(client, f"/cases/{case_id}")
    empty = post(client, f"/cases/{case_id}/say", csrf, content="  ")
    assert empty.status_code == 422 and "Write a message first." in empty.text
    sent = post(client, f"/cases/{case_id}/say", csrf, content="df -h says 100% on /var")
    assert sent.status_code == 303
    messages = client.get(f"/api/v1/cases/{case_id}").json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert "needs an LLM" in messages[1]["content"]


def test_details_prevention_and_close_forms_and_a_closed_case_is_read_only(
    client: TestClient,
) -> None:
    case_id = open_case(client, {"title": "Disk full on db-1", "services": ["db"]})
    csrf = token(client, f"/cases/{case_id}")
    bad = post(client, f"/cases/{case_id}/record/details", csrf, title="", services="ok")
    assert bad.status_code == 422 and 'id="details-title-errors"' in bad.text
    assert '<details class="add-form" open>' in bad.text
    done = post(
        client,
        f"/cases/{case_id}/record/details",
        csrf,
        title="Disk full on db-1 and db-2",
        severity="high",
        services="db\npostgres",
    )
    assert done.status_code == 303
    post(client, f"/cases/{case_id}/record/prevention", csrf, monitoring="Alert at 80% disk")
    post(client, f"/cases/{case_id}/add/evidence", csrf, entries="df: 100%\n\ninode: 3%")
    post(client, f"/cases/{case_id}/add/timeline", csrf, event="Alert fired", kind="alert")
    bad_time = post(client, f"/cases/{case_id}/add/timeline", csrf, event="x", at="yesterday")
    assert bad_time.status_code == 422 and 'id="add-timeline-at-errors"' in bad_time.text
    case = client.get(f"/api/v1/cases/{case_id}").json()
    assert case["title"] == "Disk full on db-1 and db-2" and case["services"] == ["db", "postgres"]
    assert case["prevention"]["monitoring"] == ["Alert at 80% disk"]
    assert case["evidence"] == ["df: 100%", "inode: 3%"] and len(case["timeline"]) == 1
    assert post(client, f"/cases/{case_id}/close", csrf, reason="").status_code == 422
    assert post(client, f"/cases/{case_id}/close", csrf, reason="duplicate").status_code == 303
    page = client.get(f"/cases/{case_id}").text
    assert "Closed: duplicate" in page and 'action="/cases/' + case_id + "/add/" not in page
    refused = post(client, f"/cases/{case_id}/add/evidence", csrf, entries="late")
    assert refused.status_code == 409 and "read-only" in refused.text


def test_a_runbook_with_a_long_title_is_suggested_with_a_shortened_label(
    client: TestClient,
) -> None:
    title = (
        "Redis pods OOMKilled in production because the session objects grew from one "
        "hundred kilobytes to five megabytes after the user preferences deploy"
    )
    case = {
        "title": title,
        "symptoms": ["Pods restarting every 5-10 minutes", "K8s events: OOMKilled"],
        "services": ["redis"],
        "solutions": [{"title": "Increase Redis memory limit", "outcome": "applied"}],
    }
    first = open_case(client, case)
    client.post(f"/api/v1/cases/{first}/resolve")
    runbook = client.post(
        f"/api/v1/cases/{first}/runbook-offer", json={"decision": "accept"}
    ).json()["runbook"]
    publish = {"version": runbook["version"], "status": "published"}
    assert client.patch(f"/api/v1/runbooks/{runbook['id']}", json=publish).status_code == 200
    answer = client.post("/api/v1/cases", json=case)  # was a 500: the label was too long
    assert answer.status_code == 201, answer.text
    (action,) = answer.json()["assistant"]["suggested_actions"]
    assert len(action["label"]) <= 120 and "…" in action["label"]
    assert action["payload"] == f"Show me runbook: {title}"  # the payload keeps it whole
    case_id = answer.json()["case"]["id"]
    (label,) = actions(client.get(f"/cases/{case_id}").text)
    assert label == action["label"]
    csrf = token(client, f"/cases/{case_id}")
    shown = post(
        client, f"/cases/{case_id}/say", csrf, content=action["payload"], open=runbook["id"]
    )
    assert shown.headers["location"].endswith(f"?runbook={runbook['id']}#runbook-panel")
