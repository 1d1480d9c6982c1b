"""The trend charts' legend and picks: costliest team first, names escaped, a pick narrows the state."""

from __future__ import annotations

from datetime import date

import pandas as pd

from components.charts import FIXED_COLOURS, team_colours
from components.overview_trends import OverviewTrendsView, legend_html, teams_by_spend
from monitor_app.state import AppState

HOSTILE = "<img src=x onerror=alert(1)>"


def test_teams_by_spend_and_an_escaped_legend():
    days = pd.DataFrame({"team": ["b", HOSTILE, "b", "a"], "list_cost_usd": [1.0, 5.0, 1.5, 2.5]})
    teams, spend = teams_by_spend(days)
    assert (teams, spend) == ([HOSTILE, "a", "b"], [5.0, 2.5, 2.5])  # a tie in name order
    html = legend_html(teams, spend, {"a": "#123456"})
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert (
        'data-team="1" data-tip="a: $2.50 in the window"><i style="background:#123456"></i>a</span>' in html
    )
    assert teams_by_spend(days.iloc[:0]) == ([], [])


def test_a_team_keeps_its_colour_whatever_the_others():
    everyone = team_colours(["risk", "finance", "unattributed", "growth"])
    assert everyone["unattributed"] == FIXED_COLOURS["unattributed"]
    assert len({everyone[t] for t in ("risk", "finance", "growth")}) == 3
    assert team_colours(["growth", "finance", "risk"])["risk"] == everyone["risk"]


def test_picks_narrow_the_state_and_an_unknown_position_is_ignored():
    state = AppState(page="teams", job_id="9", run_id="3")  # not shown: it loads nothing
    view = OverviewTrendsView(state)
    view._teams = ["data-eng", "risk"]  # what the markup shown names
    view.choose_team(1)
    assert (state.team, state.job_id, state.run_id, state.page) == ("risk", None, None, "teams")
    view.choose_team(5)
    view.choose_team(-1)
    assert state.team == "risk"
    view.choose_days(date(2026, 11, 3), date(2026, 11, 9))
    assert (state.start_date, state.end_date) == (date(2026, 11, 3), date(2026, 11, 9))
