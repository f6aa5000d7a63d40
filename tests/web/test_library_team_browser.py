"""The library's team filter in Chromium (team mode): a person in two teams picks a team and
sees only that team's runbooks, listed and searched as they type, and with Enter without
JavaScript; never a runbook they may not see; an unknown team in a link is a message on the
page. In local mode the filter appears once there are teams besides the default one."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from browser_checks import check_a11y
from playwright.sync_api import BrowserContext, Page, expect
from team_mode import People

from faultmaven.accounts.schemas import Role
from faultmaven.config import Settings

# author -> (title, visibility) of the runbooks they write
RUNBOOKS = {
    "ana": [("Kafka consumer lag in payments", "team")],
    "ben": [
        ("Kafka broker disk full in storage", "team"),
        ("Kafka partition skew in storage", "organization"),
    ],
    "cy": [("Kafka topic secret of gamma", "team")],
}


def _people(settings: Settings) -> dict[str, str]:
    """Teams payments, storage and gamma; ana and ben write for the first two, cy for gamma;
    sam reads payments and storage. Answers each writer's API token header."""
    people = People(settings)
    try:
        for team in ("payments", "storage", "gamma"):
            people.team(team)
        people.user("ana", ("payments", Role.editor))
        people.user("ben", ("storage", Role.editor))
        people.user("cy", ("gamma", Role.editor))
        people.user(
            "sam", ("payments", Role.viewer), ("storage", Role.viewer), password="sam-password"
        )
        return {writer: people.token(writer)[1] for writer in RUNBOOKS}
    finally:
        people.close()


def _seed(base: str, bearers: dict[str, str]) -> None:
    for writer, runbooks in RUNBOOKS.items():
        headers = {"Authorization": bearers[writer]}
        with httpx.Client(base_url=f"{base}/api/v1", headers=headers, timeout=60) as api:
            for title, visibility in runbooks:
                body = {
                    "title": title,
                    "symptoms": ["Consumer lag grows"],
                    "services": ["kafka"],
                    "status": "published",
                    "visibility": visibility,
                }
                assert api.post("/runbooks", json=body).status_code == 201


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password").fill("sam-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Runbook library")).to_be_visible()


def test_picking_a_team_shows_only_its_runbooks(
    new_context: Callable[..., BrowserContext], server: Callable[..., str], settings: Settings
) -> None:
    bearers = _people(settings)
    base = server(auth="required")
    _seed(base, bearers)
    payments = ["Kafka consumer lag in payments"]
    storage = ["Kafka broker disk full in storage", "Kafka partition skew in storage"]

    page = new_context().new_page()
    _sign_in(page, base)
    links = page.locator("#results .result h3 a")
    expect(links).to_have_count(3)  # gamma's team runbook is not sam's to see
    team = page.get_by_label("Team")
    expect(team.locator("option")).to_have_text(["Any team", "payments", "storage"])
    team.select_option("payments")
    expect(links).to_have_text(payments)
    assert "team=payments" in page.url
    page.get_by_label("Search runbooks").press_sequentially("kafka", delay=30)
    expect(page.locator("#results").get_by_role("heading", name="for “kafka”")).to_be_visible()
    expect(links).to_have_text(payments)
    team.select_option("storage")
    expect(links).to_contain_text(storage)  # either order: by score
    expect(links).to_have_count(2)
    check_a11y(page)
    page.reload()  # the address keeps the filter
    expect(page.get_by_label("Team")).to_have_value("storage")
    expect(links).to_have_count(2)
    page.goto(f"{base}/?team=gamma")  # a team sam is not in: only what sam may see of it
    expect(page.get_by_text("No runbook matches these filters.")).to_be_visible()
    expect(page.get_by_text("secret of gamma")).to_have_count(0)
    page.goto(f"{base}/?team=nobody&q=kafka")
    expect(
        page.get_by_text("The team filter was ignored: no team is named 'nobody'.")
    ).to_be_visible()
    expect(links).to_have_count(3)
    check_a11y(page)

    plain = new_context(java_script_enabled=False).new_page()
    _sign_in(plain, base)
    plain.get_by_label("Team").select_option("payments")
    plain.get_by_label("Search runbooks").fill("kafka")
    plain.get_by_label("Search runbooks").press("Enter")
    expect(plain.locator("#results .result h3 a")).to_have_text(payments)
    assert "team=payments" in plain.url and "q=kafka" in plain.url
    expect(plain.get_by_label("Team")).to_have_value("payments")


def test_local_mode_offers_teams_once_there_are_others(
    page: Page, live_url: str, api: httpx.Client, settings: Settings
) -> None:
    assert api.post("/runbooks", json={"title": "Disk full on db-1"}).status_code == 201
    page.goto(f"{live_url}/")
    expect(page.locator("#results .result")).to_have_count(1)
    expect(page.get_by_label("Team")).to_have_count(0)  # only the default team: no choice
    people = People(settings)
    try:
        people.team("ops")
    finally:
        people.close()
    page.reload()
    team = page.get_by_label("Team")
    expect(team.locator("option")).to_have_text(["Any team", "default", "ops"])
    team.select_option("ops")
    expect(page.get_by_text("No runbook matches these filters.")).to_be_visible()
    team.select_option("default")
    expect(page.locator("#results .result h3 a")).to_have_text(["Disk full on db-1"])
    check_a11y(page)
