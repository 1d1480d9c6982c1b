"""The overview's headline: totals, what broke, what is at risk, what costs most; workspace text escaped."""

from __future__ import annotations

import pandas as pd

from components.overview import headline_html, kpis_html
from data.engines import DuckDBEngine
from monitor_app.cache import ResultCache
from monitor_app.overview_data import Headline, scope_totals
from monitor_app.state import AppState
from tests.ui.fixtures import END, build_fixture

XSS = "<img src=x onerror=alert(1)>"
OBRIEN = 'O\'Brien "ops"'


def _headline() -> Headline:
    teams = pd.DataFrame(
        {
            "team": [OBRIEN, "ml"],
            "runs": [10, 5],
            "failed": [3, 0],
            "succeeded": [7, 5],
            "list_cost_usd": [12.5, 2.5],
        }
    )
    rates = pd.DataFrame(
        {
            "job_name": [XSS, "train", "etl"],
            "team": [OBRIEN, "ml", "ml"],
            "status": ["critical", "warn", "ok"],
            "failure_rate": [0.5, 0.12, 0.0],
        }
    )
    streaks = pd.DataFrame({"job_name": [XSS], "team": [OBRIEN], "streak_length": [3]})
    job_costs = pd.DataFrame({"job_name": ["etl", XSS], "team": ["ml", OBRIEN], "list_cost_usd": [9.0, 3.0]})
    movers = pd.DataFrame({"job_name": ["etl"], "change_list_cost_usd": [4.0], "change_pct": [80.0]})
    return Headline(teams, rates, streaks, job_costs, movers)


def test_the_headline_says_what_broke_what_is_at_risk_and_what_costs_most():
    html = headline_html(_headline())
    assert 'class="kpi kpi-runs">15<' in html and 'class="kpi kpi-failed">3<' in html
    assert "$15.00" in html and "cost (list price)" in html
    assert "1 jobs failing now (P1: 2+ failures in a row)" in html and "3 failures in a row" in html
    assert "1 jobs at a critical failure rate" in html
    assert "1 jobs at a warning failure rate" in html and "<b>train</b> (ml): 12% of runs failed" in html
    assert "<b>etl</b> (ml): $9.00" in html and "+$4.00 (+80%)" in html


def test_what_broke_says_the_severity_the_alert_rules_give_a_streak():
    data = _headline()
    data.streak_severity = "P2"
    assert "1 jobs failing now (P2: 2+ failures in a row)" in headline_html(data)


def test_the_biggest_rises_say_which_week_they_are_of():
    """With a date range the rises are of the range's last 7 days: the line says which, not "last 7 days"."""
    data = _headline()
    assert '<p class="spend-rises">Biggest rises, last 7 days vs the 7 before:</p>' in headline_html(data)
    data.rises_to = "2026-11-24"
    assert (
        '<p class="spend-rises">Biggest rises, the 7 days to 2026-11-24 vs the 7 before:</p>'
        in headline_html(data)
    )


def test_the_headline_escapes_workspace_text():
    html = headline_html(_headline())
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert OBRIEN not in html and "O&#x27;Brien &quot;ops&quot;" in html


def test_an_empty_window_says_so():
    empty = Headline(
        pd.DataFrame(columns=["team", "runs", "failed", "succeeded", "list_cost_usd"]),
        pd.DataFrame(columns=["job_name", "team", "status", "failure_rate"]),
        pd.DataFrame(columns=["job_name", "team", "streak_length"]),
        pd.DataFrame(columns=["job_name", "team", "list_cost_usd"]),
        pd.DataFrame(columns=["job_name", "change_list_cost_usd", "change_pct"]),
    )
    html = headline_html(empty)
    assert "No job is failing repeatedly." in html and "No job spend in this window." in html


def test_a_p1_job_is_critical_with_its_streak_as_the_reason():
    import pandas as pd

    from components.health_views import job_health_frame

    rates = pd.DataFrame(
        {
            "workspace_id": ["w", "w", "w"],
            "job_id": ["a", "b", "c"],
            "job_name": ["streaky", "flaky", "fine"],
            "status": ["ok", "warn", "ok"],
            "status_reason": ["", "failure rate 0.15 > 0.10", None],
            "failure_rate": [0.1, 0.15, 0.0],
        }
    )
    streaks = pd.DataFrame({"workspace_id": ["w", "w"], "job_id": ["a", "b"], "streak_length": [3, 2]})
    frame = job_health_frame(rates, streaks, "P1").set_index("job_id")
    assert frame.loc["a", ["p1", "status", "status_reason"]].tolist() == [
        "P1",
        "critical",
        "3 failures in a row (P1)",
    ]
    assert frame.loc["b", ["status", "status_reason"]].tolist() == [
        "critical",
        "2 failures in a row (P1); failure rate 0.15 > 0.10",
    ]
    assert frame.loc["c", ["p1", "status"]].tolist() == ["", "ok"]
    # the severity the workspace's alert rules give a streak is the badge's
    frame = job_health_frame(rates, streaks, "P2").set_index("job_id")
    assert frame.loc["a", ["p1", "status_reason"]].tolist() == ["P2", "3 failures in a row (P2)"]
    assert frame.loc["c", "p1"] == ""


def test_each_total_says_its_change_against_the_previous_window():
    from components.overview import kpis_html

    now = pd.DataFrame(
        {
            "team": ["a", "b"],
            "runs": [100, 10],
            "failed": [6, 0],
            "succeeded": [94, 10],
            "list_cost_usd": [90.0, 20.0],
        }
    )
    before = pd.DataFrame(
        {"team": ["a"], "runs": [100], "failed": [4], "succeeded": [96], "list_cost_usd": [100.0]}
    )
    html = kpis_html(now, before, "vs previous 30 days")
    # runs 110 vs 100: up, neither good nor bad; failed 6 vs 4: up and bad; success 94.5 % vs 96.0 %: down 1.5
    # points, bad; cost $110 vs $100: up 10 %, bad
    assert (
        '<div class="kpi-change neutral" title="previous 30 days: 100">▲ 10.0% vs previous 30 days</div>'
        in html
    )
    assert '<div class="kpi-change bad" title="previous 30 days: 4">▲ 50.0% vs previous 30 days</div>' in html
    assert (
        '<div class="kpi-change bad" title="previous 30 days: 96.0%">▼ 1.5 pts vs previous 30 days</div>'
        in html
    )
    assert (
        '<div class="kpi-change bad" title="previous 30 days: $100.00">▲ 10.0% vs previous 30 days</div>'
        in html
    )
    cheaper = kpis_html(now.assign(list_cost_usd=[40.0, 10.0]), before, "vs previous 30 days")
    assert (
        '<div class="kpi-change good" title="previous 30 days: $100.00">▼ 50.0% vs previous 30 days</div>'
        in cheaper
    )


def test_a_date_range_change_line_is_short_with_its_dates_on_hover():
    from components.overview import kpis_html

    now = pd.DataFrame(
        {"team": ["a"], "runs": [110], "failed": [0], "succeeded": [110], "list_cost_usd": [1.0]}
    )
    before = now.assign(runs=100, succeeded=100)
    html = kpis_html(now, before, "vs 2026-11-15 to 2026-11-21")
    assert (
        '<div class="kpi-change neutral" title="2026-11-15 to 2026-11-21: 100">▲ 10.0% vs the 7 days before</div>'
    ) in html


def test_a_window_with_nothing_before_it_says_so_instead_of_a_change():
    from components.overview import kpis_html

    now = pd.DataFrame({"team": ["a"], "runs": [10], "failed": [1], "succeeded": [9], "list_cost_usd": [5.0]})
    empty = now.iloc[0:0]
    html = kpis_html(now, empty, "vs previous 7 days")
    assert (
        '<div class="kpi-change none" title="previous 7 days: 0">none before (vs previous 7 days)</div>'
        in html
    )
    assert (
        '<div class="kpi-change none">no previous 7 days to compare</div>' in html
    )  # no success rate before
    assert "kpi-change" not in kpis_html(now)  # nothing to compare with: no change line


def test_a_team_or_job_page_totals_its_scope_against_the_window_before(tmp_path):
    engine = DuckDBEngine(build_fixture(tmp_path / "w.duckdb"), read_only=True)
    try:
        state = AppState(engine=engine, cache=ResultCache(), as_of=END, window_days=7, team="data-eng")
        data = scope_totals(state)
        # data-eng's 4 runs of the last 7 days; its r1 ran 50 h before the end, inside; nothing the week before
        assert data.now[["team", "runs", "succeeded", "failed"]].values.tolist() == [["data-eng", 4, 2, 1]]
        assert round(data.now["list_cost_usd"].sum(), 2) == 11.0
        assert data.previous.empty and data.compared_to == "vs previous 7 days"
        html = kpis_html(data.now, data.previous, data.compared_to, count_teams=False)
        assert '<div class="kpi kpi-runs">4</div>' in html and "kpi-teams" not in html
        assert '<div class="kpi kpi-rate">66.7%</div>' in html
        state.param.update(team=None, workspace_id="1001", job_id="102")
        job = scope_totals(state).now
        assert job[["team", "runs", "failed"]].values.tolist() == [[OBRIEN, 2, 2]]
    finally:
        engine.close()
