"""SLA breaches (SLA-02): every completed run of a job with a target, checked against the target in force.

The runs come from ``sla_runs.sql`` (only jobs with a target; aggregation in the engine). The deadline
arithmetic happens here, in Python, on that small result, because it needs IANA time zones and their
daylight-saving rules (``zoneinfo``).

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
- Ranking score (``sla_summary``): ``100 x breach_rate x (0.5 + 0.5 x 0.5 ** (days_since_last_breach /
  7)) x (1 + log10(1 + cost_usd))``: frequency, recency (half-life a week; a breach today counts double
  one long ago) and the job's list-price cost over the window (an expensive job is worth fixing first).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from data.engines import Engine
from data.sql_files import sql_beside
from monitor_app.analytics.registry import metric
from monitor_app.filters import Filters

DEFAULTS: dict[str, float] = {
    # Baseline of normal durations (for the started-late and ran-long causes): 30 days, >= 5 runs.
    "baseline_days": 30,
    "min_baseline_runs": 5,
    # Ranking: the recency half-life in days.
    "recency_half_life_days": 7.0,
}

SLA_METRICS = ("sla_breaches", "sla_checks", "sla_summary")

# A cron fire time further back than this before a run's start is not that run's schedule (manual run).
MAX_SCHEDULE_LAG = timedelta(hours=12)

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

SUMMARY_COLUMNS = [
    "rank",
    "workspace_id",
    "job_id",
    "job_name",
    "team",
    "checked_runs",
    "breaches",
    "breach_rate",
    "failed_breaches",
    "started_late_breaches",
    "ran_long_breaches",
    "previous_checked_runs",
    "previous_breaches",
    "previous_breach_rate",
    "trend",
    "last_breach_time",
    "days_since_last_breach",
    "cost_usd",
    "breach_cost_usd",
    "score",
]


def _default_targets() -> pd.DataFrame:
    """Targets of the configured state store and monitor.yaml (the CLI's path; views pass their own)."""
    from monitor_app.context import open_state_store
    from monitor_app.settings import load_settings
    from monitor_app.sla_targets import sla_target_history

    settings = load_settings()
    return sla_target_history(open_state_store(settings), settings)


def _quartz_to_croniter(expr: str) -> str:
    """Quartz (sec min hour dom month dow [year]; dow 1-7 = SUN-SAT) to croniter's seconds-first form."""
    fields = expr.split()
    if len(fields) == 7:
        fields = fields[:6]
    if len(fields) != 6:
        raise ValueError(f"not a quartz cron expression: {expr!r}")
    dow = fields[5]

    def shift(token: str) -> str:
        return str(int(token) - 1) if token.isdigit() else token

    parts = []
    for item in dow.split(","):
        step = ""
        if "/" in item:
            item, step = item.split("/", 1)
            step = "/" + step
        parts.append("-".join(shift(t) for t in item.split("-")) + step)
    fields[5] = ",".join(parts)
    return " ".join(fields)


def scheduled_start(start: datetime, cron: Any, timezone: Any, queue_seconds: Any) -> datetime:
    """When the run was due: see the module rules (cron fire time, else start - queue time, else start)."""
    if isinstance(cron, str) and cron.strip():
        try:
            from croniter import croniter

            zone = ZoneInfo(timezone if isinstance(timezone, str) and timezone else "UTC")
            local = (start + timedelta(seconds=1)).astimezone(zone)
            fired = croniter(_quartz_to_croniter(cron), local, second_at_beginning=True).get_prev(datetime)
            fired = fired.astimezone(UTC)
            if timedelta(0) <= start - fired <= MAX_SCHEDULE_LAG:
                return fired
        except (ValueError, KeyError, TypeError, ImportError, AttributeError):
            pass  # an expression croniter cannot read: fall back to the queue time
        except Exception:  # croniter's own errors (CroniterBadCronError, ...) derive from Exception
            pass
    if queue_seconds is not None and not pd.isna(queue_seconds) and queue_seconds > 0:
        return start - timedelta(seconds=float(queue_seconds))
    return start


def deadline_for(scheduled: datetime, deadline_local_time: str, timezone_id: str) -> datetime:
    """The deadline (UTC) of a run due at ``scheduled``: see the module rules. DST-aware."""
    zone = ZoneInfo(timezone_id)
    local = scheduled.astimezone(zone)
    hour, minute = (int(p) for p in deadline_local_time.split(":"))
    due = time(hour, minute)
    day = local.date()
    if due < local.time().replace(tzinfo=None):
        day = day + timedelta(days=1)
    return datetime.combine(day, due, tzinfo=zone).astimezone(UTC)


def _target_in_force(versions: pd.DataFrame, start: pd.Timestamp) -> pd.Series | None:
    """The version in force at ``start`` among one job's versions (yaml rows have NaT set_at)."""
    app = versions[versions["source"] == "app"]
    before = app[app["set_at"] <= start]
    if not before.empty:
        latest = before.iloc[-1]
        return latest if bool(latest["is_active"]) else None
    yaml = versions[versions["source"] != "app"]
    if not yaml.empty:
        return yaml.iloc[-1]
    if not app.empty and bool(app.iloc[-1]["is_active"]):
        return app.iloc[-1]
    return None


def _job_keys(targets: pd.DataFrame) -> str:
    keys = {
        f"{'*' if pd.isna(ws) else ws}:{job}"
        for ws, job in zip(targets["workspace_id"], targets["job_id"], strict=True)
    }
    return ",".join(sorted(keys))


def _check(row: Any, target: pd.Series) -> dict[str, Any]:
    start = row.start_time.to_pydatetime()
    end = row.end_time.to_pydatetime() if not pd.isna(row.end_time) else None
    duration = None if pd.isna(row.duration_seconds) else float(row.duration_seconds)
    p50 = None if pd.isna(row.baseline_p50_seconds) else float(row.baseline_p50_seconds)
    deadline_time = target["deadline_local_time"] if isinstance(target["deadline_local_time"], str) else None
    zone = target["timezone_id"] if isinstance(target["timezone_id"], str) else None
    max_seconds = None if pd.isna(target["max_duration_seconds"]) else int(target["max_duration_seconds"])
    scheduled = scheduled_start(start, row.schedule_cron, row.schedule_timezone, row.queue_duration_seconds)
    deadline = deadline_for(scheduled, deadline_time, zone) if deadline_time and zone else None
    failed = row.outcome == "failure"
    late_by = (end - deadline).total_seconds() if deadline is not None and end is not None else None
    deadline_missed = late_by is not None and late_by > 0
    over_by = duration - max_seconds if max_seconds is not None and duration is not None else None
    duration_exceeded = over_by is not None and over_by > 0
    started_late = False
    if deadline_missed:
        expected_end = start + timedelta(seconds=p50) if p50 is not None else start
        started_late = expected_end > deadline
    ran_long = duration_exceeded or (deadline_missed and not started_late)
    causes = [
        c for c, on in (("failed", failed), ("started_late", started_late), ("ran_long", ran_long)) if on
    ]
    breached = failed or deadline_missed or duration_exceeded
    return {
        "workspace_id": row.workspace_id,
        "job_id": row.job_id,
        "job_name": row.job_name,
        "team": row.team,
        "run_id": row.run_id,
        "start_time": row.start_time,
        "end_time": row.end_time,
        "duration_seconds": duration,
        "outcome": row.outcome,
        "scheduled_start": pd.Timestamp(scheduled),
        "start_delay_seconds": (start - scheduled).total_seconds(),
        "deadline_utc": pd.Timestamp(deadline) if deadline is not None else pd.NaT,
        "deadline_local": f"{deadline.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone}"
        if deadline
        else None,
        "timezone_id": zone,
        "max_duration_seconds": max_seconds,
        "baseline_p50_seconds": p50,
        "baseline_p90_seconds": None
        if pd.isna(row.baseline_p90_seconds)
        else float(row.baseline_p90_seconds),
        "baseline_runs": int(row.baseline_runs),
        "late_by_seconds": late_by,
        "over_max_by_seconds": over_by,
        "failed": failed,
        "deadline_missed": deadline_missed,
        "duration_exceeded": duration_exceeded,
        "breached": breached,
        "causes": ",".join(causes),
        "primary_cause": causes[0] if causes else None,
        "severity": "P1" if breached else None,
        "list_cost_usd": None if pd.isna(row.list_cost_usd) else float(row.list_cost_usd),
        "target_set_by": target["set_by"],
        "target_set_at": target["set_at"],
        "target_source": target["source"],
    }


@metric("sla_checks")
def sla_checks(
    engine: Engine, filters: Filters, targets: pd.DataFrame | None = None, **thresholds: float
) -> pd.DataFrame:
    """Every completed run of a job with an SLA target, checked against the target in force at its start.

    Parameters
    ----------
    engine, filters
        Where to read ``monitor.*``; which window (runs by start time), team and job.
    targets
        Target versions as :func:`monitor_app.sla_targets.sla_target_history` returns them; None reads
        the configured state store and monitor.yaml.
    baseline_days, min_baseline_runs : int
        Normal-duration baseline behind the causes: successful runs of the previous 30 days, >= 5.

    Returns
    -------
    DataFrame
        One row per checked run: ``workspace_id, job_id, job_name, team, run_id, start_time, end_time,
        duration_seconds, outcome, scheduled_start, start_delay_seconds, deadline_utc, deadline_local``
        (text, in the target's zone), ``timezone_id, max_duration_seconds, baseline_p50_seconds,
        baseline_p90_seconds, baseline_runs, late_by_seconds, over_max_by_seconds, failed,
        deadline_missed, duration_exceeded, breached, causes`` (comma-separated: failed, started_late,
        ran_long), ``primary_cause, severity`` (P1 when breached), ``list_cost_usd, target_set_by,
        target_set_at, target_source`` (app | monitor.yaml).
    """
    unknown = set(thresholds) - {"baseline_days", "min_baseline_runs"}
    if unknown:
        raise TypeError(f"unknown threshold(s): {', '.join(sorted(unknown))}")
    if targets is None:
        targets = _default_targets()
    if targets.empty:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    params = filters.to_params()
    params["baseline_days"] = int(thresholds.get("baseline_days", DEFAULTS["baseline_days"]))
    params["min_baseline_runs"] = int(thresholds.get("min_baseline_runs", DEFAULTS["min_baseline_runs"]))
    params["job_keys"] = _job_keys(targets)
    runs = engine.execute(sql_beside(__file__, "sla_runs"), params)
    if runs.empty:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    targets = targets.copy()
    targets["set_at"] = pd.to_datetime(targets["set_at"], utc=True)
    rows = []
    for (ws, job), group in runs.groupby(["workspace_id", "job_id"], sort=False):
        mine = targets[
            (targets["job_id"] == job) & (targets["workspace_id"].isna() | (targets["workspace_id"] == ws))
        ]
        mine = mine.sort_values("set_at", na_position="first", kind="stable")
        for row in group.itertuples(index=False):
            target = _target_in_force(mine, row.start_time)
            if target is not None:
                rows.append(_check(row, target))
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


@metric("sla_breaches")
def sla_breaches(
    engine: Engine, filters: Filters, targets: pd.DataFrame | None = None, **thresholds: float
) -> pd.DataFrame:
    """SLA breach history: the checked runs that failed, missed the deadline or ran over the maximum.

    Same parameters and columns as :func:`sla_checks`, only the rows with ``breached`` true, newest first.
    """
    checks = sla_checks(engine, filters, targets, **thresholds)
    out = checks[checks["breached"].astype(bool)]
    return out.sort_values(["start_time", "run_id"], ascending=False).reset_index(drop=True)


def _per_job(checks: pd.DataFrame) -> pd.DataFrame:
    if checks.empty:
        return pd.DataFrame(
            columns=["workspace_id", "job_id", "checked_runs", "breaches", "last_breach_time", "cost_usd"]
        )
    frame = checks.assign(
        breached=checks["breached"].astype(bool),
        cost=checks["list_cost_usd"].astype(float).fillna(0.0),
    )
    frame["breach_cost"] = frame["cost"].where(frame["breached"], 0.0)
    frame["breach_time"] = frame["start_time"].where(frame["breached"])
    for cause in ("failed", "started_late", "ran_long"):
        frame[cause] = frame["breached"] & frame["causes"].str.split(",").apply(lambda c, k=cause: k in c)
    return frame.groupby(["workspace_id", "job_id"], as_index=False).agg(
        job_name=("job_name", "last"),
        team=("team", "last"),
        checked_runs=("run_id", "count"),
        breaches=("breached", "sum"),
        failed_breaches=("failed", "sum"),
        started_late_breaches=("started_late", "sum"),
        ran_long_breaches=("ran_long", "sum"),
        last_breach_time=("breach_time", "max"),
        cost_usd=("cost", "sum"),
        breach_cost_usd=("breach_cost", "sum"),
    )


@metric("sla_summary")
def sla_summary(
    engine: Engine, filters: Filters, targets: pd.DataFrame | None = None, **thresholds: float
) -> pd.DataFrame:
    """SLA breaches per job: count, rate, trend against the previous window and a ranking score.

    Parameters
    ----------
    engine, filters, targets
        As for :func:`sla_checks`.
    recency_half_life_days : float
        Half-life of the recency weight of the score (7 days).

    Returns
    -------
    DataFrame
        One row per job with checked runs, ranked by ``score`` (highest first): ``rank, workspace_id,
        job_id, job_name, team, checked_runs, breaches, breach_rate, failed_breaches,
        started_late_breaches, ran_long_breaches, previous_checked_runs, previous_breaches,
        previous_breach_rate, trend`` (worse | better | same | new), ``last_breach_time,
        days_since_last_breach, cost_usd`` (list price, checked runs), ``breach_cost_usd, score`` =
        100 x breach_rate x (0.5 + 0.5 x 0.5 ** (days_since_last_breach / half-life)) x
        (1 + log10(1 + cost_usd)), 0 without breaches.
    """
    half_life = float(thresholds.pop("recency_half_life_days", DEFAULTS["recency_half_life_days"]))
    if half_life <= 0:
        raise ValueError(f"recency_half_life_days must be positive, got {half_life}")
    if targets is None:
        targets = _default_targets()
    current = _per_job(sla_checks(engine, filters, targets, **thresholds))
    if current.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    length = filters.end_time - filters.start_time
    previous_filters = filters.with_(
        start_date=None, end_date=None, now=filters.start_time, window_days=max(1, length.days)
    )
    previous = _per_job(sla_checks(engine, previous_filters, targets, **thresholds))
    previous = previous.reindex(columns=["workspace_id", "job_id", "checked_runs", "breaches"]).rename(
        columns={"checked_runs": "previous_checked_runs", "breaches": "previous_breaches"}
    )
    out = current.merge(previous, on=["workspace_id", "job_id"], how="left")
    out["previous_checked_runs"] = out["previous_checked_runs"].fillna(0).astype(int)
    out["previous_breaches"] = out["previous_breaches"].fillna(0).astype(int)
    out["breach_rate"] = out["breaches"] / out["checked_runs"]
    out["previous_breach_rate"] = (out["previous_breaches"] / out["previous_checked_runs"]).where(
        out["previous_checked_runs"] > 0
    )

    def trend(row: Any) -> str:
        if pd.isna(row.previous_breach_rate):
            return "new"
        if math.isclose(row.breach_rate, row.previous_breach_rate, abs_tol=1e-9):
            return "same"
        return "worse" if row.breach_rate > row.previous_breach_rate else "better"

    out["trend"] = [trend(r) for r in out.itertuples(index=False)]
    end = pd.Timestamp(filters.end_time)
    out["days_since_last_breach"] = (
        end - pd.to_datetime(out["last_breach_time"], utc=True)
    ).dt.total_seconds() / 86400
    recency = 0.5 + 0.5 * 0.5 ** (out["days_since_last_breach"] / half_life)
    score = 100 * out["breach_rate"] * recency * (1 + (1 + out["cost_usd"]).map(math.log10))
    out["score"] = score.fillna(0.0).round(2)
    out = out.sort_values(
        ["score", "breaches", "workspace_id", "job_id"], ascending=[False, False, True, True]
    )
    out["rank"] = range(1, len(out) + 1)
    return out.reindex(columns=SUMMARY_COLUMNS).reset_index(drop=True)
