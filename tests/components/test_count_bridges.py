"""The sentences that name why two numbers on one page differ, with exact figures."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from components.count_bridges import billed_runs_note, trust_bridge

TEAMS = pd.DataFrame({"team": ["a", "b"], "runs": [3504, 1000], "list_cost_usd": [100.004, 50.0]})


def test_the_team_costs_note_names_the_runs_without_billed_usage():
    costs = pd.DataFrame({"team": ["a", "b"], "runs": [3355, 1000]})
    note = billed_runs_note(costs, TEAMS)
    assert note.startswith("Jobs and runs with billed usage only: 4,355 of the 4,504 runs")
    assert "The Teams table counts all 4,504" in note and "the other 149 have no job usage" in note


def test_the_note_says_every_run_when_all_are_billed():
    note = billed_runs_note(TEAMS[["team", "runs"]], TEAMS)
    assert note == "Jobs and runs with billed usage: 4,504 runs, every run that started in the window."


def test_no_spend_and_no_runs_is_zero_not_an_error():
    assert billed_runs_note(pd.DataFrame(), pd.DataFrame()).startswith(
        "Jobs and runs with billed usage: 0 runs"
    )


def test_the_trust_bridge_goes_from_the_headline_to_the_per_run_sum():
    trust = pd.DataFrame({"run_costs_list_cost_usd": [100.0, 60.5]})
    start = datetime(2026, 11, 7, 8, 31, tzinfo=UTC)
    assert trust_bridge(trust, TEAMS, start) == [
        ("Overview headline: runs started since 2026-11-07 08:31 UTC, all teams", "$150.00"),
        ("+ whole UTC days from 2026-11-07 00:00, runs dated by first usage", "$10.50"),
    ]
    less = pd.DataFrame({"run_costs_list_cost_usd": [140.0]})
    assert trust_bridge(less, TEAMS, start)[1] == (
        "− whole UTC days from 2026-11-07 00:00, runs dated by first usage",
        "$10.00",
    )
