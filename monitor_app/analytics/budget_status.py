"""COST-03, where each budget stands this month: spend to date, share, month-end forecast, top drivers.

One computation for the two places that show it: the ``budget`` alert rule (which raises the alerts) and
the budgets view of the Teams page (which shows every budget, the ones in order too). The month is the
calendar month (UTC) of ``now``; spend is list price, the same number as the cost views'.

A forecast (spend per elapsed day times the month's days) is given only after ``min_forecast_days`` of
the month: on the 1st, one expensive run would forecast an absurd month.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from data.engines import Engine
from monitor_app.analytics import cost
from monitor_app.filters import Filters

STATUS_COLUMNS = [
    "scope",
    "team",
    "workspace_id",
    "job_id",
    "job_name",
    "monthly_usd",
    "month",
    "spent_usd",
    "share",
    "forecast_usd",
    "status",
    "elapsed_days",
    "top_drivers",
]
TOP_DRIVERS = 3


def month_of(now: datetime) -> tuple[datetime, int]:
    """The first instant of ``now``'s month (UTC, naive as ``now`` is) and the month's number of days."""
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, calendar.monthrange(now.year, now.month)[1]


def budget_status(
    engine: Engine,
    budgets: pd.DataFrame,
    now: datetime | None = None,
    approaching_share: float = 0.8,
    min_forecast_days: float = 3,
) -> pd.DataFrame:
    """One row per budget in ``budgets`` (as :func:`monitor_app.budgets.current_budgets` gives them).

    ``status`` is ``exceeded`` (spend >= the budget), ``approaching`` (spend >= ``approaching_share`` of it,
    or the forecast over it) or ``ok``. ``top_drivers`` lists the costliest jobs of the month in the
    budget's scope: ``[{job_id, job_name, list_cost_usd}]``.
    """
    if budgets is None or budgets.empty:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    start, month_days = month_of(now)
    elapsed_days = (now - start).total_seconds() / 86400
    month = Filters(start_date=start.date(), end_date=now.date(), now=now, row_limit=None)
    teams = cost.team_costs(engine, month)
    rows = []
    for _, b in budgets.iterrows():
        limit = float(b["monthly_usd"])
        if b["scope"] == "team":
            mine = teams[teams["team"] == b["team"]]
            spent = float(mine["list_cost_usd"].sum()) if not mine.empty else 0.0
            drivers = cost.job_costs(engine, month.with_(team=b["team"]))
            team, job_name = b["team"], None
        else:
            drivers = cost.job_costs(engine, month.with_(workspace_id=b["workspace_id"], job_id=b["job_id"]))
            spent = float(drivers["list_cost_usd"].sum()) if not drivers.empty else 0.0
            team = str(drivers["team"].iloc[0]) if not drivers.empty else None
            job_name = str(drivers["job_name"].iloc[0]) if not drivers.empty else None
        forecast = spent / elapsed_days * month_days if elapsed_days >= min_forecast_days else None
        if spent >= limit:
            status = "exceeded"
        elif spent >= approaching_share * limit or (forecast is not None and forecast > limit):
            status = "approaching"
        else:
            status = "ok"
        top = drivers.sort_values("list_cost_usd", ascending=False, kind="stable").head(TOP_DRIVERS)
        rows.append(
            {
                "scope": b["scope"],
                "team": team,
                "workspace_id": None if b["scope"] == "team" else str(b["workspace_id"]),
                "job_id": None if b["scope"] == "team" else str(b["job_id"]),
                "job_name": job_name,
                "monthly_usd": limit,
                "month": f"{start:%Y-%m}",
                "spent_usd": round(spent, 2),
                "share": round(spent / limit, 4),
                "forecast_usd": None if forecast is None else round(forecast, 2),
                "status": status,
                "elapsed_days": round(elapsed_days, 2),
                "top_drivers": [_driver(j) for j in top.itertuples()],
            }
        )
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def _driver(job: Any) -> dict[str, Any]:
    return {
        "job_id": str(job.job_id),
        "job_name": str(job.job_name),
        "list_cost_usd": round(float(job.list_cost_usd), 2),
    }
