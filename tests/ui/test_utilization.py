"""Cluster utilization in a real browser: the job page's verdict and chart, the overview's savings."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from tests.ui.helpers import cell, link, unfold  # noqa: E402

pytestmark = pytest.mark.ui


def _scenario(served, kind: str) -> dict:
    return next(s for s in served.demo.manifest["scenarios"] if s["kind"] == kind)


def test_an_over_provisioned_job_shows_its_verdict_chart_and_saving(page, served):
    s = _scenario(served, "over_provisioned")
    page.goto(link(served, page="runs", workspace_id=s["workspace_id"], job_id=s["job_id"]))
    section = unfold(page, "Cluster utilization of the job")
    expect(section.locator(".rightsizing-recommendation")).to_contain_text(
        f"Reduce workers from {s['details']['workers']} to"
    )
    expect(section.locator(".rightsizing-facts")).to_contain_text("over-provisioned")
    expect(section.locator(".rightsizing-facts")).to_contain_text("a month (list price)")
    expect(section.locator(".utilization-chart canvas, .utilization-chart svg").first).to_be_visible()


def test_the_overview_lists_jobs_to_rightsize_and_opens_one(page, served):
    s = _scenario(served, "memory_bound")
    page.goto(link(served, page="overview"))
    section = unfold(page, "Rightsizing")
    expect(section.locator(".rightsizing-headline")).to_contain_text("job(s) to look at")
    name = s["details"]["job_name"]
    cell(page, "rightsizing-table", "memory-bound").wait_for()
    cell(page, "rightsizing-table", name).click()
    page.wait_for_url(f"**job_id={s['job_id']}**")
    assert "page=runs" in page.url
