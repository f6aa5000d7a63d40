"""The runbook pages in Chromium: the page (decision path, copy buttons, metadata, publish),
history (compare two versions side by side, restore), editing with a concurrent change from a
second browser (conflict shown, nothing lost); axe on every page, screenshots light and dark."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from browser_checks import check_a11y
from playwright.sync_api import BrowserContext, Page, expect
from runbook_data import redis_runbook

FIX = "kubectl patch statefulset redis -n production --patch-file m.yaml"


def _create(api: httpx.Client, **fields: object) -> str:
    response = api.post("/runbooks", json=redis_runbook(**fields))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_runbook_page_copy_publish_and_export(
    new_context: Callable[..., BrowserContext],
    live_url: str,
    api: httpx.Client,
    screenshots: Callable[[Page, str], None],
) -> None:
    runbook_id = _create(api)
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{live_url}/runbooks/{runbook_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Redis pods OOMKilled in production")
    path = page.locator(".decision-path li")
    expect(path).to_have_count(2)
    expect(path.first).to_contain_text("redis-cli DEBUG OBJECT session:abc123")
    expect(path.first).to_contain_text("→ Cause 1: Session objects grew from 100KB to 5MB")
    path.nth(1).get_by_role("link", name="Cause 2").click()
    assert page.url.endswith("#sec-cause-2")
    expect(page.locator("#sec-cause-2")).to_have_text("Cause 2")
    details = page.get_by_role("complementary", name="Runbook details")
    expect(details).to_contain_text("sre-team")
    expect(details.get_by_role("link", name="case_0123456789ab")).to_have_attribute(
        "href", "/cases/case_0123456789ab"
    )

    block = page.locator(".markdown pre", has_text=FIX)
    block.get_by_role("button", name="Copy this code").click()
    expect(block.get_by_role("button")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()").strip() == FIX
    expect(page.locator(".markdown pre .copy-button")).to_have_count(
        page.locator(".markdown pre").count()
    )
    check_a11y(page)
    page.emulate_media(color_scheme="dark")  # the dark colours pass too (contrast)
    check_a11y(page)
    screenshots(page, "runbook")
    page.set_viewport_size({"width": 375, "height": 800})  # a phone: one column, no sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 720})

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status").filter(has_text="Published.")).to_be_visible()
    expect(page.locator(".runbook-head")).to_contain_text("published")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export markdown").click()
    text = download.value.path().read_text()
    assert text.startswith("---\n") and f"id: {runbook_id}" in text and "status: published" in text


def test_history_compares_two_versions_and_restores(
    page: Page, live_url: str, api: httpx.Client
) -> None:
    runbook_id = _create(api, summary="First wording of the summary.")
    api.patch(f"/runbooks/{runbook_id}", json={"version": 1, "summary": "Second wording."})
    api.patch(f"/runbooks/{runbook_id}", json={"version": 2, "tags": ["memory", "oom"]})
    page.goto(f"{live_url}/runbooks/{runbook_id}")
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="Version history")).to_be_visible()
    page.get_by_label("Compare version").select_option("1")
    page.get_by_label("with version").select_option("3")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="v1 → v3")).to_be_visible()
    changed = page.locator("table.diff tr.changed")
    expect(changed.locator("td.del")).to_contain_text(["First wording of the summary."])
    expect(changed.locator("td.add")).to_contain_text(["Second wording."])
    expect(page.locator("table.meta-changes")).to_contain_text("tags")
    check_a11y(page)
    page.set_viewport_size({"width": 375, "height": 800})  # wide tables scroll inside the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 720})

    page.get_by_role("button", name="Restore v1").click()
    expect(page.get_by_role("status").filter(has_text="Restored")).to_be_visible()
    expect(page.locator(".runbook-head")).to_contain_text("version 4")
    expect(page.locator(".markdown")).to_contain_text("First wording of the summary.")
    restored = api.get(f"/runbooks/{runbook_id}").json()
    assert (restored["version"], restored["tags"]) == (4, ["kubernetes", "memory"])


def test_edit_with_a_concurrent_change_shows_the_conflict_and_loses_nothing(
    new_context: Callable[..., BrowserContext], live_url: str, api: httpx.Client
) -> None:
    runbook_id = _create(api)
    edit_url = f"{live_url}/runbooks/{runbook_id}/edit"
    mine, theirs = new_context().new_page(), new_context().new_page()
    mine.goto(edit_url)
    theirs.goto(edit_url)

    editor = theirs.get_by_label("Markdown")
    editor.fill(editor.input_value().replace("APIs degraded.", "APIs degraded (theirs)."))
    theirs.get_by_role("button", name="Save as version 2").click()
    expect(theirs.get_by_role("status").filter(has_text="Saved")).to_be_visible()

    mine_editor = mine.get_by_label("Markdown")
    my_text = mine_editor.input_value().replace(
        "Redis pods restart every few minutes", "Redis pods restart every 5 minutes (mine)"
    )
    mine_editor.fill(my_text)
    expect(mine.locator("#preview")).to_contain_text("every 5 minutes (mine)")  # live preview
    mine.get_by_label("Change note").fill("more precise")
    mine.get_by_label("Tags").fill("kubernetes, memory, sessions")
    mine.get_by_role("button", name="Save as version 2").click()

    conflict = mine.locator("section.conflict")
    expect(conflict.get_by_role("heading")).to_contain_text("nothing saved, nothing lost")
    expect(conflict.locator("table", has_text="What they changed")).to_contain_text(
        "APIs degraded (theirs)."
    )
    expect(conflict.locator("table", has_text="What your text would change")).to_contain_text(
        "(mine)"
    )
    expect(mine.get_by_label("Markdown")).to_have_value(my_text)
    expect(mine.get_by_label("Change note")).to_have_value("more precise")
    expect(mine.get_by_label("Tags")).to_have_value("kubernetes, memory, sessions")
    assert api.get(f"/runbooks/{runbook_id}").json()["version"] == 2
    check_a11y(mine)
    mine.set_viewport_size({"width": 375, "height": 800})
    assert mine.evaluate("document.documentElement.scrollWidth") <= 375
    mine.set_viewport_size({"width": 1280, "height": 720})

    mine.get_by_role("button", name="Save as version 3").click()  # mine over theirs, knowingly
    expect(mine.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    saved = api.get(f"/runbooks/{runbook_id}").json()
    assert saved["version"] == 3
    assert saved["summary"].startswith("Redis pods restart every 5 minutes (mine)")
    assert saved["tags"] == ["kubernetes", "memory", "sessions"]
