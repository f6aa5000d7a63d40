"""The analytics page over real HTTP through the ASGI app, on SQLite and PostgreSQL: a scripted
history (runbooks, cases with chosen open and resolve times, views, feedback, searches) and the
numbers the page shows checked against the API's reports of the same history; the filters as a
plain GET form (bad ones said on the page); team B's viewer sees nothing of team A's."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from analytics_history import MONDAY, build_history, flush, runbook_body
from fastapi.testclient import TestClient
from team_mode import People, team_client

from faultmaven.accounts.schemas import Role
from faultmaven.config import Settings

TAG = re.compile(r"<[^>]+>")


def text(fragment: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", fragment)).split())


def stat(page: str, name: str) -> str:
    found = re.search(rf'<dd id="stat-{name}">(.*?)</dd>', page, re.S)
    assert found, name
    return text(found.group(1))


def row_cells(page: str, runbook_id: str) -> list[str]:
    found = re.search(rf'<tr data-runbook="{runbook_id}">(.*?)</tr>', page, re.S)
    assert found, runbook_id
    return [text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", found.group(1), re.S)]


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".0%", "%")


@pytest.fixture
def history(client: TestClient) -> dict[str, str]:
    return build_history(client)


def test_the_page_shows_the_apis_numbers(client: TestClient, history: dict[str, str]) -> None:
    answer = client.get("/analytics")
    assert answer.status_code == 200
    page = answer.text
    summary = client.get("/api/v1/analytics/summary").json()
    assert summary["resolved_cases"] == 10 and summary["views"] == 6  # the history as scripted

    coverage = summary["coverage"]
    assert stat(page, "coverage") == pct(coverage["share"]) == "50%"
    assert f"{coverage['with_runbook']} of {coverage['resolved_cases']} resolved cases" in text(
        page
    )
    assert stat(page, "precision") == pct(summary["suggestions"]["precision"])
    searches = summary["searches"]
    assert (
        stat(page, "searches")
        == f"{searches['found_nothing']} of {searches['searches']}"
        == "1 of 2"
    )
    assert (
        stat(page, "cases")
        == f"{searches['cases_without_suggestion']} of {searches['cases_opened']}"
    )
    assert stat(page, "with") == "50 min (n=5)"
    assert stat(page, "without") == "120 min (n=5)"
    assert stat(page, "views") == str(summary["views"])
    feedback = summary["feedback"]
    assert stat(page, "feedback") == pct(feedback["rate"]) == "50%"

    # chart (a): the week, both medians with their counts; the table below has them too
    week = re.search(r'<svg class="chart" id="chart-weeks".*?</svg>', page, re.S)
    assert week, "no week chart"
    svg = week.group(0)
    assert '<title id="chart-weeks-title">' in svg and '<desc id="chart-weeks-desc">' in svg
    assert ">50 min<" in svg and ">120 min<" in svg and svg.count(">n=5<") == 2
    assert f">{MONDAY:%d %b}<" in svg
    weeks = re.search(r'<table class="report" id="table-weeks">(.*?)</table>', page, re.S)
    assert weeks and text(weeks.group(1)).endswith(
        f"{MONDAY.isoformat()} 50 min (n=5) 120 min (n=5)"
    )

    # the runbooks table: the API's per-runbook numbers, and its link to the page
    reports = {i["runbook_id"]: i for i in client.get("/api/v1/analytics/runbooks").json()["items"]}
    r1 = reports[history["r1"]]
    one = client.get(f"/api/v1/analytics/runbooks/{history['r1']}").json()
    cells = row_cells(page, history["r1"])
    assert cells[0] == "Redis Cluster OOM Kills published"
    assert cells[1:4] == [str(r1["views"]), f"{r1['suggested']} / {r1['opened']}", str(r1["uses"])]
    assert r1["views"] == 5 and r1["uses"] == 5 and r1["opened"] == 2
    success = r1["success"]
    assert cells[4] == (
        f"{pct(success['rate'])} ({success['solved']}/{success['answers']}; "
        f"{pct(success['low'])}–{pct(success['high'])})"
    )
    assert one["resolve_time"]["with_runbook"] == {"median_minutes": 50.0, "count": 5}
    assert cells[5] == "50 min (n=5) / 120 min (n=5)"
    assert f'href="/runbooks/{history["r1"]}?from=link"' in page
    r2_cells = row_cells(page, history["r2"])
    assert r2_cells[0] == "Postgres disk <full> & slow published"  # escaped, shown as text
    assert "<full>" not in page and "disk &lt;full&gt; &amp; slow" in page
    assert r2_cells[1] == "1" and r2_cells[4] == "no answers"

    # chart (b): R1's success rate with its interval (R2 was never used: not in the chart)
    success_svg = re.search(r'<svg class="chart" id="chart-success".*?</svg>', page, re.S)
    assert (
        success_svg
        and f">{pct(success['rate'])} ({success['solved']}/{success['answers']})<"
        in success_svg.group(0)
    )
    assert "Postgres" not in success_svg.group(0)

    # gaps and recurring problems: the API's
    gaps = client.get("/api/v1/analytics/gaps").json()
    assert [g["example"] for g in gaps["items"]] == ["zookeeper quorum lost"]
    assert "zookeeper quorum lost" in page
    recurring = client.get("/api/v1/analytics/recurring", params={"days": 30}).json()
    for problem in recurring["items"]:
        assert f'href="/cases/{problem["case_ids"][0]}"' in page
    shown_counts = re.search(
        r'<table class="report" id="table-recurring">(.*?)</table>', page, re.S
    )
    if recurring["items"]:
        assert shown_counts and str(recurring["items"][0]["count"]) in text(shown_counts.group(1))


def test_filters_are_a_get_form_and_narrow_like_the_api(
    client: TestClient, history: dict[str, str]
) -> None:
    params = {"days": "60", "service": "postgres", "severity": "critical", "team": ""}
    page = client.get("/analytics", params=params).text
    assert 'name="days" value="60"' in page and 'value="postgres"' in page
    assert '<option value="critical" selected>' in page
    api = client.get(
        "/api/v1/analytics/runbooks", params={"days": 60, "service": "postgres"}
    ).json()
    assert [i["runbook_id"] for i in api["items"]] == [history["r2"]]
    assert (
        f'data-runbook="{history["r2"]}"' in page and f'data-runbook="{history["r1"]}"' not in page
    )
    # bad filters: said on the page with the form kept, never a 500
    for bad, says in (
        ({"days": "0"}, "The days filter is not usable"),
        ({"days": "soon"}, "The days filter is not usable"),
        ({"severity": "apocalyptic"}, "The severity filter is not usable"),
        ({"team": "nobody"}, "No team is named 'nobody'."),
    ):
        answer = client.get("/analytics", params=bad)
        assert answer.status_code == 400, bad
        assert says in html.unescape(answer.text), bad
        assert '<form class="analytics-filters" method="get" action="/analytics">' in answer.text


def test_an_empty_database_shows_empty_states(client: TestClient) -> None:
    page = client.get("/analytics").text
    assert "No case was resolved in this window." in page
    assert "No runbook to show yet." in page
    assert "No runbook you may see matches these filters." in page
    assert "Every search and new case found a runbook." in page
    assert "No problem came back in this window" in page
    assert "<svg" not in page
    assert '<a href="/analytics" aria-current="page">Analytics</a>' in page


@pytest.fixture
def teams(settings: Settings) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    people = People(settings)
    for team in ("alpha", "beta"):
        people.team(team)
    people.user("a_editor", ("alpha", Role.editor), password="a_editor-password")
    people.user("b_viewer", ("beta", Role.viewer), password="b_viewer-password")
    headers = {u: {"Authorization": people.token(u)[1]} for u in ("a_editor", "b_viewer")}
    with team_client(settings) as client:
        yield client, headers
    people.close()


def _sign_in(client: TestClient, name: str) -> None:
    login = client.post("/api/v1/auth/login", json={"name": name, "password": f"{name}-password"})
    assert login.status_code == 200, login.text
    client.cookies.set("fm_session", login.json()["token"])


def test_team_b_viewer_sees_nothing_of_team_a(teams: tuple[TestClient, dict]) -> None:
    client, headers = teams
    assert client.get("/analytics", follow_redirects=False).headers["location"] == (
        "/login?next=/analytics"
    )
    a = headers["a_editor"]
    made = {}
    for visibility in ("team", "organization"):
        runbook = {
            **runbook_body(f"Kafka lag {visibility} runbook", ["kafka"]),
            "visibility": visibility,
        }
        response = client.post("/api/v1/runbooks", json=runbook, headers=a)
        assert response.status_code == 201, response.text
        made[visibility] = response.json()["id"]
        client.get(f"/api/v1/runbooks/{made[visibility]}", headers=a)
    client.get("/api/v1/runbooks/search", params={"q": "zookeeper quorum"}, headers=a)
    flush(client)

    _sign_in(client, "a_editor")
    mine = client.get("/analytics").text
    assert "Kafka lag team runbook" in mine and "zookeeper quorum" in mine
    _sign_in(client, "b_viewer")
    theirs = client.get("/analytics")
    assert theirs.status_code == 200
    assert "Kafka lag team runbook" not in theirs.text and made["team"] not in theirs.text
    assert "zookeeper" not in theirs.text  # team A's search is not B's gap
    assert "Kafka lag organization runbook" in theirs.text  # an organization runbook: both see it
    api = client.get("/api/v1/analytics/runbooks", headers=headers["b_viewer"]).json()
    assert [i["runbook_id"] for i in api["items"]] == [made["organization"]]
    assert stat(theirs.text, "views") == str(
        client.get("/api/v1/analytics/summary", headers=headers["b_viewer"]).json()["views"]
    )
