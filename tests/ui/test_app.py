"""The app shell in a real browser on the generated demo: identity, drill-down with URL and Back, hostile
names, a failing panel. Every test fails on a console error, a page error or a dialog (``page`` fixture)."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from components.panes import fmt_money  # noqa: E402
from monitor_app.analytics import drilldown  # noqa: E402
from tests.ui.conftest import open_page  # noqa: E402
from tests.ui.helpers import (  # noqa: E402
    OBRIEN,
    XSS_JOB,
    app_filters,
    cell,
    job_runs,
    job_team,
    link,
    plain_job,
    query,
    unfold,
)

pytestmark = pytest.mark.ui


def test_overview_loads_and_shows_the_forwarded_identity(page, served):
    teams = drilldown.teams_summary(served.context.shared_engine(), app_filters(served))
    page.goto(served.url)
    expect(page.locator(".identity")).to_have_text("ana.lyst")
    expect(page.locator(".identity-source")).to_contain_text("forwarded user")
    expect(page.locator(".kpi-runs")).to_have_text(f"{int(teams['runs'].sum()):,}")
    expect(page.locator(".kpi-cost")).to_have_text(fmt_money(teams["list_cost_usd"].sum()))
    expect(page.get_by_text("cost (list price)", exact=True)).to_be_visible()
    # the test demo holds 30 days: nothing before this window to compare with, and the page says so
    runs_change = page.locator(".kpi-box").filter(has=page.locator(".kpi-runs")).locator(".kpi-change")
    expect(runs_change).to_have_text("none before (vs previous 30 days)")
    assert "bokeh-mathjax" not in page.content()  # 1.8 MB of script no page of ours needs
    # data freshness: newest row of each source (the demo ends on 2026-11-01)
    expect(page.locator("table.freshness")).to_contain_text("job timeline")
    expect(page.locator("table.freshness")).to_contain_text("2026-11-01")
    expect(page.locator("table.freshness")).to_contain_text("node timeline")
    # runs in progress come from the Jobs API (a loopback server per simulated workspace, through the
    # real SDK): the runs of every workspace with no terminal row in the system tables
    running = served.context.shared_engine().execute(
        """
        SELECT workspace_id, run_id FROM system.lakeflow.job_run_timeline
        GROUP BY workspace_id, run_id HAVING COUNT(result_state) = 0
        """
    )
    assert len(running) > 0
    unfold(page, "Runs in progress now")  # below the fold: built and loaded when opened
    expect(page.locator(".active-runs .tabulator-row")).to_have_count(len(running))


def test_local_identity_without_forwarded_headers(browser, problems, served):
    page = open_page(browser, problems)
    try:
        page.goto(served.url)
        expect(page.locator(".identity")).to_have_text("local-tester")
        expect(page.locator(".identity-source")).to_contain_text("local user")
    finally:
        page.context.close()
    assert list(problems) == []


def test_drill_down_team_job_run_and_back(page, served):
    job = plain_job(served)
    ws, job_id, name, team = job["workspace_id"], job["job_id"], job["name"], job["team"]
    runs = job_runs(served, ws, job_id)
    run_id = str(runs["run_id"].iloc[0])  # newest first: on the table's first page

    page.goto(link(served, page="teams"))
    cell(page, "teams-table", team).click()
    expect(page.locator(".jobs-title")).to_have_text(f"Jobs of team {team}")
    assert query(page) == {"page": "jobs", "team": team}
    # the page left stays laid out out of sight: hidden, and never in the way of a click
    expect(page.locator(".teams-table")).to_be_hidden()

    cell(page, "jobs-table", name).click()
    expect(page.locator(".runs-title")).to_have_text(f"Runs of job {name} ({job_id})")
    expect(page.locator(".run-history-chart .run-point").first).to_be_visible()
    expect(page.locator(".runs-table tr.light-row")).to_have_count(len(runs))
    assert query(page) == {"page": "runs", "team": team, "workspace_id": ws, "job_id": job_id}
    expect(page.locator(".jobs-table")).to_be_hidden()

    cell(page, "runs-table", run_id).click()
    expect(page.locator(".run-title")).to_have_text(f"Run {run_id} of job {name}")
    expect(page.locator(".run-facts")).to_contain_text("Tasks / attempts / retries")
    expect(page.locator(".task-timeline .tl-bar").first).to_be_visible()
    expect(page.locator(".tasks-table tr.light-row").first).to_be_visible()
    assert query(page)["run_id"] == run_id

    page.go_back()
    expect(page.locator(".runs-table tr.light-row")).to_have_count(len(runs))
    assert "run_id" not in query(page) and query(page)["job_id"] == job_id
    page.go_back()
    expect(page.locator(".jobs-title")).to_have_text(f"Jobs of team {team}")
    assert query(page) == {"page": "jobs", "team": team}
    page.go_forward()
    expect(page.locator(".runs-title")).to_contain_text(name)


def test_a_shared_link_opens_the_same_view(page, served):
    job = plain_job(served)
    run_id = str(job_runs(served, job["workspace_id"], job["job_id"])["run_id"].iloc[-1])
    page.goto(
        link(served, page="runs", workspace_id=job["workspace_id"], job_id=job["job_id"], run_id=run_id)
    )
    expect(page.locator(".run-title")).to_have_text(f"Run {run_id} of job {job['name']}")
    expect(page.locator(".crumb-job button")).to_contain_text(job["name"])


def test_hostile_names_render_as_literal_text(page, served):
    ws, job_id = served.demo.manifest["special_jobs"]["xss_name"]
    assert served.demo.manifest["special_jobs"]["quoted_team"]["team"] == OBRIEN
    page.goto(link(served, page="teams"))
    expect(cell(page, "teams-table", OBRIEN)).to_have_text(OBRIEN)
    cell(page, "teams-table", OBRIEN).click()
    expect(page.locator(".jobs-title")).to_have_text(f"Jobs of team {OBRIEN}")
    assert query(page)["team"] == OBRIEN

    # the job named like an HTML tag, found under whatever team it has now (a test may re-attribute it)
    team = job_team(served, ws, job_id)
    page.goto(link(served, page="jobs", team=team))
    expect(cell(page, "jobs-table", XSS_JOB)).to_have_text(XSS_JOB)
    assert page.locator("img[src='x']").count() == 0
    cell(page, "jobs-table", XSS_JOB).click()
    expect(page.locator(".runs-title")).to_have_text(f"Runs of job {XSS_JOB} ({job_id})")
    expect(page.locator(".crumb-job button")).to_contain_text(XSS_JOB)
    assert query(page)["job_id"] == job_id and query(page)["team"] == team
    expect(page.locator(".runs-table tr.light-row").first).to_be_visible()
    assert page.locator("img[src='x']").count() == 0


def test_a_failing_panel_shows_its_error_and_the_rest_works(page, served, monkeypatch):
    from data.engines import QueryError

    def broken(engine, filters):
        raise QueryError("injected failure: warehouse unavailable")

    monkeypatch.setattr(drilldown, "teams_summary", broken)
    page.goto(link(served, page="teams"))
    error = page.locator(".teams-view .panel-error-text")
    expect(error).to_contain_text("injected failure: warehouse unavailable")
    expect(error).to_contain_text("QueryError")
    # other panels of the session still work
    expect(page.locator("table.freshness")).to_contain_text("job timeline")
    page.locator(".page-nav button", has_text="Jobs").click()
    expect(page.locator(".jobs-table tr.light-row").first).to_be_visible()


def test_a_failed_runs_page_shows_the_error_the_jobs_api_gives(page, served):
    engine = served.context.shared_engine()
    failed = engine.execute(
        """
        SELECT r.workspace_id, r.job_id, r.run_id, MIN(t.task_key) AS task_key
        FROM monitor.job_runs r
        JOIN system.lakeflow.job_task_run_timeline t ON t.job_run_id = r.run_id AND t.workspace_id = r.workspace_id
        WHERE r.outcome = 'failure' AND t.result_state = 'FAILED' AND r.termination_code = 'RUN_EXECUTION_ERROR'
        GROUP BY ALL ORDER BY r.run_id LIMIT 1
        """
    ).iloc[0]
    page.goto(
        link(
            served,
            page="runs",
            workspace_id=failed["workspace_id"],
            job_id=failed["job_id"],
            run_id=failed["run_id"],
        )
    )
    block = page.locator(".run-error-block").first
    expect(block).to_contain_text(f"Task {failed['task_key']}")
    expect(block.locator(".run-error-message")).to_contain_text(
        "[CAST_INVALID_INPUT] The value 'n/a' of the type \"STRING\" cannot be cast"
    )
    block.locator("summary").click()
    expect(block.locator(".run-error-trace")).to_contain_text("'n/a' <STRING> cannot be cast")


def test_the_headline_compares_a_week_with_the_week_before(page, served):
    window = app_filters(served, window_days=7, job_id=None)
    engine = served.context.shared_engine()
    now, before = drilldown.teams_summary(engine, window), drilldown.teams_summary(engine, window.previous())
    page.goto(link(served, window_days=7))

    def change(css: str):
        return page.locator(".kpi-box").filter(has=page.locator(css)).locator(".kpi-change")

    runs = 100 * (now["runs"].sum() - before["runs"].sum()) / before["runs"].sum()
    expect(change(".kpi-runs")).to_have_text(
        f"{'▲' if runs > 0 else '▼'} {abs(runs):.1f}% vs previous 7 days"
    )
    cost = 100 * (now["list_cost_usd"].sum() - before["list_cost_usd"].sum()) / before["list_cost_usd"].sum()
    expect(change(".kpi-cost")).to_have_text(
        f"{'▲' if cost > 0 else '▼'} {abs(cost):.1f}% vs previous 7 days"
    )
    expect(change(".kpi-cost")).to_have_class(re.compile("bad" if cost > 0 else "good"))
    expect(change(".kpi-cost")).to_have_attribute(
        "title", f"previous 7 days: {fmt_money(before['list_cost_usd'].sum())}"
    )


def test_each_job_row_has_its_runs_per_day(page, served):
    """The Jobs table's sparkline: one bar a day, named on hover, its totals equal to the row's runs."""
    filters = app_filters(served, job_id=None)
    jobs = drilldown.team_jobs(served.context.shared_engine(), filters)
    page.goto(link(served, page="jobs"))
    row = page.locator(".jobs-table tr.light-row").first
    expect(row.locator("svg.sparkline")).to_be_visible()
    name = row.locator('td[data-field="name"]').inner_text()
    job = jobs[jobs["name"] == name].iloc[0]
    days = len(drilldown.window_calendar(filters))
    expect(row.locator("svg.sparkline")).to_have_attribute(
        "aria-label", f"{int(job['runs']):,} runs over {days} days, {int(job['failed']):,} failed"
    )
    expect(page.locator('.jobs-table th[data-field="runs_by_day"]')).to_have_text("Runs per day")
