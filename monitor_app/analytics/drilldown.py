"""Drill-down queries of the app shell: teams -> a team's jobs -> a job's runs -> a run's tasks, and data freshness.

Every function is ``fn(engine, filters, ...) -> DataFrame``; its SQL lives beside this module in
``drilldown_<name>.sql``. Aggregation happens in the engine and results are small (runs are capped at
``MAX_RUNS`` rows). Money is list price in USD and DBUs are net of billing corrections; both are returned as
DOUBLE for display (the exact DECIMAL sums live in ``monitor.run_costs``).

Columns
-------
teams_summary
    team, jobs, runs, succeeded, failed, running, success_rate (succeeded / (succeeded + failed), NULL when
    none decided), dbus, list_cost_usd, last_run_time.
team_jobs
    workspace_id, job_id, name, team, runs, succeeded, failed, running, success_rate, p50_duration_seconds
    (successful runs), last_run_time, last_outcome, dbus, list_cost_usd, paused, schedule_cron, is_deleted.
job_days
    workspace_id, job_id, day (DATE, UTC), runs, failed: days with at least one run started.
team_days
    team, day (DATE, UTC), runs, succeeded, failed, list_cost_usd: days with at least one run started;
    summed over the days, teams_summary's runs, outcomes and cost.
job_runs
    workspace_id, job_id, job_name, team, run_id, start_time, end_time, duration_seconds,
    queue_duration_seconds, outcome, result_state, termination_code, repair_count, trigger_type, dbus,
    list_cost_usd (NULL when billing has no row for the run yet).
run_summary
    one row: workspace_id, job_id, job_name, team, run_id, run_name, start_time, end_time, duration_seconds,
    queue_duration_seconds, outcome, result_state, first_outcome, termination_code, repair_count,
    trigger_type, tasks, task_runs, task_retries, dbus, list_cost_usd, retracted_dbus, restated_dbus,
    unpriced_dbus, sku_names, is_serverless.
run_tasks
    task_key, attempt_number, is_retry, task_run_id, start_time, end_time, duration_seconds, outcome,
    result_state, termination_code, compute_ids.
data_freshness
    source (job timeline, billing, node timeline, jobs), table_name, newest_time (NULL when empty).
"""

from __future__ import annotations

import pandas as pd

from data.engines import Engine
from data.sql_files import sql_beside
from monitor_app.analytics.registry import metric
from monitor_app.filters import Filters

# drilldown_runs.sql returns at most this many runs (newest first): a table and chart stay readable and fast.
MAX_RUNS = 500


def _sql(name: str) -> str:
    return sql_beside(__file__, f"drilldown_{name}")


@metric("teams_summary")
def teams_summary(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Per team: jobs, runs in the window, outcomes, success rate and list-price cost."""
    return engine.execute(_sql("teams"), filters.to_params())


@metric("team_jobs")
def team_jobs(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Per job in scope (the filters' team, workspace, job): runs, outcomes, median duration, list-price cost."""
    return engine.execute(_sql("jobs"), filters.to_params())


@metric("job_days")
def job_days(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Per job in scope and UTC day of the window with a run: runs and failed runs (the sparklines)."""
    return engine.execute(_sql("job_days"), filters.to_params())


@metric("team_days")
def team_days(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Per team in scope and UTC day of the window with a run: runs, outcomes and list-price cost (the
    overview's trend charts; they add up to ``teams_summary``)."""
    return engine.execute(_sql("team_days"), filters.to_params())


def daily_totals(days: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """``team_days`` summed over teams for every UTC day the window touches (zeros where nothing ran):
    day (ISO text), runs, succeeded, failed, list_cost_usd, success_rate (NaN without a finished run)."""
    calendar = window_calendar(filters)
    columns = ["runs", "succeeded", "failed", "list_cost_usd"]
    if len(days):
        keyed = days.assign(day=[pd.Timestamp(d).date().isoformat() for d in days["day"]])
        summed = keyed.groupby("day")[columns].sum()
    else:
        summed = pd.DataFrame(columns=columns, dtype="float64")
    out = summed.reindex(calendar, fill_value=0).rename_axis("day").reset_index()
    for name in ("runs", "succeeded", "failed"):
        out[name] = out[name].astype("int64")
    out["list_cost_usd"] = out["list_cost_usd"].astype("float64")
    decided = out["succeeded"] + out["failed"]
    out["success_rate"] = [s / d if d else None for s, d in zip(out["succeeded"], decided, strict=True)]
    return out


def window_calendar(filters: Filters) -> list[str]:
    """Every UTC day the window touches, as ISO dates (a 30-day window ending mid-day touches 31)."""
    first, last = filters.start_time.date(), (filters.end_time - pd.Timedelta(microseconds=1)).date()
    return [d.isoformat() for d in pd.date_range(first, last, freq="D").date]


def daily_series(days: pd.DataFrame, filters: Filters) -> dict[tuple[str, str], list[tuple[str, int, int]]]:
    """Each job's ``(day, runs, failed)`` for every UTC day the window touches, zeros where it did not run."""
    calendar = window_calendar(filters)
    out: dict[tuple[str, str], list[tuple[str, int, int]]] = {}
    for (workspace_id, job_id), rows in days.groupby(["workspace_id", "job_id"], sort=False):
        seen = {
            pd.Timestamp(d).date().isoformat(): (int(r), int(f))
            for d, r, f in rows[["day", "runs", "failed"]].itertuples(index=False)
        }
        out[(str(workspace_id), str(job_id))] = [(d, *seen.get(d, (0, 0))) for d in calendar]
    return out


@metric("job_runs")
def job_runs(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Runs in the window, newest first (of the filters' job, else of every job in scope), with list-price cost."""
    return engine.execute(_sql("runs"), filters.to_params())


def run_summary(engine: Engine, filters: Filters, run_id: str) -> pd.DataFrame:
    """One job run (of the filters' workspace when set): outcome, repairs, task counts, list-price cost.

    Not windowed: a run is shown wherever a link points, even outside the current window.
    """
    return engine.execute(_sql("run"), {"run_id": str(run_id), "workspace_id": filters.workspace_id})


def run_tasks(engine: Engine, filters: Filters, run_id: str) -> pd.DataFrame:
    """The task runs of one job run in start order, each attempt its own row (for the timeline)."""
    return engine.execute(_sql("tasks"), {"run_id": str(run_id), "workspace_id": filters.workspace_id})


@metric("job_owners")
def job_owners(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Per job: its creator and the user it runs as (the owner an alert names)."""
    return engine.execute(_sql("job_owners"), filters.to_params())


@metric("data_freshness")
def data_freshness(engine: Engine, filters: Filters | None = None) -> pd.DataFrame:
    """Newest row of each source: job timeline, billing, node timeline, jobs (filters are not used)."""
    return engine.execute(_sql("freshness"), {})


def model_refreshed_at(engine: Engine) -> pd.Timestamp | None:
    """When the derived model was last rebuilt (NULL when the refresh log is empty)."""
    frame = engine.execute(_sql("model_refresh"), {})
    value = frame.iloc[0, 0] if len(frame) else None
    return None if value is None or pd.isna(value) else pd.Timestamp(value)
