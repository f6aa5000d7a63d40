"""The runbook library in Chromium: results as you type (no Enter, no page load), filters,
Enter without JavaScript, the empty state; axe and screenshots in light and dark mode."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from browser_checks import check_a11y
from playwright.sync_api import BrowserContext, Page, expect
from runbook_data import redis_runbook


def _seed(api: httpx.Client) -> None:
    for body in (
        redis_runbook(),
        redis_runbook(
            title="Redis replica lag after failover", severity="medium", tags=["replication"]
        ),
        {"title": "Disk full on postgres primary", "services": ["postgres"], "severity": "high"},
    ):
        assert api.post("/runbooks", json=body).status_code == 201


def test_search_as_you_type_with_filters_and_without_javascript(
    page: Page,
    live_url: str,
    api: httpx.Client,
    new_context: Callable[..., BrowserContext],
    screenshots: Callable[[Page, str], None],
) -> None:
    page.goto(f"{live_url}/")
    expect(page.get_by_role("heading", name="No runbooks yet")).to_be_visible()
    check_a11y(page)
    _seed(api)
    page.reload()
    expect(page.get_by_role("heading", name="Recently updated")).to_be_visible()

    box = page.get_by_label("Search runbooks")
    box.press_sequentially("redis memory", delay=30)  # no Enter: results come as one types
    results = page.locator("#results")
    expect(results.get_by_role("heading", name="for “redis memory”")).to_be_visible()
    first = results.locator(".result").first
    expect(first.get_by_role("link")).to_have_text("Redis pods OOMKilled in production")
    expect(first.locator("h3 mark").first).to_have_text("Redis")
    expect(first.locator(".matched-cause")).to_contain_text("Cause 1: Session objects grew")
    expect(first.locator(".why")).to_contain_text("match on")
    assert "q=redis+memory" in page.url  # the address can be shared and reloaded

    links = results.locator(".result h3 a")  # a list of texts waits for exactly these
    page.get_by_label("Severity").select_option("medium")
    expect(links).to_have_text(["Redis replica lag after failover"])
    page.get_by_label("Severity").select_option("")
    expect(links).to_have_count(2)
    page.get_by_label("Tag").fill("memory")
    expect(links).to_have_text(["Redis pods OOMKilled in production"])
    page.get_by_label("Tag").fill("")
    box.fill("redis eviction policy")
    expect(results.locator(".result").first.locator(".matched-cause")).to_contain_text(
        "Cause 2: maxmemory-policy is noeviction"
    )
    box.fill("zebra unicorn")
    expect(results.get_by_role("heading", name="No runbook matches")).to_be_visible()
    box.fill("redis")
    expect(links).to_have_count(2)
    check_a11y(page)
    page.emulate_media(color_scheme="dark")  # the dark colours pass too (contrast)
    check_a11y(page)
    screenshots(page, "library")
    page.goto(f"{live_url}/runbooks/rb_000000000000")  # the 404 page
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    check_a11y(page)
    page.goto(f"{live_url}/")  # by keyboard: the skip link first, then the search box
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Search runbooks")).to_be_focused()
    page.keyboard.type("disk full")
    page.keyboard.press("Enter")
    expect(results.locator(".result h3 a")).to_have_text(["Disk full on postgres primary"])
    page.set_viewport_size({"width": 375, "height": 800})  # a phone: nothing wider than it
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("link", name="API docs").click()
    expect(page).to_have_url(f"{live_url}/docs")

    plain = new_context(java_script_enabled=False).new_page()
    plain.goto(f"{live_url}/")
    plain.get_by_label("Search runbooks").fill("disk full")
    plain.get_by_label("Search runbooks").press("Enter")
    expect(plain.locator("#results .result").first.get_by_role("link")).to_have_text(
        "Disk full on postgres primary"
    )
    assert "q=disk+full" in plain.url
    result = plain.locator("#results .result").first.get_by_role("link")
    result.click()
    expect(plain.get_by_role("heading", level=1)).to_have_text("Disk full on postgres primary")
