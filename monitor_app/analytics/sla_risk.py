"""SLA-03, runs at risk now: a run in progress that is past most of its allowed window, or whose
projected finish lands after its deadline.

The allowed window is the maximum duration (from the run's start), or the time from the run's scheduled
start to its deadline; a run is at risk past ``window_share`` (80 %) of either. The projected finish is
the start plus the p90 duration of the job's recent successful runs (the baseline the refresh holds in
monitor.run_health). Scheduled start and deadline follow :mod:`monitor_app.analytics.sla`'s rules
(:func:`~monitor_app.analytics.sla_schedule.scheduled_start`, :func:`~monitor_app.analytics.sla_schedule.deadline_for`).

Runs in progress come from the caller (``live_runs``: the Jobs API's active runs) or, when it has none
to give, from the job timeline (a run whose latest row has no result): an imported workspace works too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from data.engines import Engine
from data.sql_files import sql_beside
from monitor_app.analytics.registry import metric
from monitor_app.analytics.sla import DEFAULTS, _job_keys
from monitor_app.analytics.sla_schedule import deadline_for, scheduled_start
from monitor_app.filters import Filters

WINDOW_SHARE = 0.8
# A run reported in progress for longer than this is an abandoned timeline row, not a live run.
MAX_RUN_AGE = timedelta(days=2)

RISK_COLUMNS = [
    "workspace_id",
    "job_id",
    "job_name",
    "team",
    "run_id",
    "start_time",
    "scheduled_start",
    "elapsed_seconds",
    "deadline_utc",
    "deadline_local",
    "timezone_id",
    "max_duration_seconds",
    "window_share",
    "window_share_threshold",
    "baseline_p90_seconds",
    "baseline_runs",
    "projected_end",
    "projected_late_by_seconds",
    "reason",
    "source",
]


def current_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """The version in force now per job: the latest by ``set_at`` (monitor.yaml's first), when active."""
    if targets.empty:
        return targets
    ordered = targets.assign(_ws=targets["workspace_id"].fillna("*")).sort_values(
        "set_at", na_position="first", kind="stable"
    )
    latest = ordered.groupby(["_ws", "job_id"], sort=False).tail(1)
    return latest[latest["is_active"].astype(bool)].drop(columns="_ws").reset_index(drop=True)


def _target_of(targets: pd.DataFrame, workspace_id: str, job_id: str) -> Any:
    mine = targets[
        (targets["job_id"] == job_id)
        & (targets["workspace_id"].isna() | (targets["workspace_id"] == workspace_id))
    ]
    if mine.empty:
        return None
    exact = mine[mine["workspace_id"] == workspace_id]
    return (exact if not exact.empty else mine).iloc[-1]


def _utc(value: Any) -> datetime | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, int | float):  # the Jobs API's epoch milliseconds
        return datetime.fromtimestamp(value / 1000, UTC)
    stamp = pd.Timestamp(value)
    return (stamp if stamp.tzinfo else stamp.tz_localize("UTC")).tz_convert("UTC").to_pydatetime()


@metric("sla_at_risk")
def sla_at_risk(
    engine: Engine,
    filters: Filters,
    targets: pd.DataFrame,
    live_runs: pd.DataFrame | None = None,
    window_share: float = WINDOW_SHARE,
    **_other_thresholds: Any,
) -> pd.DataFrame:
    """Runs in progress at risk of breaching their SLA: past 80 % of the allowed window, or projected late.

    Parameters
    ----------
    engine, filters
        Where to read ``monitor.*``; ``filters.end_time`` is "now"; team and job narrow the jobs.
    targets
        Target versions as :func:`monitor_app.sla_targets.sla_target_history` returns them (passed in,
        never read here); the version in force now applies.
    live_runs
        Runs in progress from the Jobs API (``workspace_id`` when known, ``job_id, run_id, start_time``);
        None reads the job timeline instead.
    window_share
        The share of the allowed window past which a run is at risk (0.8).

    Returns
    -------
    DataFrame
        One row per run at risk, most urgent first: ``RISK_COLUMNS``; ``reason`` is ``overdue`` (already
        past its deadline or maximum), ``past_window`` or ``projected_late``; ``source`` says where the
        run was seen (jobs_api | timeline). Times are UTC.
    """
    if window_share <= 0 or window_share > 1:
        raise ValueError(f"window_share must be in (0, 1], got {window_share}")
    targets = current_targets(targets)
    if targets.empty:
        return pd.DataFrame(columns=RISK_COLUMNS)
    params = filters.to_params()
    params["job_keys"] = _job_keys(targets)
    params["min_baseline_runs"] = DEFAULTS["min_baseline_runs"]
    jobs = engine.execute(sql_beside(__file__, "sla_risk_jobs"), params)
    now = filters.end_time
    if live_runs is None:
        running_params = {**filters.to_params(), "start_time": (now - MAX_RUN_AGE).replace(tzinfo=None)}
        running = engine.execute(sql_beside(__file__, "sla_risk_running"), running_params)
        source = "timeline"
    else:
        running = live_runs.copy()
        source = "jobs_api"
    rows = []
    by_job = {(str(j["workspace_id"]), str(j["job_id"])): j for _, j in jobs.iterrows()}
    by_id: dict[str, list[Any]] = {}
    for key, job in by_job.items():
        by_id.setdefault(key[1], []).append(job)
    for _, run in running.iterrows():
        job_id = str(run["job_id"])
        ws = run.get("workspace_id")
        candidates = by_id.get(job_id, [])
        if ws is not None and not pd.isna(ws):
            candidates = [j for j in candidates if str(j["workspace_id"]) == str(ws)]
        if len(candidates) != 1:
            continue  # not a target job (or an id shared by workspaces the API did not name)
        job = candidates[0]
        target = _target_of(targets, str(job["workspace_id"]), job_id)
        start = _utc(run["start_time"])
        if target is None or start is None or start > now or now - start > MAX_RUN_AGE:
            continue
        row = _assess(job, target, run, start, now, window_share)
        if row is not None:
            rows.append({**row, "source": source})
    out = pd.DataFrame(rows, columns=RISK_COLUMNS)
    if out.empty:
        return out
    urgency = {"overdue": 0, "projected_late": 1, "past_window": 2}
    out = out.assign(_u=out["reason"].map(urgency)).sort_values(
        ["_u", "window_share"], ascending=[True, False]
    )
    return out.drop(columns="_u").reset_index(drop=True)


def _assess(job: Any, target: Any, run: Any, start: datetime, now: datetime, share_at: float) -> dict | None:
    elapsed = (now - start).total_seconds()
    max_s = target["max_duration_seconds"]
    max_s = None if max_s is None or pd.isna(max_s) else float(max_s)
    p90 = job["baseline_p90_seconds"]
    p90 = None if p90 is None or pd.isna(p90) else float(p90)
    queue = run.get("queue_duration_seconds")
    scheduled = scheduled_start(start, job["schedule_cron"], job["schedule_timezone"], queue)
    shares: list[float] = []
    deadline = None
    overdue = False
    if max_s:
        shares.append(elapsed / max_s)
        overdue = overdue or elapsed > max_s
    deadline_local = None
    zone = target["timezone_id"] if isinstance(target["timezone_id"], str) else None
    if isinstance(target["deadline_local_time"], str) and zone:
        deadline = deadline_for(scheduled, target["deadline_local_time"], zone)
        allowed = (deadline - scheduled).total_seconds()
        if allowed > 0:
            shares.append((now - scheduled).total_seconds() / allowed)
        overdue = overdue or now > deadline
        deadline_local = deadline.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    share = max(shares) if shares else 0.0
    projected = start + timedelta(seconds=p90) if p90 is not None else None
    limits = [d for d in (deadline, start + timedelta(seconds=max_s) if max_s else None) if d is not None]
    late_by = None
    if projected is not None and limits:
        late_by = (projected - min(limits)).total_seconds()
    if overdue:
        reason = "overdue"
    elif late_by is not None and late_by > 0:
        reason = "projected_late"
    elif share >= share_at:
        reason = "past_window"
    else:
        return None
    return {
        "workspace_id": str(job["workspace_id"]),
        "job_id": str(job["job_id"]),
        "job_name": job["job_name"],
        "team": job["team"],
        "run_id": str(run["run_id"]),
        "start_time": pd.Timestamp(start),
        "scheduled_start": pd.Timestamp(scheduled),
        "elapsed_seconds": round(elapsed),
        "deadline_utc": pd.Timestamp(deadline) if deadline else pd.NaT,
        "deadline_local": deadline_local,
        "timezone_id": zone,
        "max_duration_seconds": max_s,
        "window_share": round(share, 4),
        "window_share_threshold": share_at,
        "baseline_p90_seconds": p90,
        "baseline_runs": int(job["baseline_runs"]),
        "projected_end": pd.Timestamp(projected) if projected else pd.NaT,
        "projected_late_by_seconds": None if late_by is None else round(late_by),
        "reason": reason,
    }
