"""What the browser reports from a chart is checked before it reaches the app state."""

from __future__ import annotations

from datetime import date

from components.selectable_chart import SelectableChart


def test_picks_reach_the_handlers_in_order_and_bad_messages_are_dropped():
    days, teams = [], []
    chart = SelectableChart(on_days=lambda a, b: days.append((a, b)), on_team=teams.append)
    chart._handle_msg({"days": ["2026-11-20", "2026-11-14"]})  # dragged right to left
    chart._handle_msg({"team": 2})
    for bad in (
        {"days": ["2026-13-01", "2026-11-14"]},
        {"days": ["x"]},
        {"team": "2"},
        {"team": True},
        "days",
        None,
    ):
        chart._handle_msg(bad)
    assert days == [(date(2026, 11, 14), date(2026, 11, 20))]
    assert teams == [2]
    legend = SelectableChart(on_team=teams.append)
    legend._handle_msg({"days": ["2026-11-14", "2026-11-20"]})  # a legend picks no days
    assert days == [(date(2026, 11, 14), date(2026, 11, 20))]
