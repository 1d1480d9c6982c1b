"""Times in the user's time zone, UTC on hover: the browser says where it is, the tables follow, and the
next visit starts there (a cookie)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from tests.ui.conftest import USER_HEADERS, open_page  # noqa: E402
from tests.ui.helpers import job_runs, link, plain_job, team_jobs, unfold  # noqa: E402

pytestmark = pytest.mark.ui


def test_a_tokyo_browser_sees_tokyo_times_with_utc_on_hover(browser, problems, served):
    jobs = team_jobs(served, job_id=None)
    page = open_page(browser, problems, USER_HEADERS, timezone_id="Asia/Tokyo")
    try:
        page.goto(link(served, page="jobs"))
        header = page.locator(".jobs-table th[data-field='last_run_time']")
        expect(header).to_have_text("Last run (JST)")
        row = page.locator(".jobs-table tr.light-row").first
        name = row.locator("td[data-field='name']").inner_text()
        last = jobs.loc[jobs["name"] == name, "last_run_time"].iloc[0].to_pydatetime()
        utc_text = last.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        tokyo_text = last.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M")
        cell = row.locator("td[data-field='last_run_time']")
        expect(cell).to_have_text(tokyo_text)
        expect(cell).to_have_attribute("title", f"{utc_text} UTC")
        assert datetime.strptime(tokyo_text, "%Y-%m-%d %H:%M") != datetime.strptime(
            utc_text, "%Y-%m-%d %H:%M"
        )
        # a Tabulator's times too (the regressions table): the text in Tokyo, UTC on hover
        section = unfold(page, "Duration regressions")
        started = section.locator(".tabulator-cell[tabulator-field='start_time'] span").first
        expect(started).to_have_attribute("title", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"))
        hover = datetime.strptime(started.get_attribute("title"), "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
        expect(started).to_have_text(hover.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M"))
        # the next visit starts in Tokyo time (the cookie), and a shared link carries no zone
        assert {c["name"]: c["value"] for c in page.context.cookies()}["monitor_tz"] == "Asia%2FTokyo"
        assert "Tokyo" not in page.url
        page.reload()
        expect(page.locator(".jobs-table th[data-field='last_run_time']")).to_have_text("Last run (JST)")
        # a run's summary: its start in Tokyo time, with the UTC time beside it
        job = plain_job(served)
        runs = job_runs(served, job["workspace_id"], job["job_id"])
        run = runs.iloc[-1]
        page.goto(
            link(
                served,
                page="runs",
                workspace_id=job["workspace_id"],
                job_id=job["job_id"],
                run_id=str(run["run_id"]),
            )
        )
        start = pd.Timestamp(run["start_time"])
        start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
        tokyo = start.tz_convert("Asia/Tokyo")
        facts = page.locator(".run-facts tr").filter(has=page.locator("th", has_text="Start"))
        expect(facts.locator("td")).to_have_text(
            f"{tokyo:%Y-%m-%d %H:%M:%S} JST ({start:%Y-%m-%d %H:%M:%S} UTC)"
        )
    finally:
        page.context.close()
    assert list(problems) == [], "\n".join(problems)
