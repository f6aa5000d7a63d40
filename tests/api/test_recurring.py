"""GET /api/v1/analytics/recurring on scripted histories (a controlled clock: every module that
reads ``kit.clock.utcnow`` for these records reads the test's time), on SQLite and PostgreSQL:
counts in the window, "recurred after the runbook existed", ranking, the offer and prevention
pointers, filters, paging, and visibility between teams."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from team_mode import People, team_client

from faultmaven.accounts.schemas import Role
from faultmaven.analytics import recurring_service
from faultmaven.app import create_app
from faultmaven.cases import service as cases_service
from faultmaven.cases.schemas import CaseCreate, ResolveRequest
from faultmaven.config import Settings
from faultmaven.kit.db import unit_of_work

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CLOCKED = (
    "faultmaven.cases.service",
    "faultmaven.runbooks.service",
    "faultmaven.analytics.recurring_service",
)
URL = "/api/v1/analytics/recurring"

PROBLEMS = {
    "redis": {
        "title": "Redis pods OOMKilled in production",
        "description": "Redis pods restart every few minutes; session APIs degraded",
        "symptoms": ["redis pods OOMKilled", "redis memory limit exceeded"],
        "services": ["redis"],
        "severity": "critical",
        "cause": "Session objects in redis grew past the memory limit",
    },
    "disk": {
        "title": "Disk full on /var/log of the nginx web nodes",
        "description": "nginx access logs filled the root disk; writes fail",
        "symptoms": ["No space left on device", "/var/log at 100%"],
        "services": ["nginx"],
        "severity": "high",
        "cause": "logrotate stopped rotating nginx access logs",
    },
    "kafka": {
        "title": "Kafka consumer lag on the orders topic",
        "description": "orders consumers fall behind; lag keeps growing",
        "symptoms": ["consumer group lag above 1M messages on orders"],
        "services": ["kafka"],
        "severity": "high",
        "cause": "a slow consumer deploy halved kafka throughput",
    },
    "tls": {
        "title": "TLS certificate expired on the API gateway",
        "description": "clients get certificate errors from the gateway",
        "symptoms": ["x509: certificate has expired"],
        "services": ["gateway"],
        "severity": "critical",
        "cause": "cert-manager renewal failed silently",
    },
}


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = NOW
        for module in CLOCKED:
            monkeypatch.setattr(f"{module}.utcnow", lambda: self.now)

    def at(self, days_ago: float) -> datetime:
        self.now = NOW - timedelta(days=days_ago)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def _case(client: TestClient, clock: Clock, problem: str, days_ago: float, **headers) -> str:
    """A case of ``problem`` opened ``days_ago`` and resolved an hour later."""
    spec = PROBLEMS[problem]
    clock.at(days_ago)
    body = {
        "title": spec["title"],
        "description": spec["description"],
        "symptoms": spec["symptoms"],
        "services": spec["services"],
        "severity": spec["severity"],
        "root_cause": {"cause": spec["cause"]},
        "solutions": [{"title": "Fix it", "commands": ["make fix"], "outcome": "applied"}],
        "prevention": {"monitoring": [f"Alert before {problem} happens again"]},
    }
    made = client.post("/api/v1/cases", json=body, headers=headers)
    assert made.status_code == 201, made.text
    case_id = made.json()["case"]["id"]
    clock.at(days_ago - 1 / 24)
    resolved = client.post(f"/api/v1/cases/{case_id}/resolve", headers=headers)
    assert resolved.status_code == 200, resolved.text
    return case_id


def _runbook_from(client: TestClient, clock: Clock, case_id: str, days_ago: float, **kw) -> dict:
    clock.at(days_ago)
    made = client.post(f"/api/v1/cases/{case_id}/runbook", json=kw or None)
    assert made.status_code in (200, 201), made.text
    return made.json()


@pytest.fixture
def history(client: TestClient, clock: Clock) -> dict[str, list[str]]:
    """redis: 6 cases, one before the 90-day window, a runbook made from the case of day 60
    (on day 59), later cases recur after it (one added to the runbook); disk: 3 cases, no
    runbook; kafka: 3 cases, the latest more recent than disk's; tls: once."""
    ids: dict[str, list[str]] = {name: [] for name in PROBLEMS}
    for problem, days in (
        ("redis", 120),
        ("redis", 80),
        ("redis", 60),
        ("disk", 50),
        ("kafka", 40),
        ("redis", 30),
        ("disk", 20),
        ("kafka", 15),
        ("redis", 10),
        ("disk", 5),
        ("redis", 2),
        ("tls", 3),
        ("kafka", 1),
    ):
        ids[problem].append(_case(client, clock, problem, days))
    ids["runbook"] = [_runbook_from(client, clock, ids["redis"][2], 59)["id"]]
    _runbook_from(client, clock, ids["redis"][4], 9, duplicate="update")
    clock.at(0)
    return ids


def test_counts_recurrence_ranking_and_pointers(client: TestClient, history) -> None:
    answer = client.get(URL)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["days"] == 90
    assert report["cases_grouped"] == 12  # 13 cases, one resolved before the window
    items = report["items"]
    assert [item["title"] for item in items] == [
        PROBLEMS["redis"]["title"],  # 5 times
        PROBLEMS["kafka"]["title"],  # 3 times, last 1 day ago
        PROBLEMS["disk"]["title"],  # 3 times, last 5 days ago
    ]
    assert report["total_count"] == 3 and report["has_more"] is False  # tls: once

    redis, kafka, disk = items
    assert redis["count"] == 5
    assert redis["case_ids"] == list(reversed(history["redis"][1:]))  # latest first
    assert redis["last_seen"] == "2026-05-30T12:00:00Z"
    assert redis["first_seen"] == "2026-03-13T12:00:00Z"
    assert redis["has_runbook"] is True
    assert [r["id"] for r in redis["runbooks"]] == history["runbook"]
    assert redis["recurred_after_runbook"] == 3  # days 30, 10 and 2; not 80 or 60
    assert redis["offer"] is None
    prevention = redis["prevention"]
    assert prevention["runbook_id"] == history["runbook"][0]
    assert prevention["monitoring"] == ["Alert before redis happens again"]
    assert prevention["empty"] is False
    assert redis["summary"] == (
        "seen 5 times in 90 days, last on 2026-05-30, runbook: yes, "
        "recurred after the runbook existed: 3"
    )
    assert redis["severity"] == "critical" and redis["services"] == ["redis"]

    assert disk["count"] == 3 and disk["has_runbook"] is False
    assert disk["recurred_after_runbook"] == 0 and disk["prevention"] is None
    latest_disk = history["disk"][-1]
    assert disk["offer"] == {
        "case_id": latest_disk,
        "method": "POST",
        "path": f"/api/v1/cases/{latest_disk}/runbook",
    }
    assert disk["summary"] == "seen 3 times in 90 days, last on 2026-05-27, runbook: no"
    assert kafka["count"] == 3 and kafka["last_seen"] == "2026-05-31T12:00:00Z"

    # the offer works as the report says
    made = client.post(disk["offer"]["path"])
    assert made.status_code == 201, made.text


def test_window_filters_min_count_and_paging(client: TestClient, history) -> None:
    wide = client.get(URL, params={"days": 200}).json()
    assert wide["items"][0]["count"] == 6
    assert wide["items"][0]["summary"].startswith("seen 6 times in 200 days")
    # the runbook was made after the day-120 and day-80 cases: still 3 after it
    assert wide["items"][0]["recurred_after_runbook"] == 3

    recent = client.get(URL, params={"days": 12}).json()  # redis 10, 2; disk 5; kafka 1; tls 3
    assert [(i["title"], i["count"]) for i in recent["items"]] == [(PROBLEMS["redis"]["title"], 2)]

    nginx = client.get(URL, params={"service": "NGINX"}).json()
    assert [i["title"] for i in nginx["items"]] == [PROBLEMS["disk"]["title"]]
    assert nginx["cases_grouped"] == 3

    critical = client.get(URL, params={"severity": "critical", "min_count": 1}).json()
    assert [(i["title"], i["count"]) for i in critical["items"]] == [
        (PROBLEMS["redis"]["title"], 5),
        (PROBLEMS["tls"]["title"], 1),
    ]

    first = client.get(URL, params={"limit": 2}).json()
    second = client.get(URL, params={"limit": 2, "offset": 2}).json()
    assert (first["total_count"], first["has_more"], len(first["items"])) == (3, True, 2)
    assert [i["title"] for i in second["items"]] == [PROBLEMS["disk"]["title"]]
    assert second["has_more"] is False

    team = client.get(URL, params={"team": "team_nobody"}).json()
    assert team["total_count"] == 0 and team["cases_grouped"] == 0


def test_a_window_with_too_many_cases_groups_the_newest_and_says_so(
    client: TestClient, history, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("faultmaven.analytics.recurring_service.MAX_GROUPED_CASES", 4)
    report = client.get(URL, params={"min_count": 1}).json()
    assert report["cases_grouped"] == 4
    assert "only the newest 4 were grouped" in report["notes"][0]
    newest = {history["kafka"][2], history["redis"][5], history["tls"][0], history["disk"][2]}
    assert {c for item in report["items"] for c in item["case_ids"]} == newest


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"days": 0}, "days"),
        ({"days": 4000}, "days"),
        ({"severity": "urgent"}, "severity"),
        ({"limit": 101}, "limit"),
        ({"min_count": 0}, "min_count"),
        ({"team": "no spaces"}, "team"),
    ],
)
def test_bad_parameters_answer_422_naming_the_field(client: TestClient, params, field) -> None:
    answer = client.get(URL, params=params)
    assert answer.status_code == 422, answer.text
    assert field in answer.text


@pytest.fixture
def teams(settings: Settings) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], dict]]:
    people = People(settings)
    team_ids = {team: people.team(team) for team in ("alpha", "beta")}
    people.user("a_responder", ("alpha", Role.responder))
    people.user("b_viewer", ("beta", Role.viewer))
    headers = {
        user: {"Authorization": people.token(user)[1]} for user in ("a_responder", "b_viewer")
    }
    with team_client(settings) as client:
        yield client, headers, team_ids
    people.close()


def test_team_b_sees_nothing_of_team_a(teams, clock: Clock) -> None:
    client, headers, team_ids = teams
    a = headers["a_responder"]
    for days in (30, 20, 10):
        _case(client, clock, "redis", days, **a)
    clock.at(0)
    seen_by_a = client.get(URL, headers=a).json()
    assert [i["count"] for i in seen_by_a["items"]] == [3]
    alpha_only = client.get(URL, params={"team": team_ids["alpha"]}, headers=a).json()
    assert [i["count"] for i in alpha_only["items"]] == [3]
    beta_only = client.get(URL, params={"team": team_ids["beta"]}, headers=a).json()
    assert beta_only["items"] == []
    seen_by_b = client.get(URL, headers=headers["b_viewer"]).json()
    assert seen_by_b["items"] == [] and seen_by_b["cases_grouped"] == 0
    assert client.get(URL).status_code == 401


def test_without_an_embedder_the_report_groups_by_keywords_and_says_so(
    settings: Settings, clock: Clock
) -> None:
    unreachable = settings.model_copy(
        update={
            "embedder": "openai:text-embedding-3-small",
            "llm_base_url": "http://127.0.0.1:9/v1",
        }
    )
    app = create_app(unreachable)
    try:
        with TestClient(app) as client:
            for days in (20, 10):
                _case(client, clock, "disk", days)
            clock.at(0)
            report = client.get(URL).json()
    finally:
        app.state.engine.dispose()
    assert [item["count"] for item in report["items"]] == [2]
    assert "Grouped by keywords only" in report["notes"][0]
    assert "127.0.0.1:9" in report["notes"][0]


def test_cases_that_used_a_runbook_give_their_problem_that_runbook(
    client: TestClient, clock: Clock
) -> None:
    """A runbook read while the cases were open (used in them, as the analytics count uses) is
    the problem's runbook, though no case made it: no offer of a new one, and the recurrences
    after it point at its prevention section."""
    clock.at(30)
    made = client.post(
        "/api/v1/runbooks", json={"title": "Kafka consumer lag", "status": "published"}
    )
    assert made.status_code == 201, made.text
    runbook_id = made.json()["id"]
    spec = PROBLEMS["kafka"]
    body = {
        **{key: spec[key] for key in ("title", "description", "symptoms", "services")},
        "solutions": [{"title": "Fix it", "commands": ["make fix"], "outcome": "applied"}],
    }
    for days in (20, 10):
        clock.at(days)
        case_id = client.post("/api/v1/cases", json=body).json()["case"]["id"]
        read = client.get(
            f"/api/v1/runbooks/{runbook_id}", params={"from": "suggestion", "case_id": case_id}
        )
        assert read.status_code == 200
        client.app.state.event_sink.flush()  # type: ignore[attr-defined]
        clock.at(days - 1 / 24)
        assert client.post(f"/api/v1/cases/{case_id}/resolve").status_code == 200
    clock.at(0)
    (kafka,) = client.get(URL).json()["items"]
    assert kafka["has_runbook"] is True
    assert [r["id"] for r in kafka["runbooks"]] == [runbook_id]
    assert kafka["offer"] is None
    assert kafka["recurred_after_runbook"] == 2
    assert kafka["prevention"]["runbook_id"] == runbook_id
    assert kafka["summary"].endswith("runbook: yes, recurred after the runbook existed: 2")


def test_a_window_beyond_the_old_cap_of_2000_groups_every_case(client: TestClient) -> None:
    """2,100 resolved cases of the four problems (seeded through the services in one
    transaction: 4,200 requests would take minutes): all grouped, each problem once with all
    its cases, no note about a cap."""
    now = datetime.now(UTC)
    names = list(PROBLEMS)
    with unit_of_work(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
        for i in range(2100):
            spec = PROBLEMS[names[i % 4]]
            opened = now - timedelta(days=80 * i / 2100, hours=2)
            data = CaseCreate(
                title=spec["title"],
                description=spec["description"],
                symptoms=spec["symptoms"],
                services=spec["services"],
                solutions=[{"title": "Fix it", "commands": ["make fix"], "outcome": "applied"}],
                opened_at=opened,
            )
            case = cases_service.create_case(session, data=data, actor="ana")
            cases_service.resolve_case(
                session,
                case_id=case.id,
                request=ResolveRequest(resolved_at=opened + timedelta(hours=1)),
                actor="ana",
            )
    assert recurring_service.MAX_GROUPED_CASES > 2100
    report = client.get(URL).json()
    assert report["cases_grouped"] == 2100 and report["notes"] == []
    assert sorted((i["title"], i["count"]) for i in report["items"]) == sorted(
        (PROBLEMS[name]["title"], 525) for name in names
    )
