"""Captions follow the filters (issue 22, item 4): the overview's scope line after a window or team change."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from tests.ui.helpers import link, query  # noqa: E402

pytestmark = pytest.mark.ui


def test_the_overview_caption_follows_window_and_team(page, served):
    team = 'O\'Brien "ops"'
    page.goto(link(served, page="overview"))
    caption = page.locator(".filters-caption")
    expect(caption).to_contain_text("last 30 days to")
    expect(caption).to_contain_text("all teams, all jobs")
    page.locator(".window-select button", has_text="7").click()
    expect(caption).to_contain_text("last 7 days to")
    page.locator(".team-select select").select_option(label=team)
    expect(caption).to_contain_text(f'team "{team}", all jobs')
    assert query(page)["team"] == team and query(page)["window_days"] == "7"
