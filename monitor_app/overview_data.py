"""What the overview and the shell's sidebar read, as plain loads (no Panel): shared by the views and by
the server, which runs them before the first browser session (``prefetch``) so that session only renders.

Every load goes through ``state.query``, so a prefetched result is found by the views under the same
cache key (identity, function, filters).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pandas as pd

from monitor_app.alerts.config import default_severity
from monitor_app.analytics import cost, drilldown, health, sla_summary
from monitor_app.filters import Filters
from monitor_app.sla_targets import targets_frame
from monitor_app.state import AppState

# The sidebar's team and workspace choices span the longest window, whatever the current one.
OPTIONS_WINDOW_DAYS = 90


@dataclass
class Headline:
    """The data of the overview's headline: totals, what broke, what is at risk, what costs most."""

    teams: pd.DataFrame
    rates: pd.DataFrame
    streaks: pd.DataFrame
    job_costs: pd.DataFrame
    movers: pd.DataFrame
    # the same totals over the window of the same length just before (None: not compared), and its name
    previous: pd.DataFrame | None = None
    compared_to: str = ""
    # the last day of the week the biggest rises are of (the window's last 7 days), e.g. "2026-11-24"
    rises_to: str = ""
    # what the alert engine gives a streak here (consecutive_failures' severity, monitor.yaml's if set)
    streak_severity: str = field(default_factory=lambda: default_severity("consecutive_failures"))


def headline(state: AppState) -> Headline:
    """The headline's data (six small aggregates over the window, 40-80 ms each on the default demo)."""
    window = state.filters().with_(job_id=None)
    return Headline(
        teams=state.query(drilldown.teams_summary, filters=window),
        rates=state.query(state.metric(health.success_rates)),
        streaks=state.query(state.metric(health.consecutive_failures)),
        job_costs=state.query(cost.job_costs),
        movers=state.query(cost.cost_movers),
        previous=state.query(drilldown.teams_summary, filters=window.previous()),
        compared_to=window.compared_to(),
        rises_to=f"{window.end_time - timedelta(microseconds=1):%Y-%m-%d}",
        streak_severity=state.rule_severity("consecutive_failures"),
    )


def filter_options(state: AppState) -> pd.DataFrame:
    """Every job with its team and workspace over the longest window (the sidebar's choices)."""
    return state.query(
        drilldown.team_jobs, filters=Filters(window_days=OPTIONS_WINDOW_DAYS, now=state.filters().now)
    )


def freshness(state: AppState) -> tuple[pd.DataFrame, Any]:
    """Newest row of each source, and when the model was last refreshed (None when unknown)."""
    fresh = state.query(drilldown.data_freshness, filters=Filters())
    try:
        refreshed = state.cache.call(
            state.cache_key,
            "model_refreshed_at",
            drilldown.model_refreshed_at,
            getattr(state.engine, "data_version", None),  # key only: a swapped-in refresh is a new key
            state.engine,
        )
    except Exception:
        refreshed = None
    return fresh, refreshed


def job_health(state: AppState) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The job health table's inputs: success rates and consecutive failures."""
    return state.query(state.metric(health.success_rates)), state.query(
        state.metric(health.consecutive_failures)
    )


@dataclass
class Trends:
    """The overview's trend charts: each team's runs, outcomes and spend per UTC day, SLA attainment per
    day (empty without targets), and every team of the workspace (their colours: ``charts.team_colours``)."""

    days: pd.DataFrame
    totals: pd.DataFrame  # drilldown.daily_totals: every day of the window, all teams summed
    sla_days: pd.DataFrame
    all_teams: list[str]
    calendar: list[str]


def _sla_days(engine: Any, filters: Filters, records: tuple[tuple[Any, ...], ...]) -> pd.DataFrame:
    return sla_summary.sla_days(engine, filters, targets_frame(records))


def trends(state: AppState) -> Trends:
    """The trend charts' data over the window (the whole scope: a job selected lower down does not narrow
    the overview)."""
    window = state.filters().with_(job_id=None)
    records = state.sla_target_records()
    options = filter_options(state)
    days = state.query(drilldown.team_days, filters=window)
    return Trends(
        days=days,
        totals=drilldown.daily_totals(days, window),
        sla_days=state.query(_sla_days, records, filters=window) if records else pd.DataFrame(),
        all_teams=sorted({str(t) for t in options["team"]}),
        calendar=drilldown.window_calendar(window),
    )


@dataclass
class ScopeTotals:
    """A team's or a job's totals over the window and the window before (per team: ``kpis_html``'s input)."""

    now: pd.DataFrame
    previous: pd.DataFrame
    compared_to: str


def _per_team(days: pd.DataFrame) -> pd.DataFrame:
    columns = ["runs", "succeeded", "failed", "list_cost_usd"]
    if days.empty:
        return pd.DataFrame(columns=["team", *columns])
    return days.groupby("team", as_index=False)[columns].sum()


def scope_totals(state: AppState) -> ScopeTotals:
    """The selected team's (or job's, or everything's) runs, outcomes and cost, now and the window before:
    the Jobs and Runs pages' headline."""
    window = state.filters()
    return ScopeTotals(
        now=_per_team(state.query(drilldown.team_days, filters=window)),
        previous=_per_team(state.query(drilldown.team_days, filters=window.previous())),
        compared_to=window.compared_to(),
    )


# What a new session on the overview reads, in the order it needs it.
OVERVIEW_LOADS: tuple[Callable[[AppState], Any], ...] = (
    freshness,
    filter_options,
    headline,
    trends,
    job_health,
)


def prefetch(state: AppState) -> list[str]:
    """Run the overview's loads into the result cache; returns the names of those that failed."""
    failed = []
    for load in OVERVIEW_LOADS:
        try:
            load(state)
        except Exception:  # the session shows the error in place when it asks again
            failed.append(load.__name__)
    return failed
