"""Cost visibility: what job runs, jobs and teams cost, whether the numbers can be trusted, and waste.

Every amount in $ is at **list price** (``system.billing.list_prices``), not the account's contract price:
columns say so (``list_cost_usd``) and views must label it. DBUs and $ are net of billing corrections
(ORIGINAL + RETRACTION + RESTATEMENT). The SQL of each metric lives in ``cost/<metric>.sql`` beside this
module, reads the derived model (``monitor.*``, docs/data-model.md) and, where the model has no such
relation, the raw system tables.

A run belongs to a window when it started in it (``monitor.job_runs.start_time``; a run that billing knows
but the timeline does not yet is placed by its first usage). Thresholds are keyword arguments with the
defaults of the shared monitoring definitions; each function ignores keywords meant for other metrics, so
``fn(engine, filters, **settings.thresholds)`` works for any metric.

Speed: the per-run cost facts (a run's costs with its start, job and compute kind, its DBU spike baseline)
and the apportioned task costs are materialized at refresh (``monitor.run_spend``, ``monitor.task_spend``),
so a metric filters one table by time instead of joining runs to costs and recomputing windows on every
call. The spike baseline depends on two thresholds (``spike_ratio``, ``spike_min_baseline_runs``):
run_spend holds it for the defaults below, and a call that overrides either runs the same dbu_spikes.sql
over run_spend's own query inline (``dbu_spikes_live``), with its thresholds: one source for both paths.
Per-run and per-task metrics return at most ``filters.row_limit`` rows (newest first).
cost_trust reads billing as grouped at refresh (``monitor.billing_jobs_usage``, up to a watermark) plus the
usage ingested since, live: usage the model missed is still found (see ``cost/cost_trust.sql``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from data.baselines import SPIKE_DEFAULTS
from data.engines import Engine
from data.sql_files import inline_relations, load_sql, model_query
from monitor_app.analytics.registry import metric
from monitor_app.filters import Filters

SQL_DIR = Path(__file__).with_suffix("")

# The metrics of this module, for the benchmarks and the docs (CLI: python -m monitor_app metrics NAME).
COST_METRICS = (
    "run_costs",
    "job_costs",
    "task_costs",
    "cost_trust",
    "team_costs",
    "team_spend",
    "cost_movers",
    "attribution_coverage",
    "dbu_spikes",
    "zombie_jobs",
    "all_purpose_jobs",
)

# Defaults from the shared monitoring definitions (Cost section); README "thresholds" keys of the same name.
# The spike defaults are defined once, in data/baselines.py (SPIKE_DEFAULTS): the refresh binds them when it
# materializes the baseline (data/model/run_spend.sql), which is only read for calls with these values.
SPIKE_RATIO = float(SPIKE_DEFAULTS["ratio"])  # a run above 2x the p90 DBUs of its baseline runs
MIN_BASELINE_USD = float(SPIKE_DEFAULTS["min_baseline_usd"])  # floors so that cents never alert ...
MIN_EXCESS_USD = float(SPIKE_DEFAULTS["min_excess_usd"])  # ... and the spike costs at least $50 more
SPIKE_BASELINE_DAYS = (
    30  # the baseline: the job's runs of the previous 30 days (fixed in data/model/run_spend.sql)
)
SPIKE_MIN_BASELINE_RUNS = int(
    SPIKE_DEFAULTS["min_baseline_runs"]
)  # fewer runs than this make a p90 meaningless (definitions: 5-7 runs)
ZOMBIE_MIN_DAILY_USD = 1.0  # a zombie costs at least $1 a day on average over the window
ZOMBIE_MAX_ROWS = 100  # "(almost) no rows": at most 100 rows written over the window
TEAM_SPEND_GRAINS = ("day", "week")
# The threshold names the cost metrics take (monitor.yaml ``thresholds:``; README).
THRESHOLD_NAMES = (
    "spike_ratio",
    "min_baseline_usd",
    "min_excess_usd",
    "spike_min_baseline_runs",
    "zombie_min_daily_usd",
    "zombie_max_rows",
)


def _sql(name: str) -> str:
    return load_sql(SQL_DIR / f"{name}.sql")


def _run(engine: Engine, name: str, filters: Filters, **extra: Any) -> pd.DataFrame:
    return engine.execute(_sql(name), {**filters.to_params(), **extra})


@metric("run_costs")
def run_costs(engine: Engine, filters: Filters, **_other_thresholds: Any) -> pd.DataFrame:
    """Cost of each job run in the window: DBUs and list-price $, net of billing corrections.

    Returns
    -------
    DataFrame, newest run first, one row per costed job run, at most ``filters.row_limit`` rows (the newest:
    a job's cost history stays contiguous in time when cut):
        workspace_id, job_id, job_name, team, run_id : identity (team 'unattributed' when none)
        start_time, end_time, duration_seconds, result_state : from monitor.job_runs (NULL if not yet there)
        dbus, list_cost_usd : net DBUs and list-price $ (list_cost_usd NULL when no usage is priced)
        original_dbus, retracted_dbus, restated_dbus : DBUs per record type (retracted is negative)
        unpriced_dbus : net DBUs with no list price at usage time (not counted as $0 silently)
        is_serverless, sku_names : how the run was billed
    """
    return _run(engine, "run_costs", filters)


@metric("job_costs")
def job_costs(engine: Engine, filters: Filters, **_other_thresholds: Any) -> pd.DataFrame:
    """Cost of each job over the window: runs, DBUs, list-price $ and $ per run.

    Returns
    -------
    DataFrame, most expensive first, one row per job with a run in the window:
        workspace_id, job_id, job_name, team
        runs : runs that started in the window; costed_runs : those with billing rows
        dbus, list_cost_usd : net totals over the window
        list_cost_usd_per_run, dbus_per_run : totals / costed_runs
        retracted_dbus, restated_dbus, unpriced_dbus : corrections and unpriced usage in the totals
        first_run_time, last_run_time
    """
    return _run(engine, "job_costs", filters)


@metric("task_costs")
def task_costs(engine: Engine, filters: Filters, **_other_thresholds: Any) -> pd.DataFrame:
    """Estimated cost of each task run: the job run's cost apportioned by task-run duration.

    Billing is per job run (no task key), so each job run's DBUs and list-price $ are split among its task
    runs in proportion to their duration (tasks share the job cluster); evenly when no task has a duration.

    Returns
    -------
    DataFrame, newest job run first (its task runs together, by start), one row per task run of a costed job
    run in the window, at most ``filters.row_limit`` rows:
        workspace_id, job_id, job_name, job_run_id, task_run_id, task_key, attempt_number
        start_time, duration_seconds, result_state
        cost_share : fraction of the job run's cost (sums to 1 per job run)
        dbus, list_cost_usd : cost_share x the job run's net DBUs / list-price $
        is_estimate : always True (an apportionment, not billed per task)
    """
    return _run(engine, "task_costs", filters)


@metric("cost_trust")
def cost_trust(engine: Engine, filters: Filters, **_other_thresholds: Any) -> pd.DataFrame:
    """Per day: billing corrections, unpriced usage, freshness, and per-run costs reconciled with billing.

    Only the workspace filter applies: the reconciliation covers all JOBS usage of the window's UTC days
    (from the day of ``start_time``). Usage with a job run id is dated by its run's first usage, as
    monitor.run_costs is, so that ``billing_jobs_list_cost_usd = run_costs_list_cost_usd +
    no_run_id_list_cost_usd`` exactly (DECIMAL).

    Returns
    -------
    DataFrame, one row per UTC day:
        usage_day, billing_rows
        net_dbus, original_dbus, retracted_dbus, restated_dbus : JOBS usage by record type (net = sum of all)
        unpriced_dbus : DBUs with no list price at usage time (no $ on either side)
        newest_usage_end_time, newest_ingestion_date : freshness of the day's billing rows
        costed_runs, run_costs_dbus, run_costs_list_cost_usd : sum of the per-run costs (monitor.run_costs)
        billing_jobs_list_cost_usd : all JOBS usage in billing, list price
        difference_list_cost_usd : billing - per-run sum
        no_run_id_dbus, no_run_id_list_cost_usd : JOBS usage without a job run id (explains the difference)
        unexplained_list_cost_usd, unexplained_dbus : what is left (0 when the model is right)
        reconciles : both unexplained amounts are exactly 0
        all_purpose_job_runs, all_purpose_jobs : job runs on all-purpose compute, billed as ALL_PURPOSE and
            not attributable (not in the JOBS total)
    """
    return _run(engine, "cost_trust", filters)


@metric("team_costs")
def team_costs(engine: Engine, filters: Filters, **_other_thresholds: Any) -> pd.DataFrame:
    """Spend per team over the window, its trend against the previous window and its top job.

    Returns
    -------
    DataFrame, most expensive team first:
        team : from monitor.job_teams ('unattributed' when no rule applies)
        jobs, runs : jobs with a costed run in the window, costed runs
        dbus, list_cost_usd : net totals over the window
        previous_list_cost_usd : the window of the same length just before
        change_list_cost_usd, change_pct : list_cost_usd - previous (pct NULL when previous is 0)
        spend_share : fraction of the window's spend (within the filters)
        top_job_workspace_id, top_job_id, top_job_name, top_job_list_cost_usd : the team's costliest job
    """
    previous_start = filters.start_time - (filters.end_time - filters.start_time)
    return _run(engine, "team_costs", filters, previous_start_time=previous_start.replace(tzinfo=None))


@metric("team_spend")
def team_spend(
    engine: Engine, filters: Filters, grain: str = "day", **_other_thresholds: Any
) -> pd.DataFrame:
    """Spend per team per day or week (list price), for the stacked spend-over-time chart.

    Parameters
    ----------
    grain
        ``"day"`` (UTC days) or ``"week"`` (weeks starting Monday, UTC).

    Returns
    -------
    DataFrame ordered by period_start, team: period_start (DATE), team, runs, dbus, list_cost_usd.
    """
    if grain not in TEAM_SPEND_GRAINS:
        raise ValueError(f"grain must be one of {', '.join(TEAM_SPEND_GRAINS)}, got {grain!r}")
    return _run(engine, "team_spend", filters, grain=grain)


@metric("cost_movers")
def cost_movers(engine: Engine, filters: Filters, **_other_thresholds: Any) -> pd.DataFrame:
    """Top movers week over week: jobs whose spend changed most, last 7 days of the window vs the 7 before.

    Returns
    -------
    DataFrame, largest absolute change first (jobs whose spend did not change are left out):
        workspace_id, job_id, job_name, team
        runs, previous_runs : costed runs in each week
        list_cost_usd, previous_list_cost_usd : list-price $ in the last 7 days and the 7 days before
        change_list_cost_usd, change_pct : difference (pct NULL when the previous week is 0)
    """
    week_start = filters.end_time - timedelta(days=7)
    return _run(
        engine,
        "cost_movers",
        filters,
        week_start_time=week_start.replace(tzinfo=None),
        previous_week_start_time=(week_start - timedelta(days=7)).replace(tzinfo=None),
    )


@metric("attribution_coverage")
def attribution_coverage(engine: Engine, filters: Filters, **_other_thresholds: Any) -> pd.DataFrame:
    """Share of the window's job spend attributed to a team, by attribution method.

    Returns
    -------
    DataFrame, one row per ``attributed_by`` value (job tags, billing tags, rules, then none):
        method : job_tag | billing_tag | rule | none
        attributed_by : e.g. job_tag:team, billing_tag:team, rule:<rule name>, none
        jobs, runs, teams : covered by this method in the window
        dbus, list_cost_usd : their net spend
        spend_share : fraction of the window's spend
        attributed_share : fraction attributed by any method (the coverage headline; same on every row)
    """
    return _run(engine, "attribution_coverage", filters)


@metric("dbu_spikes")
def dbu_spikes(
    engine: Engine,
    filters: Filters,
    spike_ratio: float = SPIKE_RATIO,
    min_baseline_usd: float = MIN_BASELINE_USD,
    min_excess_usd: float = MIN_EXCESS_USD,
    spike_min_baseline_runs: int = SPIKE_MIN_BASELINE_RUNS,
    **_other_thresholds: Any,
) -> pd.DataFrame:
    """Runs whose DBUs exceed 2x the job's baseline p90 DBUs (earlier spikes excluded), above cost floors.

    Baseline: the job's costed runs of the 30 days before the run (a window frame), without earlier
    spikes (two passes: runs above the ratio against all previous runs are dropped from the baseline),
    at least ``spike_min_baseline_runs`` runs. A spike needs ``dbus > spike_ratio x baseline_p90_dbus``,
    ``baseline_list_cost_usd >= min_baseline_usd`` and ``excess_list_cost_usd >= min_excess_usd``.

    Returns
    -------
    DataFrame, largest excess first:
        workspace_id, job_id, job_name, team, run_id, start_time, result_state
        dbus, list_cost_usd : the run's net DBUs and list-price $
        baseline_runs, baseline_p90_dbus, baseline_median_dbus : the baseline behind the flag
        ratio : dbus / baseline_p90_dbus; threshold_ratio : spike_ratio
        baseline_list_cost_usd : baseline_p90_dbus at the run's own $ per DBU (what a normal run costs)
        excess_dbus, excess_list_cost_usd : above the baseline p90 (list price)
    """
    thresholds = {
        "spike_ratio": float(spike_ratio),
        "min_baseline_usd": float(min_baseline_usd),
        "min_excess_usd": float(min_excess_usd),
        "min_baseline_runs": int(spike_min_baseline_runs),
    }
    if uses_materialized_spike_baseline(spike_ratio, spike_min_baseline_runs):
        return _run(engine, "dbu_spikes", filters, **thresholds)
    return dbu_spikes_live(engine, filters, **thresholds)


def uses_materialized_spike_baseline(spike_ratio: float, spike_min_baseline_runs: int) -> bool:
    """True when monitor.run_spend holds the baseline these thresholds shape (the defaults of run_spend.sql).

    The cost floors (``min_baseline_usd``, ``min_excess_usd``) only filter, so any values use it.
    """
    return float(spike_ratio) == SPIKE_RATIO and int(spike_min_baseline_runs) == SPIKE_MIN_BASELINE_RUNS


def dbu_spikes_live(engine: Engine, filters: Filters, **thresholds: Any) -> pd.DataFrame:
    """dbu_spikes with the baseline computed on the call for these thresholds.

    One source for both paths: dbu_spikes.sql over data/model/run_spend.sql run inline with the call's
    thresholds bound as the refresh binds the defaults (``:spike_*``), instead of over the relation the
    refresh materialized. ``thresholds``: spike_ratio, min_baseline_usd, min_excess_usd, min_baseline_runs.
    """
    inline = inline_relations(_sql("dbu_spikes"), {"monitor.run_spend": model_query("run_spend")})
    spike = {
        "spike_ratio": thresholds["spike_ratio"],
        "spike_min_baseline_runs": thresholds["min_baseline_runs"],
        "spike_min_baseline_usd": thresholds["min_baseline_usd"],
        "spike_min_excess_usd": thresholds["min_excess_usd"],
    }
    return engine.execute(inline, {**filters.to_params(), **thresholds, **spike})


@metric("zombie_jobs")
def zombie_jobs(
    engine: Engine,
    filters: Filters,
    zombie_min_daily_usd: float = ZOMBIE_MIN_DAILY_USD,
    zombie_max_rows: int = ZOMBIE_MAX_ROWS,
    **_other_thresholds: Any,
) -> pd.DataFrame:
    """Scheduled jobs that cost money while writing (almost) no rows or only tables nobody reads.

    A zombie is scheduled (cron set, not paused, not deleted), ran in the window and cost at least
    ``zombie_min_daily_usd`` per day on average, and either wrote at most ``zombie_max_rows`` rows
    (collected.table_history; judged only when the job's commits or target tables are collected), or every
    table it wrote (table_lineage) had no reader other than itself in the window, unless its commits show
    more than ``zombie_max_rows`` rows written (real output is likely read outside lineage).

    Returns
    -------
    DataFrame, largest monthly waste first:
        workspace_id, job_id, job_name, team, schedule_cron
        reason : no_rows_written | tables_not_read | both, comma-separated
        runs, last_run_time, dbus, list_cost_usd : in the window (list price)
        list_cost_usd_per_day : list_cost_usd / window days
        monthly_wasted_list_cost_usd : list_cost_usd x 30 / window days
        commits, rows_written : the job's commits in the window and the rows they wrote
        tables_written : distinct tables written (commits and lineage)
        unread_tables : lineage targets without any other reader; readers : distinct readers of its tables

    Reads the facts materialized at refresh (monitor.zombie_job_days, zombie_run_commits,
    zombie_table_days: whole days of the window from daily rollups, its first and last day per run), exact
    for a window of at least one day; a shorter window reads the same query with the table rollup computed
    inline over the window's lineage and commits (``zombie_jobs_live``). The thresholds only filter, so any
    values use the facts.
    """
    run = zombie_jobs_live if filters.days < 1 else _zombie_jobs
    return run(engine, filters, zombie_min_daily_usd, zombie_max_rows)


def zombie_jobs_live(
    engine: Engine,
    filters: Filters,
    zombie_min_daily_usd: float = ZOMBIE_MIN_DAILY_USD,
    zombie_max_rows: int = ZOMBIE_MAX_ROWS,
) -> pd.DataFrame:
    """zombie_jobs exact for any window, a sub-day one too: the same query, with monitor.zombie_table_days
    computed on the call (data/model/zombie_table_days.sql) from the window's lineage and commits only, so
    every day's first and last event fall inside the window. The runs' spend and commits are per run in
    the facts already (exact for any window).
    """
    window_rows = {
        "system.access.table_lineage": _sql("zombie_window_lineage"),
        "collected.table_history": _sql("zombie_window_commits"),
    }
    tables = inline_relations(model_query("zombie_table_days"), window_rows)
    sql = inline_relations(_sql("zombie_jobs"), {"monitor.zombie_table_days": tables})
    return _zombie_jobs(engine, filters, zombie_min_daily_usd, zombie_max_rows, sql=sql)


def _zombie_jobs(
    engine: Engine, filters: Filters, min_daily_usd: float, max_rows: int, sql: str | None = None
) -> pd.DataFrame:
    thresholds = {
        "window_days": float(filters.days),
        "min_daily_usd": float(min_daily_usd),
        "max_rows": int(max_rows),
    }
    return engine.execute(sql or _sql("zombie_jobs"), {**filters.to_params(), **thresholds})


@metric("all_purpose_jobs")
def all_purpose_jobs(engine: Engine, filters: Filters, **_other_thresholds: Any) -> pd.DataFrame:
    """Jobs that ran on all-purpose compute, whose cost billing cannot attribute to the job.

    Returns
    -------
    DataFrame, most all-purpose runs first:
        workspace_id, job_id, job_name, team
        runs : the job's runs in the window; all_purpose_runs : those on all-purpose clusters
        cluster_ids : the all-purpose clusters used (cluster_source UI or API)
        last_run_time
        note : why their cost is missing from job costs (billed as ALL_PURPOSE without the job)
    """
    return _run(engine, "all_purpose_jobs", filters)
