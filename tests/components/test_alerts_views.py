"""The overview's alert line: what it says before any evaluation, after one, and narrowed to a team."""

from __future__ import annotations

from datetime import UTC, datetime

from components.alerts_views import PinnedAlertsView
from data.engines import DuckDBEngine
from data.state_store import StateStore
from monitor_app.alerts.inbox import Inbox
from monitor_app.alerts.model import Finding
from monitor_app.state import AppState

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
HOSTILE = "<b>ops</b>"


def streak(team: str, job: str) -> Finding:
    return Finding(
        "consecutive_failures",
        "reliability",
        "P1",
        f"{job} failed 3 times in a row",
        "fix it",
        {"value": 3},
        workspace_id="1",
        team=team,
        job_id=job,
    )


def test_says_when_rules_never_ran_and_narrows_to_the_team(tmp_path):
    store = StateStore(DuckDBEngine(tmp_path / "state.duckdb"))
    state = AppState(state_store=store)
    view = PinnedAlertsView(state)
    assert view.body.html == (
        "<div class='pinned-alerts-empty'><b>Open P1 alerts</b>: not evaluated yet: the alert rules have not "
        "run on this data. Open Alerts and press Evaluate now, or run `refresh`.</div>"
    )
    Inbox(store).apply([streak("data-eng", "j1"), streak(HOSTILE, "j2")], ["consecutive_failures"], NOW)
    view._panel.refresh()  # outside a server: at once
    assert view.body.html.startswith("<div class='pinned-alerts-list'><b>Open P1 alerts</b> (2)")
    state.team = HOSTILE
    assert "<b>Open P1 alerts of team &lt;b&gt;ops&lt;/b&gt;</b> (1)" in view.body.html
    assert "j2 failed 3 times in a row" in view.body.html and "j1 failed" not in view.body.html
    state.team = "finance"
    assert view.body.html == (
        "<div class='pinned-alerts-empty'><b>Open P1 alerts of team finance</b>: none (alert rules last "
        "evaluated on data as of 2026-11-20 12:00 UTC).</div>"
    )
