"""The app shell in a real browser: identity, drill-down with URL and Back, hostile names, a failing panel."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from tests.ui.conftest import open_page  # noqa: E402
from tests.ui.fixtures import OBRIEN, XSS_JOB  # noqa: E402

pytestmark = pytest.mark.ui


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def cell(page, table_class: str, text: str):
    """The first cell of a table whose whole text is ``text``."""
    return page.locator(f".{table_class} .tabulator-cell").filter(has_text=text).first


def test_overview_loads_and_shows_the_forwarded_identity(page, app_url):
    page.goto(app_url)
    expect(page.locator(".identity")).to_have_text("ana.lyst")
    expect(page.locator(".identity-source")).to_contain_text("forwarded user")
    expect(page.locator(".kpi-runs")).to_have_text("6")
    expect(page.locator(".kpi-cost")).to_have_text("$12.00")
    expect(page.get_by_text("cost (list price)")).to_be_visible()
    # data freshness: newest row of each source
    expect(page.locator("table.freshness")).to_contain_text("job timeline")
    expect(page.locator("table.freshness")).to_contain_text("2026-11-20 12:00")
    expect(page.locator("table.freshness")).to_contain_text("node timeline")


def test_local_identity_without_forwarded_headers(browser, problems, app_url):
    page = open_page(browser, problems)
    try:
        page.goto(app_url)
        expect(page.locator(".identity")).to_have_text("local-tester")
        expect(page.locator(".identity-source")).to_contain_text("local user")
    finally:
        page.context.close()
    assert list(problems) == []


def test_drill_down_team_job_run_and_back(page, app_url):
    page.goto(app_url + "?page=teams")
    cell(page, "teams-table", "data-eng").click()
    expect(page.locator(".jobs-title")).to_contain_text("Jobs of team data-eng")
    assert query(page) == {"page": "jobs", "team": "data-eng"}

    cell(page, "jobs-table", "nightly_etl").click()
    expect(page.locator(".runs-title")).to_contain_text("Runs of job nightly_etl (101)")
    expect(page.locator(".duration-chart")).to_be_visible()
    expect(page.locator(".runs-table .tabulator-row")).to_have_count(3)
    assert query(page) == {"page": "runs", "team": "data-eng", "workspace_id": "1001", "job_id": "101"}

    cell(page, "runs-table", "r1").click()
    expect(page.locator(".run-title")).to_contain_text("Run r1 of job nightly_etl")
    expect(page.locator(".run-facts")).to_contain_text("$5.50")
    expect(page.locator(".run-facts")).to_contain_text("2 / 3 / 1")  # tasks / attempts / retries
    expect(page.locator(".task-timeline")).to_be_visible()
    expect(page.locator(".tasks-table .tabulator-row")).to_have_count(3)
    assert query(page)["run_id"] == "r1"

    page.go_back()
    expect(page.locator(".runs-table .tabulator-row")).to_have_count(3)
    assert "run_id" not in query(page) and query(page)["job_id"] == "101"
    page.go_back()
    expect(page.locator(".jobs-title")).to_contain_text("Jobs of team data-eng")
    assert query(page) == {"page": "jobs", "team": "data-eng"}
    page.go_forward()
    expect(page.locator(".runs-title")).to_contain_text("nightly_etl")


def test_a_shared_link_opens_the_same_view(page, app_url):
    page.goto(app_url + "?page=runs&workspace_id=1001&job_id=101&run_id=r1")
    expect(page.locator(".run-title")).to_contain_text("Run r1 of job nightly_etl")
    expect(page.locator(".crumb-job button")).to_contain_text("nightly_etl")


def test_hostile_names_render_as_literal_text(page, app_url):
    page.goto(app_url + "?page=jobs")
    expect(cell(page, "jobs-table", XSS_JOB)).to_have_text(XSS_JOB)
    assert page.locator("img[src='x']").count() == 0
    page.goto(app_url + "?page=teams")
    expect(cell(page, "teams-table", OBRIEN)).to_have_text(OBRIEN)
    cell(page, "teams-table", OBRIEN).click()
    expect(page.locator(".jobs-title")).to_have_text(f"Jobs of team {OBRIEN}")
    cell(page, "jobs-table", XSS_JOB).click()
    expect(page.locator(".runs-title")).to_have_text(f"Runs of job {XSS_JOB} (102)")
    expect(page.locator(".crumb-job button")).to_contain_text(XSS_JOB)
    assert page.locator("img[src='x']").count() == 0
    assert query(page)["team"] == OBRIEN


def test_a_failing_panel_shows_its_error_and_the_rest_works(page, app_url, monkeypatch):
    from data.engines import QueryError
    from monitor_app.analytics import drilldown

    def broken(engine, filters):
        raise QueryError("injected failure: warehouse unavailable")

    monkeypatch.setattr(drilldown, "teams_summary", broken)
    page.goto(app_url + "?page=teams")
    error = page.locator(".teams-view .panel-error-text")
    expect(error).to_contain_text("injected failure: warehouse unavailable")
    expect(error).to_contain_text("QueryError")
    # other panels of the session still work
    expect(page.locator("table.freshness")).to_contain_text("job timeline")
    page.locator(".page-nav button", has_text="Jobs").click()
    expect(page.locator(".jobs-table .tabulator-row").first).to_be_visible()
