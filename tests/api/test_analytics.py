"""Analytics through the real API, on SQLite and PostgreSQL: a scripted history (runbooks,
cases with chosen open and resolve times, views, feedback, searches) and the reports checked
against numbers computed by hand from that history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from faultmaven.analytics import service as analytics
from faultmaven.analytics.schemas import ReportFilters
from faultmaven.kit.db import unit_of_work

OFFER = (
    "Glad we solved it! To help with future troubleshooting, "
    "would you like me to create a runbook for this issue?"
)
# one week in the past, Monday 09:00 UTC: every case below opens and resolves in that week
_MONDAY = datetime.now(UTC).date() - timedelta(days=datetime.now(UTC).weekday() + 7)
BASE = datetime(_MONDAY.year, _MONDAY.month, _MONDAY.day, 9, tzinfo=UTC)
WITH_R1 = [30, 40, 50, 60, 70]  # minutes to resolve, cases that used R1: median 50
WITHOUT = [100, 110, 120, 130, 140]  # comparable cases (redis, critical): median 120
NGINX = 500  # not comparable (nginx, high)


def _runbook(title: str, services: list[str], **extra) -> dict:
    return {
        "title": title,
        "severity": "critical",
        "symptoms": ["Pods restarting every 5-10 minutes", "K8s events: OOMKilled"],
        "root_cause": {"cause": "Session objects grew from 100KB to 5MB."},
        "solution": {"fixes": [{"title": "Increase the memory limit", "commands": ["kubectl"]}]},
        "services": services,
        "status": "published",
        **extra,
    }


def _case(title: str, service: str, severity: str, opened: datetime) -> dict:
    return {
        "title": title,
        "severity": severity,
        "services": [service],
        "symptoms": ["Pods restarting every 5-10 minutes", "K8s events: OOMKilled"],
        "solutions": [{"title": "Raise the limit", "commands": ["kubectl"], "outcome": "applied"}],
        "opened_at": opened.isoformat(),
    }


def flush(client: TestClient) -> None:
    """Write what the app's event sink holds (it would within a second)."""
    client.app.state.event_sink.flush()  # type: ignore[attr-defined]


def _open(client: TestClient, payload: dict) -> dict:
    response = client.post("/api/v1/cases", json=payload)
    assert response.status_code == 201, response.text
    return response.json()["case"]


def _resolve(client: TestClient, case: dict, minutes: int) -> dict:
    flush(client)  # usage is inferred from the views written so far
    resolved_at = datetime.fromisoformat(case["opened_at"]) + timedelta(minutes=minutes)
    response = client.post(
        f"/api/v1/cases/{case['id']}/resolve", json={"resolved_at": resolved_at.isoformat()}
    )
    assert response.status_code == 200, response.text
    return response.json()


def _wilson(successes: int, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    margin = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return round(centre - margin, 4), round(centre + margin, 4)


@pytest.fixture
def history(client: TestClient) -> dict:
    """The scripted history; returns ids and what the hand computation needs."""
    r1 = client.post("/api/v1/runbooks", json=_runbook("Redis Cluster OOM Kills", ["redis"]))
    r2 = client.post("/api/v1/runbooks", json=_runbook("Postgres disk full", ["postgres"]))
    r3 = client.post(
        "/api/v1/runbooks", json=_runbook("Kafka consumer lag", ["kafka"], status="draft")
    )
    ids = {"r1": r1.json()["id"], "r2": r2.json()["id"], "r3": r3.json()["id"]}
    cases: dict[str, list[dict]] = {"with": [], "without": []}
    for i, minutes in enumerate(WITH_R1):
        case = _open(
            client,
            _case("Redis pods OOMKilled in production", "redis", "critical", BASE + i * HOUR),
        )
        source = "suggestion" if i < 2 else "search"
        viewed = client.get(
            f"/api/v1/runbooks/{ids['r1']}", params={"from": source, "case_id": case["id"]}
        )
        assert viewed.status_code == 200
        cases["with"].append(case)
        turn = _resolve(client, case, minutes)
        cases["with"][-1] = turn["case"]
        if i == 0:
            cases["question"] = turn["assistant"]
    for i, minutes in enumerate(WITHOUT):
        case = _open(
            client,
            _case("Redis pods OOMKilled in production", "redis", "critical", BASE + (5 + i) * HOUR),
        )
        cases["without"].append(_resolve(client, case, minutes)["case"])
    nginx = _open(client, _case("Nginx 502 on checkout", "nginx", "high", BASE + 12 * HOUR))
    cases["nginx"] = _resolve(client, nginx, NGINX)["case"]
    made = client.post(f"/api/v1/cases/{nginx['id']}/runbook", json={"duplicate": "new"})
    assert made.status_code == 201, made.text
    ids["r4"] = made.json()["id"]
    assert made.json()["status"] == "published"
    client.get(f"/api/v1/runbooks/{ids['r1']}")  # a direct view, no case

    # feedback: in the conversation (A1), through the API (A2-A4), and without a case (R2)
    a = [c["id"] for c in cases["with"]]
    cases["answer"] = client.post(
        f"/api/v1/cases/{a[0]}/messages",
        json={"content": f"Runbook feedback {ids['r1']}: solved"},
    ).json()
    for case_id, outcome in [(a[1], "solved"), (a[2], "partly"), (a[3], "not_helpful")]:
        given = client.post(
            f"/api/v1/runbooks/{ids['r1']}/feedback",
            json={"case_id": case_id, "outcome": outcome, "comment": "step 2 needs sudo"},
        )
        assert given.status_code == 201, given.text
    for outcome in ("not_helpful", "not_helpful", "solved"):
        given = client.post(f"/api/v1/runbooks/{ids['r2']}/feedback", json={"outcome": outcome})
        assert given.status_code == 201, given.text

    # searches: one finds R1, two find nothing (the same words in another order)
    assert client.get("/api/v1/runbooks/search", params={"q": "redis oom"}).json()["items"]
    for q in ("zookeeper quorum lost", "lost quorum in zookeeper"):
        assert client.get("/api/v1/runbooks/search", params={"q": q}).json()["items"] == []
    zk = _open(client, {"title": "Zookeeper quorum lost"})
    assert zk["suggested_runbooks"] == []
    cases["all"] = [*cases["with"], *cases["without"], cases["nginx"], zk]
    flush(client)
    return {"ids": ids, "cases": cases}


HOUR = timedelta(hours=1)


def test_the_feedback_question_comes_first_then_the_offer(history: dict) -> None:
    question = history["cases"]["question"]
    assert question["answer"] == "Did Redis Cluster OOM Kills help solve this?"
    actions = question["suggested_actions"]
    assert [a["label"] for a in actions] == ["Yes, it solved it", "Partly", "No"]
    r1 = history["ids"]["r1"]
    assert actions[0]["payload"] == f"Runbook feedback {r1}: solved"
    answer = history["cases"]["answer"]
    assert answer["assistant"]["answer"] == (
        f"Thanks, noted that Redis Cluster OOM Kills solved it.\n\n{OFFER}"
    )
    assert [a["type"] for a in answer["assistant"]["suggested_actions"]] == [
        "create_runbook",
        "transition",
    ]
    offers = [m for m in answer["case"]["messages"] if OFFER in m["content"]]
    assert len(offers) == 1
    assert answer["case"]["runbook_offer"] == "offered"


def test_a_case_that_used_no_runbook_gets_the_offer_at_once(history: dict) -> None:
    case = history["cases"]["without"][0]
    assert case["messages"][-1]["content"] == OFFER


def test_summary_matches_the_hand_computation(client: TestClient, history: dict) -> None:
    summary = client.get("/api/v1/analytics/summary").json()
    assert summary["resolved_cases"] == 11
    ttr = summary["time_to_resolve"]
    assert ttr["with_runbook"] == {"median_minutes": 50.0, "count": 5}
    # without: 100..140 and 500: the median of six is (120 + 130) / 2
    assert ttr["without_runbook"] == {"median_minutes": 125.0, "count": 6}
    assert ttr["difference_minutes"] == 75.0
    assert summary["by_week"] == [
        {
            "week": _MONDAY.isoformat(),
            "with_runbook": {"median_minutes": 50.0, "count": 5},
            "without_runbook": {"median_minutes": 125.0, "count": 6},
        }
    ]
    # five used R1, the nginx case produced R4
    assert summary["coverage"] == {"resolved_cases": 11, "with_runbook": 6, "share": 0.5455}
    every = history["cases"]["all"]
    unsuggested = sum(1 for c in every if not c["suggested_runbooks"])
    assert summary["searches"] == {
        "searches": 3,
        "found_nothing": 2,
        "cases_opened": 12,
        "cases_without_suggestion": unsuggested,
    }
    pairs = {(c["id"], s["runbook_id"]) for c in every for s in c["suggested_runbooks"]}
    r1 = history["ids"]["r1"]
    opened = {(c["id"], r1) for c in history["cases"]["with"][:2]}
    assert summary["suggestions"]["suggested"] == len(pairs)
    assert summary["suggestions"]["opened"] == len(opened & pairs)
    assert summary["views"] == 6
    # R1: solved 2, partly 1, no 1; R2: solved 1, no 2
    feedback = summary["feedback"]
    assert (feedback["solved"], feedback["partly"], feedback["not_helpful"]) == (3, 1, 3)
    assert summary["published_runbooks"] == 3
    assert summary["never_used_count"] == 2
    never = {r["runbook_id"] for r in summary["never_used"]}
    assert never == {history["ids"]["r2"], history["ids"]["r4"]}


def test_runbook_reports_match_the_hand_computation(client: TestClient, history: dict) -> None:
    ids = history["ids"]
    page = client.get("/api/v1/analytics/runbooks").json()
    assert page["total_count"] == 4  # the draft too; not archived ones
    first = page["items"][0]
    assert first["runbook_id"] == ids["r1"]  # most viewed
    assert first["views"] == 6
    assert first["views_by_source"] == {"search": 3, "suggestion": 2, "link": 0, "direct": 1}
    assert first["uses"] == 5
    assert first["opened"] == 2
    low, high = _wilson(2, 4)
    assert first["success"] == {
        "solved": 2,
        "partly": 1,
        "not_helpful": 1,
        "answers": 4,
        "rate": 0.5,
        "low": low,
        "high": high,
    }
    assert first["needs_review"] is False
    assert first["freshness"]["last_used"] is not None
    assert first["freshness"]["stale"] is False
    by_id = {item["runbook_id"]: item for item in page["items"]}
    assert by_id[ids["r2"]]["needs_review"] is True  # 2 of 3 said it did not help
    assert by_id[ids["r2"]]["uses"] == 0

    report = client.get(f"/api/v1/analytics/runbooks/{ids['r1']}").json()
    assert report["resolve_time"] == {
        "with_runbook": {"median_minutes": 50.0, "count": 5},
        "without_runbook": {"median_minutes": 120.0, "count": 5},  # nginx is not comparable
        "difference_minutes": 70.0,
    }
    assert len(report["recent_feedback"]) == 4
    by_title = client.get("/api/v1/analytics/runbooks", params={"sort": "title"}).json()
    assert [i["title"] for i in by_title["items"]] == sorted(i["title"] for i in page["items"])


def test_gaps_group_the_searches_and_cases_that_found_nothing(
    client: TestClient, history: dict
) -> None:
    gaps = client.get("/api/v1/analytics/gaps").json()
    top = gaps["items"][0]
    assert top["terms"] == "lost quorum zookeep"
    assert (top["searches"], top["cases"], top["total"]) == (2, 1, 3)
    assert top["example"] == "Zookeeper quorum lost"
    unsuggested = sum(1 for c in history["cases"]["all"] if not c["suggested_runbooks"])
    assert gaps["found_nothing"] == 2 + unsuggested


def test_window_and_filters(client: TestClient, history: dict) -> None:
    before = (BASE - timedelta(days=1)).isoformat()
    empty = client.get("/api/v1/analytics/summary", params={"until": before}).json()
    assert empty["resolved_cases"] == 0 and empty["views"] == 0
    nginx = client.get("/api/v1/analytics/summary", params={"service": "nginx"}).json()
    assert nginx["resolved_cases"] == 1
    assert nginx["time_to_resolve"]["without_runbook"] == {"median_minutes": None, "count": 1}
    high = client.get("/api/v1/analytics/summary", params={"severity": "critical"}).json()
    assert high["resolved_cases"] == 10
    both = client.get("/api/v1/analytics/summary", params={"days": 3, "since": before})
    assert both.status_code == 422
    assert "days or since" in both.json()["error"]["message"]
    unknown = client.get("/api/v1/analytics/summary", params={"team": "nobody"})
    assert unknown.status_code == 422
    missing = client.get("/api/v1/analytics/runbooks/rb_000000000000")
    assert missing.status_code == 404


def test_feedback_needs_a_known_runbook_and_case(client: TestClient, history: dict) -> None:
    r1 = history["ids"]["r1"]
    bad = client.post(f"/api/v1/runbooks/{r1}/feedback", json={"outcome": "great"})
    assert bad.status_code == 422
    no_case = client.post(
        f"/api/v1/runbooks/{r1}/feedback", json={"outcome": "solved", "case_id": "case_nothere"}
    )
    assert no_case.status_code == 404
    again = client.post(
        f"/api/v1/runbooks/{r1}/feedback",
        json={"outcome": "solved", "case_id": history["cases"]["with"][3]["id"]},
    )
    assert again.status_code == 201  # replaces A4's "not helpful"
    report = client.get(f"/api/v1/analytics/runbooks/{r1}").json()
    assert report["usage"]["success"]["solved"] == 3
    assert report["usage"]["success"]["answers"] == 4


def test_the_review_flag_is_on_the_runbook(client: TestClient, history: dict) -> None:
    flagged = client.get(f"/api/v1/runbooks/{history['ids']['r2']}/feedback").json()
    assert flagged["summary"] == {
        "solved": 1,
        "partly": 0,
        "not_helpful": 2,
        "needs_review": True,
    }
    assert [f["outcome"] for f in flagged["items"]].count("not_helpful") == 2
    fine = client.get(f"/api/v1/runbooks/{history['ids']['r1']}/feedback").json()
    assert fine["summary"]["needs_review"] is False and len(fine["items"]) == 4
    assert client.get("/api/v1/runbooks/rb_000000000000/feedback").status_code == 404


def test_time_to_resolve_of_many_runbooks_at_once_matches_each_report(
    client: TestClient, history: dict
) -> None:
    """The batched times (the analytics page's table) are each runbook's own report: five
    more redis/critical cases look at R1 and R2, so both have uses and comparable cases."""
    ids = history["ids"]
    for i, minutes in enumerate([200, 210, 220, 230, 240]):
        case = _open(
            client,
            _case(
                "Redis pods OOMKilled in production", "redis", "critical", BASE + (20 + i) * HOUR
            ),
        )
        for runbook in ("r1", "r2"):
            viewed = client.get(f"/api/v1/runbooks/{ids[runbook]}", params={"case_id": case["id"]})
            assert viewed.status_code == 200
        _resolve(client, case, minutes)
    flush(client)
    with unit_of_work(client.app.state.session_factory, write=False) as session:  # type: ignore[attr-defined]
        times = analytics.resolve_times(session, runbook_ids=list(ids.values()))
        redis = analytics.resolve_times(
            session, runbook_ids=[ids["r2"]], filters=ReportFilters(service="nginx")
        )
    expected = {
        # R1: 30..70 and 200..240 against the five without (nginx is not comparable)
        "r1": ((135.0, 10), (120.0, 5)),
        # R2: 200..240 against the ten redis/critical cases that did not look at it
        "r2": ((220.0, 5), (85.0, 10)),
        "r3": ((None, 0), (None, 0)),  # a draft nobody used
        "r4": ((None, 0), (None, 0)),  # made from the nginx case, not used
    }
    for name, ((with_, n_with), (without, n_without)) in expected.items():
        found = times[ids[name]].model_dump()
        assert found["with_runbook"] == {"median_minutes": with_, "count": n_with}, name
        assert found["without_runbook"] == {"median_minutes": without, "count": n_without}, name
        report = client.get(f"/api/v1/analytics/runbooks/{ids[name]}").json()
        assert report["resolve_time"] == found, name
    # filters narrow the cases as in the report: no nginx case used R2
    assert redis[ids["r2"]].model_dump()["with_runbook"] == {"median_minutes": None, "count": 0}


def test_found_nothing_counts_every_group_not_only_those_shown(
    client: TestClient, history: dict
) -> None:
    for q in ("etcd leader election storm", "vault sealed after restart"):
        assert client.get("/api/v1/runbooks/search", params={"q": q}).json()["items"] == []
    flush(client)
    every = client.get("/api/v1/analytics/gaps").json()
    assert len(every["items"]) >= 3
    with unit_of_work(client.app.state.session_factory, write=False) as session:  # type: ignore[attr-defined]
        shown = analytics.gaps(session, limit=1)
    assert len(shown.items) == 1
    assert shown.found_nothing == every["found_nothing"] == sum(i["total"] for i in every["items"])
