"""The case pages in headless Chromium, on both databases (each test is several checks: a
browser test costs seconds). Every page here is guarded (tests/web/conftest.py): any dialog,
any request to another host, any page or console error fails the test.

- the seed's path: a case opened in the form, a hypothesis and an applied fix recorded,
  resolve → the exact offer sentence and both buttons → "Yes, create a runbook" → the runbook
  page; a new case with the same symptoms is shown that runbook and opens it beside the case;
  the decline path, then "create it later" from the case; axe on every page, screenshots;
- the offer flow with the keyboard only (Tab/Enter), focus visible at every step;
- team mode: sign in (a failure first), pages, sign out; a user of another team gets the 404
  page for the team's case and runbook;
- a case whose every field holds an attack, shown and edited: nothing runs, nothing loads
  from another host (the guard), the payloads are shown as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from browser_checks import check_a11y
from playwright.sync_api import BrowserContext, Page, expect
from team_mode import People

from faultmaven.accounts.schemas import Role
from faultmaven.config import Settings

OFFER = (
    "Glad we solved it! To help with future troubleshooting, would you like me to create a "
    "runbook for this issue?"
)
SYMPTOMS = "Pods restarting every 5-10 minutes\nK8s events: OOMKilled"
RUNBOOK_URL = re.compile(r"/runbooks/rb_[0-9a-f]{12}$")


def open_case_in_form(page: Page, base: str, title: str) -> None:
    page.goto(f"{base}/cases/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Severity").select_option("critical")
    page.get_by_label("Services").fill("redis")
    page.get_by_label("Symptoms").fill(SYMPTOMS)
    page.get_by_role("button", name="Open the case", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def record_applied_fix(page: Page) -> None:
    page.get_by_text("Add a solution").click()
    page.locator("#add-solutions-title").fill("Increase Redis memory limit")
    page.locator("#add-solutions-outcome").select_option("applied")
    page.locator("#add-solutions-commands").fill("kubectl patch statefulset redis --patch-file m")
    page.get_by_role("button", name="Add solution").click()
    expect(page.locator("#solutions .outcome-applied")).to_be_visible()


def test_the_seed_path_offer_suggestion_and_decline_in_the_browser(
    page: Page, live_url: str, screenshots: Callable[[Page, str], None]
) -> None:
    page.goto(f"{live_url}/cases")
    expect(page.get_by_role("heading", name="No cases yet")).to_be_visible()
    check_a11y(page)
    page.goto(f"{live_url}/cases/new")
    page.get_by_role("button", name="Open the case", exact=True).click()  # empty title
    expect(page.locator("#f-title:invalid")).to_have_count(1)  # the browser's own check first
    page.get_by_label("Title").fill("Redis down")
    page.get_by_label("Services").fill("redis\nBad Name!!")
    page.get_by_role("button", name="Open the case", exact=True).click()
    expect(page.locator("#f-services-errors")).to_contain_text("line 2:")  # beside the field
    expect(page.get_by_label("Services")).to_have_value("redis\nBad Name!!")  # kept
    check_a11y(page)
    screenshots(page, "case-new")

    title = "Redis pods OOMKilled in production"
    open_case_in_form(page, live_url, title)
    expect(page.get_by_role("status")).to_have_text("Case opened.")
    expect(page.get_by_text("No LLM configured.")).to_be_visible()
    page.get_by_text("Add a hypothesis").click()
    page.get_by_label("Hypothesis", exact=True).fill("Session objects too large")
    page.locator("#add-hypotheses-status").select_option("validated")
    page.get_by_role("button", name="Add hypothesis").click()
    expect(page.locator("#hypotheses .hyp-validated")).to_have_text("validated")
    record_applied_fix(page)
    check_a11y(page)
    screenshots(page, "case-workspace")

    page.get_by_role("button", name="Resolve the case").click()
    expect(page.get_by_text(OFFER, exact=True).first).to_be_visible()
    yes = page.get_by_role("button", name="Yes, create a runbook")
    expect(yes).to_be_visible()
    expect(page.get_by_role("button", name="No thanks")).to_be_visible()
    check_a11y(page)
    yes.click()
    expect(page).to_have_url(RUNBOOK_URL)
    expect(page.get_by_role("heading", level=1).first).to_contain_text("Redis")
    runbook_id = page.url.rsplit("/", 1)[1]
    published = httpx.patch(
        f"{live_url}/api/v1/runbooks/{runbook_id}", json={"version": 1, "status": "published"}
    )
    assert published.status_code == 200, published.text

    open_case_in_form(page, live_url, "Redis pods OOMKilled again")
    suggestion = page.get_by_role("button", name=re.compile(r"^📖 Redis pods OOMKilled"))
    expect(suggestion).to_be_visible()
    suggestion.click()
    panel = page.locator("#runbook-panel")
    expect(page.locator("#panel-heading")).to_contain_text(title)
    expect(panel).to_be_focused()
    check_a11y(page)
    panel.get_by_role("link", name="Open the runbook page").click()
    expect(page).to_have_url(f"{live_url}/runbooks/{runbook_id}?from=link")

    # the decline path on a case that looked at no runbook (one that did is first asked
    # whether the runbook helped, where the feedback question exists)
    again = {"title": "Redis OOMKilled once more", "symptoms": SYMPTOMS.splitlines()}
    fix = {"title": "Increase Redis memory limit", "outcome": "applied"}
    third = httpx.post(f"{live_url}/api/v1/cases", json={**again, "solutions": [fix]})
    page.goto(f"{live_url}/cases/{third.json()['case']['id']}")
    page.get_by_role("button", name="Resolve the case").click()
    page.get_by_role("button", name="No thanks").click()
    expect(page.get_by_text("No problem. The case is closed")).to_be_visible()
    expect(page.get_by_role("button", name="Yes, create a runbook")).to_have_count(0)
    later = page.get_by_role("button", name="Create a runbook from this case")
    later.click()
    expect(page.get_by_role("button", name=f"Add as another cause of {title}")).to_be_visible()
    page.get_by_role("button", name="Create a new runbook").click()
    expect(page).to_have_url(RUNBOOK_URL)
    assert page.url.rsplit("/", 1)[1] != runbook_id

    page.goto(f"{live_url}/cases")
    expect(page.get_by_role("row")).to_have_count(4)  # a header and three cases
    check_a11y(page)
    screenshots(page, "case-list")


def test_the_offer_flow_with_the_keyboard_only(
    page: Page, live_url: str, api: httpx.Client, redis_case: dict
) -> None:
    made = api.post("/cases", json={**redis_case, "opened_at": None})
    case_id = made.json()["case"]["id"]
    page.goto(f"{live_url}/cases/{case_id}")

    def focused() -> dict:
        return page.evaluate(
            """() => { const e = document.activeElement; const s = getComputedStyle(e);
            return {text: (e.textContent || '').trim(), tag: e.tagName,
                    outline: s.outlineStyle + ' ' + s.outlineWidth}; }"""
        )

    for _ in range(80):
        page.keyboard.press("Tab")
        now = focused()
        assert now["outline"].split()[0] != "none", f"focus not visible on {now}"
        if now["text"] == "Resolve the case":
            break
    else:
        raise AssertionError("Tab never reached 'Resolve the case'")
    page.keyboard.press("Enter")
    expect(page.get_by_text(OFFER, exact=True).first).to_be_visible()
    assert focused()["text"] == "📘 Yes, create a runbook"  # the answer's first button
    page.keyboard.press("Tab")
    assert focused()["text"] == "No thanks"
    page.keyboard.press("Shift+Tab")
    now = focused()
    assert now["text"] == "📘 Yes, create a runbook" and now["outline"].split()[0] != "none"
    page.keyboard.press("Enter")
    expect(page).to_have_url(RUNBOOK_URL)


def test_team_mode_sign_in_pages_sign_out_and_another_team_gets_404(
    new_context: Callable[..., BrowserContext],
    server: Callable[..., str],
    settings: Settings,
    redis_case: dict,
) -> None:
    people = People(settings)
    try:
        people.team("alpha")
        people.team("beta")
        people.user("alice", ("alpha", Role.responder), password="alice-password")
        people.user("carol", ("beta", Role.editor), password="carol-password")
        _, bearer = people.token("alice")
    finally:
        people.close()
    base = server(auth="required")
    with httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": bearer}) as api:
        case_id = api.post("/cases", json={**redis_case, "opened_at": None}).json()["case"]["id"]
        api.post(f"/cases/{case_id}/resolve")
        offer = api.post(f"/cases/{case_id}/runbook-offer", json={"decision": "accept"})
        runbook_id = offer.json()["runbook"]["id"]

    page = new_context().new_page()
    page.goto(f"{base}/cases/{case_id}")
    expect(page).to_have_url(re.compile(r"/login\?next=/cases/case_"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_a11y(page)
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    expect(page.get_by_label("User name")).to_have_value("alice")
    page.get_by_label("Password").fill("alice-password")
    page.get_by_label("Password").press("Enter")
    expect(page).to_have_url(f"{base}/cases/{case_id}")  # back where they were sent from
    menu = page.locator(".user-menu")
    expect(menu).to_contain_text("Signed in as alice")
    expect(menu).to_contain_text("alpha: responder")
    check_a11y(page)
    page.goto(f"{base}/runbooks/{runbook_id}")
    expect(page.get_by_role("heading", level=1).first).to_contain_text("Redis")
    page.goto(f"{base}/cases")
    expect(page.get_by_role("link", name=redis_case["title"])).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("Signed out.")
    page.goto(f"{base}/cases")
    expect(page).to_have_url(re.compile(r"/login\?next=/cases$"))

    page.get_by_label("User name").fill("carol")
    page.get_by_label("Password").fill("carol-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".user-menu")).to_contain_text("beta: editor")
    expect(page.get_by_text("No cases yet")).to_be_visible()
    for path in (f"/cases/{case_id}", f"/runbooks/{runbook_id}"):
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        expect(page.get_by_text(redis_case["title"])).to_have_count(0)
    check_a11y(page)


PAYLOADS = [
    "<script>alert('script')</script>",
    "<img src=x onerror=alert('img')>",
    "[click me](javascript:alert('link'))",
    "<svg onload=alert('svg')>",
    '<a href="javascript:alert(\'raw\')">raw link</a><iframe src="http://evil.example/">',
    "![tracker](http://evil.example/pixel.png) [out](http://evil.example/x)",
]


def _payload(n: int) -> str:
    return f"{PAYLOADS[n % len(PAYLOADS)]} {n}"


def hostile_case() -> dict:
    """A case whose every free-text field holds an attack (names may hold no markup)."""
    n = iter(range(1000))
    text = lambda: _payload(next(n))  # noqa: E731
    return {
        "title": text(),
        "description": "\n".join(PAYLOADS),
        "severity": "high",
        "services": ["javascript:x"],
        "tags": ["onerror:x"],
        "affected_systems": [text(), text()],
        "symptoms": [text() for _ in PAYLOADS],
        "blast_radius": [{"check": text(), "finding": text()}],
        "timeline": [{"event": text(), "kind": "change"}],
        "hypotheses": [{"statement": text(), "status": "validated", "evidence": [text()]}],
        "validations": [
            {"description": text(), "command": text(), "output": text(), "conclusion": text()}
        ],
        "evidence": [text(), text()],
        "root_cause": {"cause": text(), "evidence": [text()], "contributing_factors": [text()]},
        "solutions": [
            {
                "title": text(),
                "outcome": "applied",
                "steps": [text()],
                "commands": [text()],
                "validation": [text()],
                "rollback": [text()],
            },
            {"title": text(), "outcome": "failed", "why_failed": text()},
        ],
        "prevention": {"monitoring": [text()], "automation": [text()], "process": [text()]},
        "messages": [
            {"role": "user", "content": "\n".join(PAYLOADS)},
            {"role": "assistant", "content": "\n\n".join(PAYLOADS)},
        ],
    }


def test_a_case_of_attacks_is_shown_and_edited_without_running_anything(
    page: Page, live_url: str, api: httpx.Client
) -> None:
    made = api.post("/cases", json=hostile_case())
    assert made.status_code == 201, made.text
    case_id = made.json()["case"]["id"]
    page.goto(f"{live_url}/cases")
    expect(page.get_by_role("link", name=_payload(0))).to_be_visible()  # shown as text
    page.goto(f"{live_url}/cases/{case_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(_payload(0))
    for summary in page.locator("details.add-form > summary").all():
        summary.click()  # every form open: inputs hold the payloads as values
    expect(page.locator("#details-title")).to_have_value(_payload(0))
    page.get_by_role("button", name="Save details").click()  # saved back unchanged
    expect(page.get_by_role("status")).to_have_text("Updated.")
    page.get_by_text("Add a hypothesis").click()
    page.get_by_label("Hypothesis", exact=True).fill(PAYLOADS[1])
    page.get_by_role("button", name="Add hypothesis").click()
    expect(page.locator("#hypotheses").get_by_text(PAYLOADS[1], exact=True)).to_be_visible()
    page.get_by_label("Message").fill(PAYLOADS[3] + "\n" + PAYLOADS[4])
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".from-user").last).to_contain_text(PAYLOADS[3])
    assert page.locator("main script, main img, main svg, main iframe").count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0
    page.get_by_role("button", name="Resolve the case").click()
    page.get_by_role("button", name="Yes, create a runbook").click()
    expect(page).to_have_url(RUNBOOK_URL)
    page.goto(f"{live_url}/cases/new")
    page.get_by_label("Case record (JSON)").fill('{"title": "' + PAYLOADS[0] + '", "x": 1}')
    page.get_by_role("button", name="Open the case from JSON").click()
    expect(page.get_by_label("Case record (JSON)")).to_have_value(
        '{"title": "' + PAYLOADS[0] + '", "x": 1}'
    )
    expect(page.get_by_role("alert")).to_contain_text("x: Extra inputs are not permitted")
