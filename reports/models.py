"""Typed report models: what each report says, built only from the analytics functions and the alert inbox.

No query lives here: every number comes from a metric (``monitor_app/analytics``), the budget status or
the alert inbox, so a report can never disagree with the app. :func:`build` makes the model of a kind;
``reports/render.py`` turns any of them into one self-contained HTML file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from data.engines import Engine
from monitor_app.analytics import cost, drilldown, health, sla, sla_risk, sla_summary, utilization
from monitor_app.analytics.budget_status import budget_status
from reports.periods import Period, period

PRICE_BASIS = "list prices (USD) from system.billing.list_prices; not your negotiated rate"


@dataclass
class Report:
    """What every report has: its period, when and from what data it was made, and its scope."""

    kind: str
    title: str
    period: Period
    previous: Period
    generated_at: datetime
    freshness: pd.DataFrame
    team: str | None = None
    price_basis: str = PRICE_BASIS
    has_data: bool = True
    notes: list[str] = field(default_factory=list)


@dataclass
class DailyReport(Report):
    failures: pd.DataFrame = field(default_factory=pd.DataFrame)
    previous_failures: int = 0
    runs: int = 0
    previous_runs: int = 0
    spend_usd: float = 0.0
    previous_spend_usd: float = 0.0
    sla_breaches: pd.DataFrame = field(default_factory=pd.DataFrame)
    previous_sla_breaches: int = 0
    at_risk: pd.DataFrame = field(default_factory=pd.DataFrame)
    open_alerts: pd.DataFrame = field(default_factory=pd.DataFrame)
    opened_alerts: int = 0
    resolved_alerts: int = 0


@dataclass
class WeeklyReport(Report):
    teams: pd.DataFrame = field(default_factory=pd.DataFrame)
    spend_by_day: pd.DataFrame = field(default_factory=pd.DataFrame)
    total_usd: float = 0.0
    previous_total_usd: float = 0.0
    movers: pd.DataFrame = field(default_factory=pd.DataFrame)
    spikes: pd.DataFrame = field(default_factory=pd.DataFrame)
    zombies: pd.DataFrame = field(default_factory=pd.DataFrame)
    budgets: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class MonthlyReport(Report):
    total_usd: float = 0.0
    previous_total_usd: float = 0.0
    teams: pd.DataFrame = field(default_factory=pd.DataFrame)
    compute: pd.DataFrame = field(default_factory=pd.DataFrame)
    spend_by_day: pd.DataFrame = field(default_factory=pd.DataFrame)
    success_rate: float | None = None
    previous_success_rate: float | None = None
    successful_runs: int = 0
    cost_per_successful_run_usd: float | None = None
    sla_attainment: float | None = None
    sla_checked_runs: int = 0
    incidents: pd.DataFrame = field(default_factory=pd.DataFrame)
    ledger: pd.DataFrame = field(default_factory=pd.DataFrame)
    realized_savings_usd: float = 0.0
    open_savings_usd: float = 0.0
    forecast_usd: float | None = None
    forecast_method: str = ""


@dataclass
class ReportInputs:
    """What a report reads besides the engine: the alert inbox, SLA targets and budgets in force."""

    alerts: list[Any] = field(default_factory=list)  # monitor_app.alerts.model.Alert
    targets: pd.DataFrame | None = None
    budgets: pd.DataFrame | None = None


def build(
    kind: str,
    engine: Engine,
    inputs: ReportInputs,
    now: datetime,
    team: str | None = None,
    timezone: str = "UTC",
) -> Report:
    """The ``kind`` report (daily, weekly, monthly) as of ``now``, for one team or all."""
    now = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC)
    covered = period(kind, now, timezone)
    common = {
        "kind": kind,
        "period": covered,
        "previous": covered.previous(),
        "generated_at": datetime.now(UTC),
        "freshness": drilldown.data_freshness(engine, covered.filters()),
        "team": team,
    }
    builders = {"daily": _daily, "weekly": _weekly, "monthly": _monthly}
    return builders[kind](engine, inputs, common, now)


def _team_alerts(alerts: list[Any], team: str | None) -> list[Any]:
    return [a for a in alerts if team is None or a.team == team]


def _in(moment: Any, p: Period) -> bool:
    if moment is None:
        return False
    t = pd.Timestamp(moment)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return pd.Timestamp(p.start) <= t < pd.Timestamp(p.end)


def _alert_frame(alerts: list[Any]) -> pd.DataFrame:
    columns = ["severity", "title", "job_name", "team", "status", "first_seen", "remediation", "id"]
    return pd.DataFrame([{c: getattr(a, c) for c in columns} for a in alerts], columns=columns)


def _spend(engine: Engine, p: Period, team: str | None) -> float:
    return float(cost.team_costs(engine, p.filters(team))["list_cost_usd"].astype(float).sum())


def _daily(engine: Engine, inputs: ReportInputs, common: dict, now: datetime) -> DailyReport:
    p, before = common["period"], common["previous"]
    runs = drilldown.job_runs(engine, p.filters(common["team"]))
    previous_runs = drilldown.job_runs(engine, before.filters(common["team"]))
    targets = inputs.targets
    breaches = (
        sla.sla_breaches(engine, p.filters(common["team"]), targets)
        if targets is not None
        else pd.DataFrame()
    )
    previous_breaches = (
        sla.sla_breaches(engine, before.filters(common["team"]), targets) if targets is not None else []
    )
    at_risk = (
        sla_risk.sla_at_risk(engine, p.filters(common["team"]), targets)
        if targets is not None
        else pd.DataFrame()
    )
    alerts = _team_alerts(inputs.alerts, common["team"])
    urgent = [a for a in alerts if a.status in ("open", "acknowledged") and a.severity in ("P1", "P2")]
    urgent.sort(key=lambda a: (a.severity, str(a.first_seen)))
    failures = runs[runs["outcome"] == "failure"] if not runs.empty else runs
    return DailyReport(
        title="Daily health summary",
        has_data=not runs.empty,
        failures=failures,
        previous_failures=int((previous_runs["outcome"] == "failure").sum())
        if not previous_runs.empty
        else 0,
        runs=len(runs),
        previous_runs=len(previous_runs),
        spend_usd=_spend(engine, p, common["team"]),
        previous_spend_usd=_spend(engine, before, common["team"]),
        sla_breaches=breaches,
        previous_sla_breaches=len(previous_breaches),
        at_risk=at_risk,
        open_alerts=_alert_frame(urgent),
        opened_alerts=sum(1 for a in alerts if _in(a.first_seen, p)),
        resolved_alerts=sum(1 for a in alerts if _in(a.resolved_at, p)),
        **common,
    )


def _weekly(engine: Engine, inputs: ReportInputs, common: dict, now: datetime) -> WeeklyReport:
    p = common["period"]
    filters = p.filters(common["team"])
    teams = cost.team_costs(engine, filters)
    budgets = (
        budget_status(engine, inputs.budgets, now=p.end.replace(tzinfo=None))
        if inputs.budgets is not None and not inputs.budgets.empty
        else pd.DataFrame()
    )
    if common["team"] is not None and not budgets.empty and "team" in budgets:
        budgets = budgets[budgets["team"] == common["team"]]
    movers = cost.cost_movers(engine, filters)
    return WeeklyReport(
        title="Weekly cost report",
        has_data=not teams.empty and float(teams["list_cost_usd"].astype(float).sum()) > 0,
        teams=teams,
        spend_by_day=cost.team_spend(engine, filters),
        total_usd=float(teams["list_cost_usd"].astype(float).sum()),
        previous_total_usd=float(teams["previous_list_cost_usd"].astype(float).fillna(0).sum()),
        movers=movers.head(10),
        spikes=cost.dbu_spikes(engine, filters),
        zombies=cost.zombie_jobs(engine, filters),
        budgets=budgets,
        **common,
    )


def compute_kind(is_serverless: Any, sku_names: Any) -> str:
    """serverless | all-purpose | jobs compute, from a run's SKUs (system.billing.usage sku_name)."""
    skus = " ".join(str(s) for s in (sku_names if sku_names is not None else [])).upper()
    if bool(is_serverless) or "SERVERLESS" in skus:
        return "serverless"
    if "ALL_PURPOSE" in skus:
        return "all-purpose"
    return "jobs compute"


def _monthly(engine: Engine, inputs: ReportInputs, common: dict, now: datetime) -> MonthlyReport:
    p, before = common["period"], common["previous"]
    filters = p.filters(common["team"])
    teams = cost.team_costs(engine, filters)
    runs = cost.run_costs(engine, filters)
    kinds = pd.DataFrame(
        {
            "compute": [
                compute_kind(s, k) for s, k in zip(runs["is_serverless"], runs["sku_names"], strict=True)
            ],
            "list_cost_usd": runs["list_cost_usd"].astype(float),
        }
    )
    compute = (
        kinds.groupby("compute", as_index=False)["list_cost_usd"]
        .sum()
        .sort_values("list_cost_usd", ascending=False)
    )
    summary = health.team_success_rates(engine, filters)
    previous = health.team_success_rates(engine, before.filters(common["team"]))
    rate, successes = _success(summary)
    previous_rate, _ = _success(previous)
    total = float(teams["list_cost_usd"].astype(float).sum())
    attainment, checked = None, 0
    if inputs.targets is not None and not inputs.targets.empty:
        slas = sla_summary.sla_summary(engine, filters, inputs.targets)
        checked = int(slas["checked_runs"].sum()) if not slas.empty else 0
        if checked:
            attainment = 1 - float(slas["breaches"].sum()) / checked
    alerts = _team_alerts(inputs.alerts, common["team"])
    incidents = _alert_frame([a for a in alerts if a.severity in ("P1", "P2") and _in(a.first_seen, p)])
    ledger = _savings_ledger(engine, alerts, p, common["team"])
    opportunities = utilization.rightsizing(engine, filters)
    zombies = cost.zombie_jobs(engine, filters)
    open_usd = float(opportunities["est_monthly_savings_usd"].astype(float).sum()) + float(
        zombies["monthly_wasted_list_cost_usd"].astype(float).sum()
    )
    by_day = cost.team_spend(engine, filters)
    forecast, method = _forecast(by_day, p)
    return MonthlyReport(
        title="Monthly executive report",
        has_data=total > 0,
        total_usd=total,
        previous_total_usd=float(teams["previous_list_cost_usd"].astype(float).fillna(0).sum()),
        teams=teams,
        compute=compute.reset_index(drop=True),
        spend_by_day=by_day,
        success_rate=rate,
        previous_success_rate=previous_rate,
        successful_runs=successes,
        cost_per_successful_run_usd=total / successes if successes else None,
        sla_attainment=attainment,
        sla_checked_runs=checked,
        incidents=incidents,
        ledger=ledger,
        realized_savings_usd=float(ledger["realized_usd"].sum()) if not ledger.empty else 0.0,
        open_savings_usd=open_usd,
        forecast_usd=forecast,
        forecast_method=method,
        **common,
    )


def _success(rates: pd.DataFrame) -> tuple[float | None, int]:
    if rates.empty:
        return None, 0
    succeeded, failed = int(rates["succeeded"].sum()), int(rates["failed"].sum())
    return (succeeded / (succeeded + failed) if succeeded + failed else None), succeeded


def _savings_ledger(engine: Engine, alerts: list[Any], p: Period, team: str | None) -> pd.DataFrame:
    """Per job with an over-provisioning or zombie recommendation raised before the month's end: its daily
    spend in the 30 days before the recommendation against its daily spend in the month. Realized =
    (before - during) x the month's days when it fell; the rest of the recommendation is still open."""
    columns = [
        "job_name",
        "team",
        "rule",
        "recommended_at",
        "status",
        "before_usd_per_day",
        "month_usd_per_day",
        "realized_usd",
    ]
    rows = []
    seen = set()
    for a in sorted(alerts, key=lambda a: str(a.first_seen)):
        if a.rule not in ("over_provisioned", "zombie_job") or a.job_id is None:
            continue
        first = pd.Timestamp(a.first_seen)
        first = first.tz_localize("UTC") if first.tzinfo is None else first.tz_convert("UTC")
        if first >= pd.Timestamp(p.end) or (a.workspace_id, a.job_id) in seen:
            continue
        seen.add((a.workspace_id, a.job_id))
        from monitor_app.filters import Filters

        scope = {"workspace_id": a.workspace_id, "job_id": a.job_id, "row_limit": None}
        before = cost.job_costs(engine, Filters(window_days=30, now=first.to_pydatetime(), **scope))
        during = cost.job_costs(engine, p.filters(team).with_(**scope))
        before_day = float(before["list_cost_usd"].astype(float).sum()) / 30
        during_day = float(during["list_cost_usd"].astype(float).sum()) / p.days
        realized = max(0.0, before_day - during_day) * p.days if first < pd.Timestamp(p.start) else 0.0
        rows.append(
            {
                "job_name": a.job_name,
                "team": a.team,
                "rule": a.rule,
                "recommended_at": first,
                "status": a.status,
                "before_usd_per_day": round(before_day, 2),
                "month_usd_per_day": round(during_day, 2),
                "realized_usd": round(realized, 2),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _forecast(by_day: pd.DataFrame, p: Period) -> tuple[float | None, str]:
    """Next month's spend: a straight line fitted to the month's daily spend, summed over next month's days."""
    if by_day.empty:
        return None, "no spend this month: no forecast"
    daily = by_day.groupby("period_start")["list_cost_usd"].sum().astype(float)
    daily.index = pd.to_datetime(daily.index)
    days = pd.date_range(pd.Timestamp(p.start.date()), periods=p.days, freq="D")
    daily = daily.reindex(days, fill_value=0.0)  # a day without spend counts as $0
    next_days = period("monthly", p.end + timedelta(days=32), p.timezone).days
    if int((daily > 0).sum()) < 7:
        return float(daily.sum() / p.days * next_days), (
            f"the month's spend per day x {next_days} days (fewer than 7 days with spend: no trend)"
        )
    x = np.arange(len(daily), dtype=float)
    slope, intercept = np.polyfit(x, daily.to_numpy(), 1)
    future = intercept + slope * (len(daily) + np.arange(next_days))
    return float(np.clip(future, 0, None).sum()), (
        f"a straight line through the month's {len(daily)} daily totals ({slope:+,.2f} $/day per day), "
        f"summed over next month's {next_days} days"
    )
