"""Job health (JOB-01..04): success rates, consecutive failures, duration regressions, retries.

Every function is ``fn(engine, filters, **thresholds) -> DataFrame``; its SQL lives beside this module in
``health_<name>.sql`` (Databricks SQL, bound parameters, aggregation in the engine). Thresholds default to
the shared monitoring definitions (``DEFAULTS``) and can be overridden per call. Every flag carries the
numbers behind it: the value, the baseline, the threshold and the sample size.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from data.baselines import DURATION_DEFAULTS, duration_params
from data.engines import Engine
from data.sql_files import inline_relations, model_query, sql_beside
from monitor_app.analytics.registry import metric
from monitor_app.analytics.severity import with_severity
from monitor_app.filters import Filters

# Default thresholds, straight from the shared monitoring definitions (every one overridable per call).
DEFAULTS: dict[str, float] = {
    # JOB-01: failure rate over decided runs; a jump of +15 points over the previous window warns too.
    "warn_failure_rate": 0.10,
    "critical_failure_rate": 0.20,
    "failure_rate_jump": 0.15,
    # JOB-02: 2+ consecutive failed completed runs is P1.
    "min_streak": 2,
    # JOB-03: baseline over 30 days, at least 5 runs, same weekday when 5 such runs exist; warn +30%,
    # critical +60%, fast under 50%. Defined in the data layer: the refresh materializes every run's
    # baseline and verdict with exactly these values (monitor.run_health).
    **DURATION_DEFAULTS,
    # JOB-04: >= 5 task retries in the window (repairs are a distinct signal, counted apart and in the
    # retry cost), or retry cost above a floor. The definitions leave the floor open; $50 list price
    # matches the per-run floor of cost spikes.
    "min_retries": 5,
    "retry_cost_floor_usd": 50.0,
    # Our addition: the task retries must touch at least 5% of the job's runs, so an hourly job's routine
    # blips (8 retries in 720 runs) are not "heavy". 0 gives the plain definition.
    "min_retry_run_share": 0.05,
}

# The thresholds each metric takes (it refuses others: a misspelt --threshold is an error).
RATE_THRESHOLDS = ("warn_failure_rate", "critical_failure_rate", "failure_rate_jump")
TEAM_RATE_THRESHOLDS = ("warn_failure_rate", "critical_failure_rate")
STREAK_THRESHOLDS = ("min_streak",)
RETRY_THRESHOLDS = ("min_retries", "min_retry_run_share", "retry_cost_floor_usd")

# The metrics of this module, for benchmarks and the CLI's listing.
HEALTH_METRICS = (
    "success_rates",
    "team_success_rates",
    "consecutive_failures",
    "run_durations",
    "duration_regressions",
    "suspiciously_fast",
    "duration_trend",
    "retries",
)


def _params(filters: Filters, names: tuple[str, ...], overrides: dict[str, Any]) -> dict[str, Any]:
    unknown = set(overrides) - set(names)
    if unknown:
        raise TypeError(f"unknown threshold(s): {', '.join(sorted(unknown))}; known: {', '.join(names)}")
    params = filters.to_params()
    for name in names:
        value = overrides.get(name, DEFAULTS[name])
        if value is None or value < 0:
            raise ValueError(f"threshold {name} must be a non-negative number, got {value!r}")
        params[name] = value
    return params


def _previous_start(filters: Filters) -> Any:
    """Start of the window of the same length just before the filters' window (naive UTC)."""
    return (filters.start_time - (filters.end_time - filters.start_time)).replace(tzinfo=None)


@metric("success_rates", thresholds=RATE_THRESHOLDS)
def success_rates(engine: Engine, filters: Filters, **thresholds: float) -> pd.DataFrame:
    """Final-outcome and first-attempt success rate per job, with run counts and failure-rate status.

    Runs belong to the window of their start time and count once each. Rates are over decided runs
    (final outcome success or failure); cancelled, skipped and running runs are counted apart.

    Parameters
    ----------
    engine, filters
        Where to read ``monitor.*`` and which window, team and job.
    warn_failure_rate, critical_failure_rate : float
        Status ``warn`` when the failure rate is above 0.10, ``critical`` above 0.20.
    failure_rate_jump : float
        Status ``warn`` too when the rate rose by at least 0.15 over the previous window of same length.

    Returns
    -------
    DataFrame
        One row per job with a run in the window: ``workspace_id, job_id, job_name`` (latest name),
        ``team, runs, decided_runs, succeeded, failed, cancelled, skipped, running, other,
        first_attempt_succeeded`` (success with no repair and no task retry), ``success_rate,
        first_attempt_success_rate, flaky_gap`` (the difference), ``failure_rate, previous_decided_runs,
        previous_failure_rate, failure_rate_change, warn_threshold, critical_threshold, jump_threshold,
        status`` (ok | warn | critical | no_data), ``status_reason, last_run_start, last_outcome,
        is_deleted``. Rates are fractions (0-1), NULL without decided runs.
    """
    params = _params(filters, RATE_THRESHOLDS, thresholds)
    params["previous_start_time"] = _previous_start(filters)
    return engine.execute(sql_beside(__file__, "health_success_rates"), params)


@metric("team_success_rates", thresholds=TEAM_RATE_THRESHOLDS)
def team_success_rates(engine: Engine, filters: Filters, **thresholds: float) -> pd.DataFrame:
    """Success rates per team over all its jobs' runs, with the count of jobs at warn and critical.

    Parameters
    ----------
    engine, filters
        As for :func:`success_rates`.
    warn_failure_rate, critical_failure_rate : float
        Status thresholds (0.10 and 0.20), applied to the team and to each of its jobs.

    Returns
    -------
    DataFrame
        One row per team: ``team, jobs, runs, decided_runs, succeeded, failed, cancelled, skipped,
        running, other, first_attempt_succeeded, success_rate, first_attempt_success_rate, failure_rate,
        jobs_warn, jobs_critical, warn_threshold, critical_threshold, status``.
    """
    params = _params(filters, TEAM_RATE_THRESHOLDS, thresholds)
    return engine.execute(sql_beside(__file__, "health_team_success_rates"), params)


@metric("consecutive_failures", thresholds=STREAK_THRESHOLDS)
def consecutive_failures(engine: Engine, filters: Filters, **thresholds: float) -> pd.DataFrame:
    """Jobs whose latest completed runs all failed (2+ in a row: P1), with the streak's evidence.

    A completed run has a decided final outcome (success or failure), ordered by end time. Cancelled and
    skipped runs neither break nor extend a streak; runs in progress are not counted (``running_runs``
    shows them). The streak is read as of the window's end and reported when its latest failure ended in
    the window. Deleted jobs are left out.

    Parameters
    ----------
    engine, filters
        Where and which window, team and job.
    min_streak : int
        Shortest streak reported (2).

    Returns
    -------
    DataFrame
        ``workspace_id, job_id, job_name, team, streak_length, threshold, severity`` (P1),
        ``failing_since`` (end time of the first failure of the streak), ``last_failure_time,
        first_failed_run_id, last_failed_run_id, last_termination_code, last_success_time`` (NULL when
        the job never succeeded), ``has_succeeded, running_runs``.
    """
    params = _params(filters, STREAK_THRESHOLDS, thresholds)
    params["min_streak"] = int(params["min_streak"])
    streaks = engine.execute(sql_beside(__file__, "health_consecutive_failures"), params)
    return with_severity(streaks, "threshold", [(np.ones(len(streaks), dtype=bool), "consecutive_failures")])


_DURATION_THRESHOLDS = (
    "baseline_days",
    "min_baseline_runs",
    "min_same_weekday_runs",
    "warn_pct",
    "critical_pct",
    "fast_ratio",
)


def _durations(
    engine: Engine, filters: Filters, kind: str, thresholds: dict[str, float], exact: bool = False
) -> pd.DataFrame:
    """Runs with their baseline and verdict: ``health_run_durations.sql`` over monitor.run_health.

    The refresh materializes every run's baseline and verdict with ``DURATION_DEFAULTS``, so a call with
    the default thresholds (the app, the CLI without ``--threshold``) only filters. Any other value of a
    threshold that shapes the baseline or the verdict reads the same query over the model's own query
    (data/model/run_health.sql) run inline with the call's thresholds, on the window's history only
    (``health_run_history.sql``): one source for both paths, seconds on a large workspace. ``exact=True``
    forces the inline path (tests prove both give the same frame).
    """
    params = _params(filters, _DURATION_THRESHOLDS, thresholds)
    for name in ("baseline_days", "min_baseline_runs", "min_same_weekday_runs"):
        params[name] = int(params[name])
    params["kind"] = kind
    defaults = all(params[name] == DURATION_DEFAULTS[name] for name in _DURATION_THRESHOLDS)
    sql = sql_beside(__file__, "health_run_durations")
    if exact or not defaults:
        sql, params = _durations_inline(sql, params)
    runs = engine.execute(sql, params)
    status = runs["status"]
    return with_severity(
        runs,
        "status",
        [(status.isin(["critical", "warn"]), "duration_regression"), (status == "fast", "suspiciously_fast")],
    )


def _durations_inline(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``sql`` over run_health.sql computed on the call, bound with the call's thresholds as the refresh
    binds the defaults (``:duration_*``), over the runs from twice the baseline days before the window."""
    history = inline_relations(
        model_query("run_health"), {"monitor.job_runs": sql_beside(__file__, "health_run_history")}
    )
    bound = duration_params(**{name: params[name] for name in DURATION_DEFAULTS})
    start = params["start_time"] - timedelta(days=2 * params["baseline_days"])
    return inline_relations(sql, {"monitor.run_health": history}), {**params, **bound, "history_start": start}


_DURATION_DOC = """

    Baseline of a run: median and p90 of the job's clean successful runs started in the ``baseline_days``
    (30) days before it. Clean: a first pass compares every successful run with the plain median of the
    successful runs before it and drops those at or above +``critical_pct`` or under ``fast_ratio`` of it
    (incidents must not widen the baseline). Runs of the same UTC weekday are used when at least
    ``min_same_weekday_runs`` (5) exist, else all days; a verdict needs ``min_baseline_runs`` (5).

    Parameters
    ----------
    engine, filters
        Where and which window, team and job.
    baseline_days, min_baseline_runs, min_same_weekday_runs : int
        30, 5 and 5.
    warn_pct, critical_pct : float
        0.30 and 0.60 over the baseline median.
    fast_ratio : float
        A successful run under 0.50 x the baseline median is suspiciously fast.

    Returns
    -------
    DataFrame
        One row per run: ``workspace_id, job_id, job_name, team, run_id, start_time, end_time, outcome,
        duration_seconds, baseline_median_seconds, baseline_p90_seconds, baseline_runs`` (sample size),
        ``baseline_basis`` (same_weekday | all_days), ``pct_over_median`` (duration / median - 1),
        ``threshold_pct`` (the threshold crossed, as a fraction over the median), ``status`` (critical |
        warn | fast | ok | insufficient_history | not_evaluated), ``severity`` (P2 when flagged),
        ``task_retries, repair_count``. At most ``filters.row_limit`` rows: the newest runs (start time
        descending), returned in (workspace_id, job_id, start_time, run_id) order.
    """


@metric("run_durations", thresholds=_DURATION_THRESHOLDS)
def run_durations(engine: Engine, filters: Filters, **thresholds: float) -> pd.DataFrame:
    """Every run in the window with its duration baseline and verdict (the job page's run history)."""
    return _durations(engine, filters, "all", thresholds)


@metric("duration_regressions", thresholds=_DURATION_THRESHOLDS)
def duration_regressions(engine: Engine, filters: Filters, **thresholds: float) -> pd.DataFrame:
    """Successful runs at least 30% (warn) or 60% (critical) slower than their baseline median."""
    return _durations(engine, filters, "regression", thresholds)


@metric("suspiciously_fast", thresholds=_DURATION_THRESHOLDS)
def suspiciously_fast(engine: Engine, filters: Filters, **thresholds: float) -> pd.DataFrame:
    """Successful runs under 50% of their baseline median (skipped work or empty input?)."""
    return _durations(engine, filters, "fast", thresholds)


for _fn in (run_durations, duration_regressions, suspiciously_fast):
    _fn.__doc__ = (_fn.__doc__ or "") + _DURATION_DOC


@metric("duration_trend", thresholds=())
def duration_trend(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Median and p90 duration of successful runs per job per UTC day (the duration trend chart).

    Returns
    -------
    DataFrame
        ``workspace_id, job_id, job_name, team, run_date, runs, succeeded, failed, p50_duration_seconds,
        p90_duration_seconds, max_duration_seconds`` (durations NULL on days without a successful run),
        ordered by job and day. At most ``filters.row_limit`` job-days: the newest days are kept.
    """
    return engine.execute(sql_beside(__file__, "health_duration_trend"), filters.to_params())


@metric("retries", thresholds=RETRY_THRESHOLDS)
def retries(engine: Engine, filters: Filters, **thresholds: float) -> pd.DataFrame:
    """Task retries and repairs per job, the DBUs and $ of the extra attempts, flakiness, retry_heavy flag.

    Retry cost of a run = run cost x (task-seconds of superseded task attempts / task-seconds of all its
    attempts); an attempt is superseded when a later attempt of the same task_key ran in the same job run
    (a task retry or a repair re-ran it). A repaired run without task rows falls back to
    ``repair_count / (repair_count + 1)``. Flakiness = runs that succeeded only after a task retry or a
    repair / decided runs (it equals success_rate - first_attempt_success_rate of :func:`success_rates`).

    Parameters
    ----------
    engine, filters
        Where and which window, team and job.
    min_retries : int
        ``retry_heavy`` when task retries in the window reach 5 (repairs are counted apart) ...
    min_retry_run_share : float
        ... in runs making up at least 5% of the job's runs (0: the count alone decides) ...
    retry_cost_floor_usd : float
        ... or when the retry cost reaches $50 (list price).

    Returns
    -------
    DataFrame
        One row per job with a run in the window: ``workspace_id, job_id, job_name, team, runs,
        decided_runs, task_retries, repairs, total_retries, runs_with_task_retries, runs_with_repairs,
        runs_needing_retry, flaky_runs, flakiness, retry_dbus, retry_cost_usd, dbus, cost_usd,
        retry_cost_share, retries_threshold, retry_run_share_threshold, retry_run_share, retry_cost_floor_usd,
        retry_heavy, reason, severity`` (P3
        when retry_heavy). $ are list price.
    """
    params = _params(filters, RETRY_THRESHOLDS, thresholds)
    params["min_retries"] = int(params["min_retries"])
    jobs = engine.execute(sql_beside(__file__, "health_retries"), params)
    return with_severity(jobs, "reason", [(jobs["retry_heavy"].fillna(False), "retry_heavy")])
