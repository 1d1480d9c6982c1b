"""The chips above every page: one per filter set, exact labels, a click clears only its own filter."""

from __future__ import annotations

from datetime import date

from components.filter_chips import FilterChips, chip_labels
from monitor_app.state import AppState

HOSTILE = '<b>ops</b> "x"'


def test_labels_say_each_filter_as_typed():
    state = AppState()
    assert chip_labels(state) == {"team": None, "workspace": None, "job": None, "dates": None}
    state.param.update(team=HOSTILE, workspace_id="1001", job_id="42")
    state.param.update(start_date=date(2026, 11, 3), end_date=date(2026, 11, 9))
    assert chip_labels(state) == {
        "team": f"Team: {HOSTILE} ✕",
        "workspace": "Workspace: 1001 ✕",
        "job": "Job: 42 ✕",
        "dates": "Days: 2026-11-03 to 2026-11-09 (UTC) ✕",
    }
    state.param.update(start_date=date(2026, 11, 9))
    assert chip_labels(state)["dates"] == "Days: 2026-11-09 (UTC) ✕"


def test_a_chip_clears_its_filter_and_clear_all_clears_every_one():
    state = AppState(
        team="data-eng", job_id="42", run_id="7", start_date=date(2026, 11, 3), end_date=date(2026, 11, 9)
    )
    chips = FilterChips(state)
    assert chips.chips == [
        ["team", "Team: data-eng ✕"],
        ["job", "Job: 42 ✕"],
        ["dates", "Days: 2026-11-03 to 2026-11-09 (UTC) ✕"],
        ["all", "Clear all"],
    ]
    chips._handle_msg({"clear": "job"})
    assert (state.job_id, state.run_id, state.team) == (None, None, "data-eng")
    assert [key for key, _label in chips.chips] == ["team", "dates", "all"]
    for bad in ({"clear": "page"}, {"clear": ["team"]}, {"team": None}, "team", None):
        chips._handle_msg(bad)  # what the browser sends is checked: nothing else is cleared
    assert state.team == "data-eng"
    chips._handle_msg({"clear": "all"})
    assert (state.team, state.start_date, state.end_date) == (None, None, None)
    assert chips.chips == []  # the row then says nothing narrows the views
