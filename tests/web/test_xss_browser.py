"""Every field of a runbook holds script, event-handler, javascript:-link, SVG, iframe, style
and remote-image payloads; the library, the runbook page, its history and the editor (with the
live preview) show them as text: no dialog opens, no request leaves for another host, and no
live element from the payloads is in the page (the guards of conftest fail the test
otherwise)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from browser_checks import check_a11y
from playwright.sync_api import BrowserContext, Page, expect
from runbook_data import PAYLOAD, xss_runbook

INJECTED = "main script, main img, main iframe, main svg, main style, main [onerror], main [onload]"


def _no_live_payload(page: Page) -> None:
    assert page.locator(INJECTED).count() == 0, page.url
    hrefs = page.locator("main a[href]").evaluate_all("links => links.map(a => a.href)")
    assert not [href for href in hrefs if href.lower().startswith("javascript:")], hrefs


def test_payloads_everywhere_are_shown_as_text(
    new_context: Callable[..., BrowserContext], live_url: str, api: httpx.Client
) -> None:
    created = api.post("/runbooks", json=xss_runbook())
    assert created.status_code == 201, created.text
    page = new_context().new_page()

    page.goto(f"{live_url}/?q=XSS+alert")
    expect(page.locator("#results .result")).to_have_count(1)
    _no_live_payload(page)
    page.get_by_label("Search runbooks").fill("alert onerror svg")  # as you type
    expect(page.locator("#results .result h3")).to_contain_text("<script>alert(1)</script>")
    _no_live_payload(page)

    page.locator("#results .result h3 a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("<img src=x onerror=alert(1)>")
    expect(page.locator(".markdown")).to_contain_text("<svg onload=alert(1)>")
    expect(page.locator(".decision-path")).to_contain_text("<script>alert(1)</script>")
    _no_live_payload(page)
    check_a11y(page)

    page.get_by_role("link", name="Edit").click()
    editor = page.get_by_label("Markdown")
    text = editor.input_value()
    assert "<script>alert(1)</script>" in text  # the editor holds the text as it is
    editor.fill(text.replace("## Problem Summary", "## Problem Summary\n\n" + PAYLOAD + " typed"))
    expect(page.locator("#preview")).to_contain_text("typed")
    _no_live_payload(page)
    page.get_by_role("button", name="Save as version 2").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    _no_live_payload(page)

    page.get_by_role("link", name="History").click()
    expect(page.locator("table.diff")).to_contain_text("typed")
    _no_live_payload(page)
    check_a11y(page)
