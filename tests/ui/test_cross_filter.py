"""Cross-filtering in a real browser: a drag across days on a trend chart, a click on a team's bar or legend
entry, narrow every view to them; the chips show and undo it; the URL keeps it (Back and Forward work)."""

from __future__ import annotations

from datetime import date

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from components.overview_trends import teams_by_spend  # noqa: E402
from components.panes import fmt_money  # noqa: E402
from monitor_app.analytics import drilldown  # noqa: E402
from tests.ui.helpers import OBRIEN, app_filters, link, wait_for_query  # noqa: E402

pytestmark = pytest.mark.ui


def drag(page, chart: str, first: str, last: str) -> None:
    """Press on the first day's column of a chart, move to the last day's, release."""
    start = page.locator(f".{chart} .day-hit[data-day='{first}']").bounding_box()
    end = page.locator(f".{chart} .day-hit[data-day='{last}']").bounding_box()
    y = start["y"] + start["height"] / 2
    page.mouse.move(start["x"] + start["width"] / 2, y)
    page.mouse.down()
    page.mouse.move((start["x"] + end["x"]) / 2, y, steps=4)
    page.mouse.move(end["x"] + end["width"] / 2, y, steps=4)
    page.mouse.up()


def expect_totals(page, teams) -> None:
    """The headline and the runs chart show exactly these teams_summary totals."""
    expect(page.locator(".chart-runs svg.trend-runs")).to_have_attribute(
        "aria-label",
        f"Runs per day: {int(teams['runs'].sum()):,} runs, {int(teams['failed'].sum()):,} failed",
    )
    expect(page.locator(".kpi-runs")).to_have_text(f"{int(teams['runs'].sum()):,}")
    expect(page.locator(".kpi-failed")).to_have_text(f"{int(teams['failed'].sum()):,}")
    expect(page.locator(".kpi-cost")).to_have_text(fmt_money(teams["list_cost_usd"].sum()))
    expect(page.locator(".kpi-teams")).to_have_text(f"{len(teams):,}")


def test_dragging_across_days_narrows_every_view_to_those_days(page, served):
    engine = served.context.shared_engine()
    window = app_filters(served, job_id=None)
    calendar = drilldown.window_calendar(window)
    first, last = calendar[10], calendar[16]
    page.goto(served.url)
    expect(page.locator(".chart-runs svg.trend-runs")).to_be_visible()
    expect_totals(page, drilldown.teams_summary(engine, window))

    drag(page, "chart-runs", first, last)
    ranged = window.with_(start_date=date.fromisoformat(first), end_date=date.fromisoformat(last))
    teams = drilldown.teams_summary(engine, ranged)
    expect_totals(page, teams)
    expect(page.locator("button.chip-dates")).to_have_text(f"Days: {first} to {last} (UTC) ✕")
    wait_for_query(page, start_date=first, end_date=last)
    # the charts themselves now show those seven days
    expect(page.locator(".chart-runs .day-hit")).to_have_count(7)
    expect(page.locator(".filter-bar .scope")).to_have_text(f"{first} to {last} (UTC), all teams, all jobs")

    # the chip undoes it; Back brings it again, Forward undoes it again
    page.locator("button.chip-dates").click()
    expect_totals(page, drilldown.teams_summary(engine, window))
    wait_for_query(page, start_date=None, end_date=None)
    expect(page.locator("button.chip-dates")).to_have_count(0)
    page.go_back()
    expect_totals(page, teams)
    expect(page.locator("button.chip-dates")).to_be_visible()
    page.go_forward()
    expect_totals(page, drilldown.teams_summary(engine, window))


def test_clicking_a_team_bar_or_legend_entry_narrows_every_view_to_it(page, served):
    engine = served.context.shared_engine()
    window = app_filters(served, job_id=None)
    teams, _spend = teams_by_spend(drilldown.team_days(engine, window))
    page.goto(served.url)
    expect(page.locator(".chart-spend svg.trend-spend")).to_be_visible()

    # the costliest team's bar on the last day: the bottom of the stack
    bar = page.locator(".chart-spend rect.bar[data-team='0']").last
    bar.click()
    expect(page.locator("button.chip-team")).to_have_text(f"Team: {teams[0]} ✕")
    wait_for_query(page, team=teams[0])
    expect_totals(page, drilldown.teams_summary(engine, window.with_(team=teams[0])))
    expect(page.locator(".team-select select")).to_have_value(teams[0])

    # the legend of a one-team view has that team only; clear it, then pick the hostile name by its entry
    expect(page.locator(".legend-team")).to_have_count(1)
    page.locator("button.chip-team").click()
    expect(page.locator(".legend-team")).to_have_count(len(teams))
    legend = page.locator(".legend-team").filter(has_text=OBRIEN)
    expect(legend).to_have_text(OBRIEN)
    legend.click()
    expect(page.locator("button.chip-team")).to_have_text(f"Team: {OBRIEN} ✕")
    wait_for_query(page, team=OBRIEN)
    expect_totals(page, drilldown.teams_summary(engine, window.with_(team=OBRIEN)))
    # a team chip and a date chip: "Clear all" clears both
    calendar = drilldown.window_calendar(window)
    drag(page, "chart-rates", calendar[-3], calendar[-1])
    expect(page.locator("button.chip-dates")).to_have_text(f"Days: {calendar[-3]} to {calendar[-1]} (UTC) ✕")
    page.locator("button.chip-all").click()
    expect(page.locator(".chips-none")).to_have_text("All teams, all workspaces, all jobs.")
    expect_totals(page, drilldown.teams_summary(engine, window))
    wait_for_query(page, team=None, start_date=None)


def test_the_team_and_job_pages_total_their_scope_against_the_window_before(page, served):
    engine = served.context.shared_engine()
    window = app_filters(served, job_id=None, team=OBRIEN, window_days=7)  # the demo holds 30 days
    days = drilldown.team_days(engine, window)
    before = drilldown.team_days(engine, window.previous())
    page.goto(link(served, page="jobs", team=OBRIEN, window_days="7"))
    totals = page.locator(".scope-kpis-jobs")
    expect(totals.locator(".kpi-runs")).to_have_text(f"{int(days['runs'].sum()):,}")
    expect(totals.locator(".kpi-cost")).to_have_text(fmt_money(days["list_cost_usd"].sum()))
    assert days["runs"].sum() == before["runs"].sum()  # a daily job: as many runs as the week before
    expect(totals.locator(".kpi-box").first.locator(".kpi-change")).to_have_text("= vs previous 7 days")
    cost = 100 * (days["list_cost_usd"].sum() - before["list_cost_usd"].sum()) / before["list_cost_usd"].sum()
    expect(totals.locator(".kpi-box").nth(3).locator(".kpi-change")).to_have_text(
        f"{'▲' if cost > 0 else '▼'} {abs(cost):.1f}% vs previous 7 days"
    )
    expect(totals.locator(".kpi-teams")).to_have_count(0)
