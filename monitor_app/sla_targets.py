"""SLA targets (SLA-01): validate, save and read the completion target of a job.

A target is a deadline (``HH:MM``, 24 h, local time in an IANA time zone, for scheduled runs) and/or a
maximum duration. Targets come from two places:

- the app (``app_state.sla_targets`` in the state store): every change inserts a new version with who set
  it and when; clearing inserts a version with ``is_active = FALSE``. Nothing is updated in place, so the
  history is kept and :mod:`monitor_app.analytics.sla` can check each run against the target in force at
  its start;
- ``monitor.yaml`` (``Settings.sla_targets``: ``{job_id, workspace_id?, deadline?, timezone?,
  max_duration_minutes?}``), shown with ``set_by = "monitor.yaml"`` and no ``set_at`` (in force from the
  beginning). A target set (or cleared) in the app for the same job wins over the file.

Validation refuses, with a :class:`SlaTargetError` naming the bad value, and saves nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from data.engines import Engine
from data.sql_files import sql_beside
from data.state_store import StateStore
from monitor_app.settings import Settings

# HH:MM on a 24 h clock, two digits each, as the form and monitor.yaml take it.
_DEADLINE = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")

YAML_SOURCE = "monitor.yaml"

TARGET_COLUMNS = [
    "workspace_id",
    "job_id",
    "deadline_local_time",
    "timezone_id",
    "max_duration_seconds",
    "set_by",
    "set_at",
    "is_active",
    "source",
]


class SlaTargetError(ValueError):
    """An SLA target the app refuses; the message says which value and why."""


@dataclass(frozen=True)
class SlaTarget:
    """One version of a job's SLA target."""

    workspace_id: str | None
    job_id: str
    deadline_local_time: str | None
    timezone_id: str | None
    max_duration_seconds: int | None
    set_by: str
    set_at: datetime | None
    is_active: bool = True
    source: str = "app"

    def describe(self) -> str:
        """Plain English, e.g. 'done by 06:00 Europe/Paris, at most 45 min'."""
        if not self.is_active:
            return "no SLA target"
        parts = []
        if self.deadline_local_time:
            parts.append(f"done by {self.deadline_local_time} {self.timezone_id}")
        if self.max_duration_seconds:
            parts.append(f"at most {self.max_duration_seconds / 60:g} min")
        return ", ".join(parts)


def validate_target(
    deadline: str | None, timezone: str | None, max_duration_minutes: float | None
) -> tuple[str | None, str | None, int | None]:
    """Check a target's values; return ``(deadline, timezone, max_duration_seconds)`` normalised.

    Raises
    ------
    SlaTargetError
        Malformed deadline (must be HH:MM, 24 h), unknown IANA time zone, a duration that is not a
        positive number of minutes, or neither a deadline nor a duration.
    """
    deadline = deadline.strip() if isinstance(deadline, str) else deadline
    timezone = timezone.strip() if isinstance(timezone, str) else timezone
    deadline = deadline or None
    timezone = timezone or None
    if deadline is None and max_duration_minutes is None:
        raise SlaTargetError("an SLA target needs a deadline (HH:MM), a maximum duration, or both")
    if deadline is not None and (not isinstance(deadline, str) or not _DEADLINE.match(deadline)):
        raise SlaTargetError(
            f"deadline {deadline!r} is not a time of day as HH:MM on a 24-hour clock (e.g. 06:30)"
        )
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as err:
            raise SlaTargetError(
                f"time zone {timezone!r} is not a known IANA time zone (e.g. Europe/Paris, America/New_York, UTC)"
            ) from err
    max_seconds = None
    if max_duration_minutes is not None:
        if isinstance(max_duration_minutes, bool) or not isinstance(max_duration_minutes, int | float):
            raise SlaTargetError(f"maximum duration {max_duration_minutes!r} is not a number of minutes")
        if not math.isfinite(max_duration_minutes) or max_duration_minutes <= 0:
            raise SlaTargetError(
                f"maximum duration must be a positive number of minutes, got {max_duration_minutes!r}"
            )
        max_seconds = max(1, round(max_duration_minutes * 60))
    return deadline, timezone, max_seconds


def _resolve_job(engine: Engine, workspace_id: str | None, job_id: str) -> pd.Series:
    if not job_id or not str(job_id).strip():
        raise SlaTargetError("a job id is required")
    found = engine.execute(
        sql_beside(__file__, "sla_targets_job"), {"workspace_id": workspace_id, "job_id": str(job_id).strip()}
    )
    where = f" in workspace {workspace_id}" if workspace_id else ""
    if found.empty:
        raise SlaTargetError(f"job {job_id}{where} is not a known job (not in monitor.jobs; refresh first?)")
    if len(found) > 1:
        spaces = ", ".join(found["workspace_id"].astype(str))
        raise SlaTargetError(f"job id {job_id} exists in several workspaces ({spaces}): choose the workspace")
    job = found.iloc[0]
    if bool(job["is_deleted"]):
        raise SlaTargetError(f"job {job_id}{where} is deleted: no SLA target can be set on it")
    return job


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)


def _insert(store: StateStore, target: SlaTarget) -> None:
    params = asdict(target)
    params.pop("source")
    store.engine.execute(sql_beside(__file__, "sla_targets_insert"), params)


def set_sla_target(
    store: StateStore,
    engine: Engine,
    workspace_id: str | None,
    job_id: str,
    deadline: str | None,
    timezone: str | None,
    max_duration_minutes: float | None,
    set_by: str,
    now: datetime | None = None,
) -> SlaTarget:
    """Validate and save a new version of a job's SLA target; nothing is saved when a value is refused.

    Parameters
    ----------
    store
        The app's state store (``app_state.sla_targets``).
    engine
        The workspace-data engine: the job must exist in ``monitor.jobs`` and not be deleted.
    workspace_id
        The job's workspace; None when the job id is unique across workspaces.
    job_id
        The job.
    deadline
        ``HH:MM`` (24 h) local time the run must be done by, or None.
    timezone
        IANA time zone of the deadline; None takes the job's schedule time zone (refused when unknown).
    max_duration_minutes
        Maximum run duration in minutes (> 0), or None.
    set_by
        Who sets it (shown beside the target).
    now
        When (default: now, UTC).

    Returns
    -------
    SlaTarget
        The saved version.

    Raises
    ------
    SlaTargetError
        A refused value, with the reason.
    """
    if not set_by or not str(set_by).strip():
        raise SlaTargetError("who sets the target (set_by) is required")
    deadline, timezone, max_seconds = validate_target(deadline, timezone, max_duration_minutes)
    job = _resolve_job(engine, workspace_id, job_id)
    if deadline is not None and timezone is None:
        timezone = job["schedule_timezone"] if isinstance(job["schedule_timezone"], str) else None
        if not timezone:
            raise SlaTargetError(
                f"deadline {deadline} needs a time zone: job {job_id} has no schedule time zone to take it from"
            )
        validate_target(deadline, timezone, max_duration_minutes)
    target = SlaTarget(
        workspace_id=str(job["workspace_id"]),
        job_id=str(job["job_id"]),
        deadline_local_time=deadline,
        timezone_id=timezone,
        max_duration_seconds=max_seconds,
        set_by=str(set_by).strip(),
        set_at=_now(now),
    )
    _insert(store, target)
    return target


def clear_sla_target(
    store: StateStore,
    workspace_id: str,
    job_id: str,
    set_by: str,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> SlaTarget:
    """Clear a job's SLA target: a new version with ``is_active = FALSE`` (history is kept).

    A target from monitor.yaml is cleared the same way (the app's version wins over the file).

    Raises
    ------
    SlaTargetError
        The job has no active target, or ``set_by`` is empty.
    """
    if not set_by or not str(set_by).strip():
        raise SlaTargetError("who clears the target (set_by) is required")
    active = get_sla_targets(store, settings)
    mine = active[
        (active["job_id"] == str(job_id))
        & (active["workspace_id"].isna() | (active["workspace_id"] == str(workspace_id)))
    ]
    if mine.empty:
        raise SlaTargetError(f"job {job_id} in workspace {workspace_id} has no SLA target to clear")
    target = SlaTarget(
        str(workspace_id), str(job_id), None, None, None, str(set_by).strip(), _now(now), False
    )
    _insert(store, target)
    return target


def yaml_targets(settings: Settings | None) -> tuple[pd.DataFrame, list[str]]:
    """The valid targets of monitor.yaml as rows, and a message for each invalid one (which is skipped)."""
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for i, item in enumerate((settings.sla_targets if settings else None) or []):
        where = f"{YAML_SOURCE} sla_targets[{i}]"
        if not isinstance(item, dict) or not item.get("job_id"):
            problems.append(f"{where}: needs at least job_id and a deadline or max_duration_minutes")
            continue
        try:
            deadline, timezone, max_seconds = validate_target(
                item.get("deadline"), item.get("timezone"), item.get("max_duration_minutes")
            )
            if deadline is not None and timezone is None:
                raise SlaTargetError(f"deadline {deadline} needs a timezone")
        except SlaTargetError as err:
            problems.append(f"{where} (job {item.get('job_id')}): {err}")
            continue
        ws = item.get("workspace_id")
        rows.append(
            {
                "workspace_id": None if ws is None else str(ws),
                "job_id": str(item["job_id"]),
                "deadline_local_time": deadline,
                "timezone_id": timezone,
                "max_duration_seconds": max_seconds,
                "set_by": YAML_SOURCE,
                "set_at": pd.NaT,
                "is_active": True,
                "source": YAML_SOURCE,
            }
        )
    return pd.DataFrame(rows, columns=TARGET_COLUMNS), problems


def sla_target_history(store: StateStore, settings: Settings | None = None) -> pd.DataFrame:
    """Every version of every target: the app's (active and cleared) and monitor.yaml's (``set_at`` NaT).

    Returns
    -------
    DataFrame
        ``workspace_id, job_id, deadline_local_time, timezone_id, max_duration_seconds, set_by, set_at,
        is_active, source`` (app | monitor.yaml), ordered by job then set_at (yaml first).
    """
    app = store.engine.execute(sql_beside(__file__, "sla_targets_history"), {})
    app = app.reindex(columns=TARGET_COLUMNS[:-1]).assign(source="app")
    yaml_rows, _ = yaml_targets(settings)
    frames = [f for f in (yaml_rows, app) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=TARGET_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["set_at"] = pd.to_datetime(out["set_at"], utc=True)
    out["max_duration_seconds"] = out["max_duration_seconds"].astype("Int64")
    return out.sort_values(["job_id", "set_at"], na_position="first", kind="stable").reset_index(drop=True)


def get_sla_targets(store: StateStore, settings: Settings | None = None) -> pd.DataFrame:
    """The targets in force now: the latest app version per job when active, else monitor.yaml's.

    Returns
    -------
    DataFrame
        Same columns as :func:`sla_target_history`, one row per job with a target (``workspace_id`` may
        be None for a monitor.yaml target that applies to the job id in any workspace).
    """
    history = sla_target_history(store, settings)
    app = history[history["source"] == "app"]
    latest = app.groupby(["workspace_id", "job_id"], sort=False).tail(1)
    app_keys = set(zip(latest["workspace_id"], latest["job_id"], strict=True))
    app_jobs = set(latest["job_id"])
    yaml_rows = history[history["source"] == YAML_SOURCE]
    keep_yaml = [
        not ((ws, job) in app_keys or (pd.isna(ws) and job in app_jobs))
        for ws, job in zip(yaml_rows["workspace_id"], yaml_rows["job_id"], strict=True)
    ]
    out = pd.concat([yaml_rows[keep_yaml], latest[latest["is_active"].astype(bool)]], ignore_index=True)
    return out.reindex(columns=TARGET_COLUMNS).sort_values(["workspace_id", "job_id"]).reset_index(drop=True)


def target_records(store: StateStore | None, settings: Settings | None = None) -> tuple[tuple[Any, ...], ...]:
    """Every target version (state store and monitor.yaml) as a hashable tuple: a key of the result cache
    (a changed target is a new key). ``targets_frame`` turns it back into ``sla_target_history``'s frame."""
    if store is None:
        return ()
    history = sla_target_history(store, settings).reindex(columns=TARGET_COLUMNS)
    return tuple(tuple(None if pd.isna(v) else v for v in row) for row in history.itertuples(index=False))


def targets_frame(records: tuple[tuple[Any, ...], ...]) -> pd.DataFrame:
    """The target versions of ``target_records``, as the SLA metrics take them."""
    return pd.DataFrame(list(records), columns=TARGET_COLUMNS)
