"""Reports in a real browser: each snapshot opened offline with every request blocked, and the Reports tab."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from tests.ui.conftest import DEMO_END  # noqa: E402
from tests.ui.helpers import cell, link  # noqa: E402

pytestmark = pytest.mark.ui


def test_each_snapshot_opens_offline_with_no_failed_request_and_no_script_error(browser, served, tmp_path):
    from reports.snapshots import generate_all

    context = served.context
    paths = generate_all(
        context.shared_engine(), context.state_store(), context.settings, tmp_path, now=DEMO_END
    )
    assert [p.name.split("_")[0] for p in paths] == ["daily", "weekly", "monthly"]
    for path in paths:
        requests, failed, errors = _open_offline(browser, path)
        assert failed == [] and errors == [], (path.name, failed, errors)
        assert requests == [path.as_uri()], path.name


def _open_offline(browser, path):
    """Open the file with every other request blocked; (requests, failed requests, script errors)."""
    page = browser.new_context().new_page()
    requests, failed, errors = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort()
    )
    page.goto(path.as_uri())
    expect(page.locator("h1")).to_contain_text("report" if "daily" not in path.name else "summary")
    if not path.name.startswith("daily"):
        expect(page.locator(".chart canvas").first).to_be_visible()
    page.wait_for_timeout(500)
    page.context.close()
    return requests, failed, errors


def test_the_reports_tab_generates_lists_and_previews_a_report(page, served):
    page.goto(link(served, page="reports"))
    try:
        expect(page.locator(".reports-view .report-kind")).to_be_visible()
    except AssertionError:
        page.screenshot(path="/tmp/reports-tab-failure.png", full_page=True)
        raise
    page.locator(".report-kind button", has_text="monthly").click()
    # the label follows the server's value: clicking before it changed would make the weekly report
    expect(page.locator(".generate-report button")).to_have_text("Generate the monthly report now")
    page.locator(".generate-report button").click()
    expect(page.locator(".report-message")).to_contain_text("Made the monthly report for")
    expect(cell(page, "reports-table", "monthly")).to_be_visible()
    frame = page.frame_locator(".report-frame")
    expect(frame.locator("h1")).to_contain_text("Monthly executive report")
    expect(page.locator(".report-download")).to_be_visible()
