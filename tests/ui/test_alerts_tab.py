"""The Alerts tab in a real browser: an alert acknowledged as the signed-in user stays so after a reload."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from monitor_app.alerts.evaluate import evaluate  # noqa: E402
from monitor_app.alerts.inbox import Inbox  # noqa: E402
from tests.ui.conftest import DEMO_END  # noqa: E402
from tests.ui.helpers import cell, link  # noqa: E402


def test_acknowledge_an_alert_and_see_it_after_a_reload(page, served):
    context = served.context
    result = evaluate(context.shared_engine(), context.state_store(), served.demo.settings, now=DEMO_END)
    streaks = [f for f in result.findings if f.rule == "consecutive_failures"]
    assert streaks, "the demo injects consecutive failures"
    title = streaks[0].title
    store = context.state_store()

    page.goto(link(served, page="alerts"))
    view = page.locator(".alerts-view")
    expect(view.locator(".alert-counts")).to_contain_text("P1")
    cell(page, "alerts-table", title).click()
    expect(page.locator(".alerts-detail")).to_contain_text("What to do:")
    page.locator(".alert-ack button").click()
    expect(page.locator(".alerts-message")).to_contain_text("saved as ana.lyst")

    alert = next(a for a in Inbox(store).list(status="all") if a.title == title)
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", "ana.lyst")

    page.reload()
    cell(page, "alerts-table", title).click()
    expect(page.locator(".alerts-detail")).to_contain_text("by ana.lyst")
    expect(page.locator(".alerts-table")).to_contain_text("acknowledged")

    # the overview shows the open P1 alerts first
    page.goto(link(served, page="overview"))
    expect(page.locator(".pinned-alerts")).to_contain_text("Open P1 alerts")
