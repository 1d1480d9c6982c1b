"""Sentences that name why two numbers on one page differ (issue 22, item 2).

The Teams table and the Team costs table count different runs (every run that started against runs with
billed usage); the overview's headline cost and the Cost trust reconciliation date cost differently (runs
started since the window's first instant against whole UTC days, runs dated by their first usage). Both
are right for what they answer, so neither number changes: the page says what each counts and by how
much they differ, computed from the same frames the tables show.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from components.panes import fmt_money


def _total(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].sum()) if len(frame) and column in frame else 0.0


def billed_runs_note(team_costs: pd.DataFrame, teams: pd.DataFrame) -> str:
    """Says that Team costs counts billed runs only, and how many runs the Teams table has beside them."""
    billed = int(_total(team_costs, "runs"))
    started = int(_total(teams, "runs"))
    if started <= billed:
        return f"Jobs and runs with billed usage: {billed:,} runs, every run that started in the window."
    return (
        f"Jobs and runs with billed usage only: {billed:,} of the {started:,} runs that started in the "
        f"window. The Teams table counts all {started:,} (and live jobs without runs); the other "
        f"{started - billed:,} have no job usage in billing (all-purpose compute is billed to its cluster, "
        "not to the run, and a run's usage can land hours after it ends)."
    )


def trust_bridge(trust: pd.DataFrame, teams: pd.DataFrame, start_time: datetime) -> list[tuple[str, str]]:
    """The overview's headline cost, what the reconciliation adds or removes, and its per-run total.

    ``teams`` is the teams summary of every team (the headline without a team filter); ``start_time``
    the window's first instant (UTC)."""
    headline = round(_total(teams, "list_cost_usd"), 2)
    per_run = round(_total(trust, "run_costs_list_cost_usd"), 2)
    since = f"{start_time:%Y-%m-%d %H:%M} UTC"
    day = f"{start_time:%Y-%m-%d}"
    return [
        (f"Overview headline: runs started since {since}, all teams", fmt_money(headline)),
        (
            f"{'+' if per_run >= headline else '−'} whole UTC days from {day} 00:00, runs dated by first usage",
            fmt_money(abs(per_run - headline)),
        ),
    ]
