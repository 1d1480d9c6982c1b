"""SLA breaches (SLA-02): every completed run of a job with a target, checked against the target in force.

The runs come from ``sla_runs.sql`` over monitor.run_health (the baselines the refresh materialized) or, for
other baseline days, over run_health's own query run inline on the target jobs' runs (``sla_run_history.sql``;
aggregation in the engine). The deadline
arithmetic happens here, in Python, on that small result, because it needs IANA time zones and their
daylight-saving rules (``zoneinfo``).

Speed (a month of a large workspace is thousands of checked runs; a view has a fraction of a second):
the default baseline is read, not computed; other baseline days compute it from the target jobs' runs only,
as window functions over them. The
rules below are written per run (:func:`scheduled_start`, :func:`deadline_for`, in ``sla_schedule``) but applied per job and
per schedule with numpy: the version in force by a search on ``set_at``; the cron's fire times from
croniter's reading of the expression (firing days x times of day), each run taking the latest before it;
UTC offsets from each zone's changes (read from zoneinfo); deadlines once per (deadline, zone, local date).
Where croniter's own DST handling could decide otherwise (a fire time in a gap or a repeated hour, an
offset change between fire time and start, L/W/# expressions), the run asks :func:`scheduled_start`
itself: the results are the per-run rules' to the microsecond
(``tests/monitor_app/analytics/test_sla_equivalence.py`` compares them with the per-run implementation).
``sla_checks`` and ``sla_breaches`` return the newest runs first, at most ``Filters.row_limit``;
``sla_summary`` (in ``sla_summary.py``) aggregates every run, both windows from one read.

Rules
-----
- Checked runs: completed runs (final outcome success or failure) started in the window. Cancelled and
  skipped runs are not checked; runs in progress are the at-risk alert's business (SLA-03).
- Target in force at a run's start: the latest app version set at or before the start (a cleared version
  means no target); else the monitor.yaml target; else, when no target existed yet, the current one.
- Scheduled start: the latest fire time of the job's quartz cron schedule at or before the start (within
  ``MAX_SCHEDULE_LAG``), else ``start_time - queue_duration_seconds``, else the start itself.
- Deadline: the target's HH:MM on the local date of the scheduled start in the target's time zone; when
  that time of day is earlier than the scheduled start's local time of day, the next day's. Converted to
  UTC with the zone's offset on that date (so DST changes are honoured; a deadline inside a spring-forward
  gap is read with the offset before the change).
- Breach: the run failed, or ended after the deadline, or ran longer than the maximum duration.
- Causes (all that apply, ``primary_cause`` the first of failed, started_late, ran_long):
  ``failed``; ``started_late`` when the deadline was missed and start + the job's median duration
  (baseline p50) is already after the deadline (or the start itself is, without a baseline); ``ran_long``
  when over the maximum duration, or when the deadline was missed without a late start (the run took
  longer than the time it had; ``baseline_p90_seconds`` shows how that compares with normal).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from data.baselines import DURATION_DEFAULTS, duration_params
from data.engines import Engine
from data.sql_files import inline_relations, model_query, sql_beside
from monitor_app.analytics.registry import metric
from monitor_app.analytics.severity import default_severity
from monitor_app.analytics.sla_schedule import (
    _NAT,
    _US,
    _datetime_of,
    _deadlines,
    _epoch_us,
    _scheduled_us,
    _utc_series,
)
from monitor_app.analytics.sla_versions import TargetVersions
from monitor_app.filters import Filters

DEFAULTS: dict[str, float] = {
    # Baseline of normal durations (for the started-late and ran-long causes): 30 days, >= 5 runs.
    "baseline_days": 30,
    "min_baseline_runs": 5,
    # Ranking: the recency half-life in days.
    "recency_half_life_days": 7.0,
}

# The SLA metrics: the checks here, the per-day and per-job aggregates in sla_summary.py.
SLA_METRICS = ("sla_breaches", "sla_checks", "sla_days", "sla_summary")

CHECK_COLUMNS = [
    "workspace_id",
    "job_id",
    "job_name",
    "team",
    "run_id",
    "start_time",
    "end_time",
    "duration_seconds",
    "outcome",
    "scheduled_start",
    "start_delay_seconds",
    "deadline_utc",
    "deadline_local",
    "timezone_id",
    "max_duration_seconds",
    "baseline_p50_seconds",
    "baseline_p90_seconds",
    "baseline_runs",
    "late_by_seconds",
    "over_max_by_seconds",
    "failed",
    "deadline_missed",
    "duration_exceeded",
    "breached",
    "causes",
    "primary_cause",
    "severity",
    "list_cost_usd",
    "target_set_by",
    "target_set_at",
    "target_source",
]


def _job_keys(targets: pd.DataFrame) -> str:
    keys = {
        f"{'*' if pd.isna(ws) else ws}:{job}"
        for ws, job in zip(targets["workspace_id"], targets["job_id"], strict=True)
    }
    return ",".join(sorted(keys))


_CAUSES = ("failed", "started_late", "ran_long")
# ``causes`` and ``primary_cause`` of each combination, indexed by failed x 4 + started_late x 2 + ran_long.
_CAUSE_TEXT = np.array(
    [",".join(c for bit, c in zip((4, 2, 1), _CAUSES, strict=True) if k & bit) for k in range(8)],
    dtype=object,
)
_PRIMARY_CAUSE = np.array([text.split(",")[0] or None for text in _CAUSE_TEXT], dtype=object)


def _groups(*keys: np.ndarray) -> list[np.ndarray]:
    """Row positions (ascending) of each distinct combination of the keys (missing values: one key)."""
    codes = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        key_codes, uniques = pd.factorize(key)
        codes = codes * (len(uniques) + 1) + key_codes + 1
    order = np.argsort(codes, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)


def _float(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values).to_numpy(dtype=float, na_value=np.nan)


@dataclass
class _Checked:
    """The checked runs (``sla_runs.sql``'s rows with a target in force, in its order) and, per run, the
    check's values as arrays (timestamps as int64 microseconds since the epoch, UTC)."""

    runs: pd.DataFrame
    versions: TargetVersions
    version: np.ndarray
    start_us: np.ndarray
    scheduled_us: np.ndarray
    deadline_us: np.ndarray
    deadline_local: np.ndarray
    late_by: np.ndarray
    duration: np.ndarray
    over_by: np.ndarray
    p50: np.ndarray
    failed: np.ndarray
    started_late: np.ndarray
    ran_long: np.ndarray
    deadline_missed: np.ndarray
    duration_exceeded: np.ndarray
    breached: np.ndarray

    def __len__(self) -> int:
        return len(self.start_us)

    def take(self, rows: np.ndarray) -> _Checked:
        """The checks of some runs only (positions), e.g. the breaches, or the newest ``row_limit``."""
        arrays = {
            f.name: getattr(self, f.name)[rows] for f in fields(self) if f.name not in ("runs", "versions")
        }
        return _Checked(runs=self.runs.take(rows).reset_index(drop=True), versions=self.versions, **arrays)


def _check(runs: pd.DataFrame, targets: pd.DataFrame) -> _Checked:
    """Check ``sla_runs.sql``'s rows: the module rules, applied to all runs at once.

    Target versions are resolved per job, scheduled starts per schedule (cron and zone, shared by many
    jobs), deadlines per (deadline, zone, local date).
    """
    versions = TargetVersions(targets)
    workspace = runs["workspace_id"].to_numpy(dtype=object)
    job = runs["job_id"].to_numpy(dtype=object)
    cron = runs["schedule_cron"].to_numpy(dtype=object)
    zone = runs["schedule_timezone"].to_numpy(dtype=object)
    start_us = _epoch_us(runs["start_time"])
    queue = _float(runs["queue_duration_seconds"])
    version = np.empty(len(runs), dtype=np.int64)
    for rows in _groups(workspace, job):
        version[rows] = versions.in_force(workspace[rows[0]], job[rows[0]], start_us[rows])
    scheduled_us = np.empty(len(runs), dtype=np.int64)
    for rows in _groups(cron, zone):
        scheduled_us[rows] = _scheduled_us(start_us[rows], cron[rows[0]], zone[rows[0]], queue[rows])

    keep = version >= 0
    if not keep.all():  # a cleared target: its runs are not checked
        runs = runs[keep].reset_index(drop=True)
        version, start_us, scheduled_us = version[keep], start_us[keep], scheduled_us[keep]

    # The target's deadline, once per (deadline, zone, local date).
    deadline_us = np.full(len(runs), _NAT, dtype=np.int64)
    deadline_local = np.full(len(runs), None, dtype=object)
    kinds: dict[tuple[str, str], list[int]] = {}
    for v in np.unique(version).tolist():
        if versions.deadline[v] and versions.zone[v]:
            kinds.setdefault((versions.deadline[v], versions.zone[v]), []).append(v)
    for (deadline_time, zone_name), members in kinds.items():
        rows = np.flatnonzero(np.isin(version, members))
        deadline_us[rows], deadline_local[rows] = _deadlines(scheduled_us[rows], deadline_time, zone_name)

    end_us = _epoch_us(runs["end_time"])
    late_by = np.where((deadline_us != _NAT) & (end_us != _NAT), (end_us - deadline_us) / _US, np.nan)
    deadline_missed = late_by > 0
    duration = _float(runs["duration_seconds"])
    over_by = duration - versions.max_seconds[version]
    duration_exceeded = over_by > 0
    p50 = _float(runs["baseline_p50_seconds"])
    started_late = deadline_missed & _ends_after(start_us, p50, deadline_us, deadline_missed)
    failed = runs["outcome"].to_numpy(dtype=object) == "failure"
    return _Checked(
        runs=runs,
        versions=versions,
        version=version,
        start_us=start_us,
        scheduled_us=scheduled_us,
        deadline_us=deadline_us,
        deadline_local=deadline_local,
        late_by=late_by,
        duration=duration,
        over_by=over_by,
        p50=p50,
        failed=failed,
        started_late=started_late,
        ran_long=duration_exceeded | (deadline_missed & ~started_late),
        deadline_missed=deadline_missed,
        duration_exceeded=duration_exceeded,
        breached=failed | deadline_missed | duration_exceeded,
    )


def _check_frame(checked: _Checked) -> pd.DataFrame:
    """The checks as :data:`CHECK_COLUMNS`, in ``sla_runs.sql``'s order."""
    c, runs, versions = checked, checked.runs, checked.versions
    max_seconds = versions.max_seconds[c.version]
    cause_set = c.failed * 4 + c.started_late * 2 + c.ran_long  # bits in _CAUSES order
    return pd.DataFrame(
        {
            "workspace_id": runs["workspace_id"],
            "job_id": runs["job_id"],
            "job_name": runs["job_name"],
            "team": runs["team"],
            "run_id": runs["run_id"],
            "start_time": runs["start_time"],
            "end_time": runs["end_time"],
            "duration_seconds": c.duration,
            "outcome": runs["outcome"],
            "scheduled_start": _utc_series(c.scheduled_us),
            "start_delay_seconds": (c.start_us - c.scheduled_us) / _US,
            "deadline_utc": _utc_series(c.deadline_us),
            "deadline_local": pd.array(c.deadline_local, dtype="str"),
            "timezone_id": pd.array(versions.zone[c.version], dtype="str"),
            # as the rows built one by one were read: whole numbers unless a target has none
            "max_duration_seconds": max_seconds
            if np.isnan(max_seconds).any()
            else max_seconds.astype(np.int64),
            "baseline_p50_seconds": c.p50,
            "baseline_p90_seconds": _float(runs["baseline_p90_seconds"]),
            "baseline_runs": runs["baseline_runs"].astype(np.int64),
            "late_by_seconds": c.late_by,
            "over_max_by_seconds": c.over_by,
            "failed": c.failed,
            "deadline_missed": c.deadline_missed,
            "duration_exceeded": c.duration_exceeded,
            "breached": c.breached,
            "causes": pd.array(_CAUSE_TEXT[cause_set], dtype="str"),
            "primary_cause": pd.array(_PRIMARY_CAUSE[cause_set], dtype="str"),
            "severity": pd.array(np.where(c.breached, default_severity("sla_breach"), None), dtype="str"),
            "list_cost_usd": _float(runs["list_cost_usd"]),
            "target_set_by": versions.set_by.take(c.version),
            "target_set_at": versions.set_at.take(c.version),
            "target_source": versions.source.take(c.version),
        },
        columns=CHECK_COLUMNS,
    )


def _ends_after(
    start_us: np.ndarray, p50: np.ndarray, deadline_us: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Whether start + baseline p50 (start alone without a baseline) is after the deadline, for ``rows``.

    ``timedelta(seconds=p50)`` rounds to the microsecond; where a float rounding could tip the comparison
    (within 2 microseconds), it is done with datetimes as in the per-run rules.
    """
    shift = np.round(np.nan_to_num(p50) * _US).astype(np.int64)
    expected = start_us + shift
    after = expected > deadline_us
    close = rows & ~np.isnan(p50) & (np.abs(expected - deadline_us) <= 2)
    for i in np.flatnonzero(close):
        after[i] = _datetime_of(start_us[i]) + timedelta(seconds=float(p50[i])) > _datetime_of(deadline_us[i])
    return after


def _checked(
    engine: Engine,
    filters: Filters,
    targets: pd.DataFrame,
    thresholds: dict[str, float],
    since: datetime | None = None,
    exact: bool = False,
) -> _Checked | None:
    """Every check of the window's runs (None: none), newest first (``sla_runs.sql``'s order: start time, then run id,
    descending). Not limited to ``filters.row_limit``: the summary aggregates all of them.

    ``since`` (before the window) adds the runs started from then with their breaches right: what the
    summary's previous window needs (their baselines, hence causes, are not used).

    With the default baseline days the runs and their baselines are read from the per-run facts of the
    refresh (``sla_runs.sql`` over monitor.run_health, no window function); other baseline days, or
    ``exact=True`` (tests prove both give the same rows), read the same query over run_health's own query
    run inline with those days on the target jobs' runs since ``history_start`` (``sla_run_history.sql``).
    """
    params = _run_params(filters, targets, thresholds, since)
    if targets.empty:
        return None
    sql = sql_beside(__file__, "sla_runs")
    if exact or params["baseline_days"] != DURATION_DEFAULTS["baseline_days"]:
        sql, params = _runs_inline(sql, params)
    runs = engine.execute(sql, params)
    return None if runs.empty else _check(runs, targets)


def _run_params(
    filters: Filters, targets: pd.DataFrame, thresholds: dict[str, float], since: datetime | None = None
) -> dict[str, Any]:
    """What ``sla_runs.sql`` binds: the window (from ``since`` when given), the history its baselines read
    (from the window's start minus the baseline days), the baseline thresholds and the target jobs."""
    unknown = set(thresholds) - {"baseline_days", "min_baseline_runs"}
    if unknown:
        raise TypeError(f"unknown threshold(s): {', '.join(sorted(unknown))}")
    baseline_days = int(thresholds.get("baseline_days", DEFAULTS["baseline_days"]))
    params = filters.to_params()
    start = params["start_time"] if since is None else since.astimezone(UTC).replace(tzinfo=None)
    params["start_time"] = start
    params["history_start"] = min(start, filters.to_params()["start_time"] - timedelta(days=baseline_days))
    params["baseline_days"] = baseline_days
    params["min_baseline_runs"] = int(thresholds.get("min_baseline_runs", DEFAULTS["min_baseline_runs"]))
    params["job_keys"] = _job_keys(targets)
    return params


def _runs_inline(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``sql`` over run_health.sql computed on the call: its prior_success_* frame is the baseline days
    (``:duration_baseline_days``); the target jobs' runs, task runs and timeline rows since ``history_start``
    are its input."""
    history = {
        "monitor.job_runs": sql_beside(__file__, "sla_run_history"),
        "monitor.task_runs": sql_beside(__file__, "sla_task_history"),
        "system.lakeflow.job_run_timeline": sql_beside(__file__, "sla_timeline_history"),
    }
    facts = inline_relations(model_query("run_health"), history)
    bound = duration_params(baseline_days=params["baseline_days"])
    return inline_relations(sql, {"monitor.run_health": facts}), {**params, **bound}


def _limited(checked: _Checked | None, row_limit: int | None, breaches_only: bool = False) -> pd.DataFrame:
    """The checks as a frame (newest first), only the breaches if asked, at most ``row_limit`` rows."""
    if checked is None:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    rows = np.flatnonzero(checked.breached) if breaches_only else np.arange(len(checked))
    if row_limit is not None:
        rows = rows[:row_limit]
    return _check_frame(checked if len(rows) == len(checked) else checked.take(rows))


@metric("sla_checks")
def sla_checks(engine: Engine, filters: Filters, targets: pd.DataFrame, **thresholds: float) -> pd.DataFrame:
    """Every completed run of a job with an SLA target, checked against the target in force at its start.

    Parameters
    ----------
    engine, filters
        Where to read ``monitor.*``; which window (runs by start time), team and job; ``row_limit``: the
        newest runs kept.
    targets
        Target versions as :func:`monitor_app.sla_targets.sla_target_history` returns them. Passed in,
        never read here: the CLI, the server and the alert engine load them from the state store.
    baseline_days, min_baseline_runs : int
        Normal-duration baseline behind the causes: successful runs of the previous 30 days, >= 5.

    Returns
    -------
    DataFrame
        One row per checked run, newest first (start time, then run id, descending), at most
        ``filters.row_limit`` rows: ``workspace_id, job_id, job_name, team, run_id, start_time, end_time,
        duration_seconds, outcome, scheduled_start, start_delay_seconds, deadline_utc, deadline_local``
        (text, in the target's zone), ``timezone_id, max_duration_seconds, baseline_p50_seconds,
        baseline_p90_seconds, baseline_runs, late_by_seconds, over_max_by_seconds, failed,
        deadline_missed, duration_exceeded, breached, causes`` (comma-separated: failed, started_late,
        ran_long), ``primary_cause, severity`` (P1 when breached), ``list_cost_usd, target_set_by,
        target_set_at, target_source`` (app | monitor.yaml).
    """
    return _limited(_checked(engine, filters, targets, thresholds), filters.row_limit)


@metric("sla_breaches")
def sla_breaches(
    engine: Engine, filters: Filters, targets: pd.DataFrame, **thresholds: float
) -> pd.DataFrame:
    """SLA breach history: the checked runs that failed, missed the deadline or ran over the maximum.

    Same parameters and columns as :func:`sla_checks`, only the rows with ``breached`` true, newest first
    (at most ``filters.row_limit``).
    """
    checked = _checked(engine, filters, targets, thresholds)
    return _limited(checked, filters.row_limit, breaches_only=True)
