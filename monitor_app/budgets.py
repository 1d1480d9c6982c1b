"""Budgets (COST-03): a monthly list-price limit per team or per job, validated, versioned, merged.

Like SLA targets, budgets come from two places:

- ``monitor.yaml`` (``budgets:``, entries ``{team: T, monthly_usd: N}`` or ``{job_id: ID, workspace_id: W,
  monthly_usd: N}``), shown with ``set_by = "monitor.yaml"``;
- the app (``app_state.budgets``): every change inserts a new version with who and when; clearing inserts
  a version with ``is_active = FALSE``. The app's latest version for a team or job wins over the file.

A budget that names no known team or job, or a limit that is zero, negative or not a number, is refused
with a :class:`BudgetError` naming the entry; nothing is saved.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from data.engines import Engine
from data.sql_files import sql_beside
from data.state_store import StateStore
from monitor_app.settings import Settings

YAML_SOURCE = "monitor.yaml"
BUDGET_COLUMNS = [
    "scope",
    "team",
    "workspace_id",
    "job_id",
    "monthly_usd",
    "set_by",
    "set_at",
    "is_active",
    "source",
]


class BudgetError(ValueError):
    """A budget the app refuses; the message names the entry and the reason."""


def _limit(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BudgetError(f"{where}: monthly_usd must be a number of US dollars, got {value!r}")
    if value <= 0:
        raise BudgetError(f"{where}: monthly_usd must be more than 0, got {value!r}")
    return float(value)


def known_teams(engine: Engine) -> set[str]:
    """The teams jobs are attributed to (monitor.job_teams) and 'unattributed'."""
    return set(engine.execute(sql_beside(__file__, "budgets_teams"), {})["team"].astype(str))


def _job(engine: Engine, workspace_id: str | None, job_id: str, where: str) -> pd.Series:
    found = engine.execute(
        sql_beside(__file__, "sla_targets_job"), {"workspace_id": workspace_id, "job_id": str(job_id)}
    )
    in_ws = f" in workspace {workspace_id}" if workspace_id else ""
    if found.empty:
        raise BudgetError(f"{where}: job {job_id}{in_ws} is not a known job (refresh first?)")
    if len(found) > 1:
        spaces = ", ".join(found["workspace_id"].astype(str))
        raise BudgetError(
            f"{where}: job id {job_id} exists in several workspaces ({spaces}): give workspace_id"
        )
    return found.iloc[0]


def validate_budget(
    engine: Engine,
    entry: dict[str, Any],
    where: str,
    teams: set[str] | None = None,
) -> dict[str, Any]:
    """One budget entry checked against the workspace: the normalised row (scope, team or job, limit)."""
    if not isinstance(entry, dict):
        raise BudgetError(f"{where}: expected {{team: T, monthly_usd: N}} or {{job_id: ID, monthly_usd: N}}")
    unknown = set(entry) - {"team", "job_id", "workspace_id", "monthly_usd"}
    if unknown:
        raise BudgetError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    team, job_id = entry.get("team"), entry.get("job_id")
    if (team is None) == (job_id is None):
        raise BudgetError(f"{where}: name either a team or a job_id (not both, not neither)")
    limit = _limit(entry.get("monthly_usd"), where)
    if team is not None:
        team = str(team).strip()
        if team not in (teams if teams is not None else known_teams(engine)):
            raise BudgetError(f"{where}: team {team!r} is not a known team (no job is attributed to it)")
        return {"scope": "team", "team": team, "workspace_id": None, "job_id": None, "monthly_usd": limit}
    ws = entry.get("workspace_id")
    job = _job(engine, None if ws is None else str(ws), str(job_id).strip(), where)
    return {
        "scope": "job",
        "team": None,
        "workspace_id": str(job["workspace_id"]),
        "job_id": str(job["job_id"]),
        "monthly_usd": limit,
    }


def yaml_budgets(settings: Settings | None, engine: Engine) -> pd.DataFrame:
    """monitor.yaml's budgets, validated; the first bad entry raises :class:`BudgetError`."""
    entries = (settings.budgets if settings else None) or []
    if not isinstance(entries, list):
        raise BudgetError(f"{YAML_SOURCE} budgets: expected a list of entries, got {entries!r}")
    teams = known_teams(engine) if any(isinstance(e, dict) and "team" in e for e in entries) else set()
    rows = []
    for i, entry in enumerate(entries):
        row = validate_budget(engine, entry, f"{YAML_SOURCE} budgets[{i}]", teams)
        rows.append(
            {**row, "set_by": YAML_SOURCE, "set_at": pd.NaT, "is_active": True, "source": YAML_SOURCE}
        )
    return pd.DataFrame(rows, columns=BUDGET_COLUMNS)


def budget_history(store: StateStore, settings: Settings | None, engine: Engine) -> pd.DataFrame:
    """Every version: monitor.yaml's (``set_at`` NaT) and the app's, oldest first."""
    app = store.engine.execute(sql_beside(__file__, "budgets_history"), {})
    app = app.reindex(columns=BUDGET_COLUMNS[:-1]).assign(source="app")
    frames = [f for f in (yaml_budgets(settings, engine), app) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=BUDGET_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["set_at"] = pd.to_datetime(out["set_at"], utc=True)
    return out.reset_index(drop=True)


def _key(row: Any) -> tuple:
    # None from the state store becomes NaN once frames are concatenated: both mean "not set"
    return tuple(
        "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
        for v in (row["scope"], row["team"], row["workspace_id"], row["job_id"])
    )


def current_budgets(store: StateStore, settings: Settings | None, engine: Engine) -> pd.DataFrame:
    """The budgets in force: per team or job, the app's latest version when there is one, else the file's."""
    return in_force(budget_history(store, settings, engine))


def in_force(history: pd.DataFrame) -> pd.DataFrame:
    """Of every version (``history``, monitor.yaml's first, then the app's oldest first), per team or job
    the newest one, when it is active."""
    latest: dict[tuple, Any] = {}
    for _, row in history.iterrows():
        latest[_key(row)] = row
    rows = [row for row in latest.values() if bool(row["is_active"])]
    return pd.DataFrame(rows, columns=BUDGET_COLUMNS).reset_index(drop=True)


def set_budget(
    store: StateStore,
    engine: Engine,
    entry: dict[str, Any],
    set_by: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Validate and save a new version of a budget (``entry`` as in monitor.yaml); returns the saved row."""
    if not set_by or not str(set_by).strip():
        raise BudgetError("who sets the budget (set_by) is required")
    row = validate_budget(engine, entry, "budget")
    saved = {**row, "set_by": str(set_by).strip(), "set_at": _now(now), "is_active": True}
    store.engine.execute(sql_beside(__file__, "budgets_insert"), saved)
    return saved


def clear_budget(
    store: StateStore,
    engine: Engine,
    settings: Settings | None,
    entry: dict[str, Any],
    set_by: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Clear a budget: a new version with ``is_active = FALSE``; refused when none is in force."""
    if not set_by or not str(set_by).strip():
        raise BudgetError("who clears the budget (set_by) is required")
    row = validate_budget(engine, {**entry, "monthly_usd": 1}, "budget")
    current = current_budgets(store, settings, engine)
    if not any(_key(r) == _key(row) for _, r in current.iterrows()):
        raise BudgetError(f"no budget is set for {describe_scope(row)}")
    saved = {
        **row,
        "monthly_usd": None,
        "set_by": str(set_by).strip(),
        "set_at": _now(now),
        "is_active": False,
    }
    store.engine.execute(sql_beside(__file__, "budgets_insert"), saved)
    return saved


def describe_scope(row: Any) -> str:
    """'team "growth"' or 'job 123 (workspace 456)'."""
    if row["scope"] == "team":
        return f'team "{row["team"]}"'
    return f"job {row['job_id']} (workspace {row['workspace_id']})"


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
