"""The analytics page in Chromium, on SQLite and PostgreSQL: a scripted history of three weeks,
the charts drawn (inline SVG, nothing the CSP blocks: the guarded context fails on any console
error or request to another host), the filter form without JavaScript, axe (0 serious or
critical) in light and dark mode, no sideways scrolling on a phone; screenshots saved."""

from __future__ import annotations

from collections.abc import Callable

from analytics_history import build_history
from browser_checks import check_a11y
from fastapi.testclient import TestClient
from playwright.sync_api import BrowserContext, Page, expect

EARLIER = [
    (2, [20, 35, 45, 50, 65], [90, 95, 150, 160, 170]),
    (1, [40, 45, 55], [80, 100, 130, 135, 180]),
]


def test_the_analytics_page_in_a_browser(
    client: TestClient,
    live_url: str,
    page: Page,
    new_context: Callable[..., BrowserContext],
    screenshots: Callable[[Page, str], None],
) -> None:
    build_history(client, earlier=EARLIER)  # the same database as the live server's
    page.goto(f"{live_url}/")
    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", name="Analytics", level=1)).to_be_visible()
    weeks = page.locator("svg#chart-weeks")
    expect(weeks).to_be_visible()
    expect(weeks.locator("rect.bar")).to_have_count(5)  # 3 + 2 weeks with enough cases
    expect(page.locator("svg#chart-success line.whisker")).to_have_count(3)
    expect(page.locator("#table-runbooks tbody tr")).to_have_count(2)
    check_a11y(page)
    page.emulate_media(color_scheme="dark")
    check_a11y(page)
    screenshots(page, "analytics")
    page.emulate_media(color_scheme=None)

    page.get_by_label("Service").fill("postgres")  # the form: a plain GET
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_url}/analytics?days=30&service=postgres&severity=&team=")
    expect(page.locator("#table-runbooks tbody tr")).to_have_count(1)
    expect(page.get_by_text("No case was resolved in this window.")).to_be_visible()

    phone = new_context(viewport={"width": 375, "height": 800}, java_script_enabled=False)
    small = phone.new_page()
    small.goto(f"{live_url}/analytics")
    expect(small.locator("svg#chart-weeks")).to_be_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
