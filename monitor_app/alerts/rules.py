"""The alert rules: each reads one metric (never re-deriving its numbers) and says what to do about it.

A rule is ``fn(ctx: RuleContext) -> list[Finding]``. It calls the analytics function behind its signal
with the window of the evaluation, keeps the rows the rule alerts on, and turns each into a
:class:`~monitor_app.alerts.model.Finding` with the evidence (value, baseline, threshold, sample size)
and a remediation specific to the cause. Findings are grouped per job: one alert per job and rule, the
latest offending run as its run. Severity comes from the rule's settings (``config.py``), nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from data.engines import Engine
from monitor_app.alerts.model import Finding
from monitor_app.analytics import cost, drilldown, health, integrity, sla, sla_risk, utilization
from monitor_app.analytics.budget_status import budget_status
from monitor_app.analytics.registry import bound
from monitor_app.filters import Filters
from monitor_app.termination import TERMINATION_HINTS


@dataclass
class RuleContext:
    """What every rule reads: the engine, the evaluation's window and time, settings and inputs."""

    engine: Engine
    now: datetime
    rules: dict[str, dict[str, Any]]
    thresholds: dict[str, Any] = field(default_factory=dict)
    targets: pd.DataFrame | None = None
    budgets: pd.DataFrame | None = None
    live_runs: pd.DataFrame | None = None
    host: str | None = None
    _owners: dict[tuple[str, str], tuple[str, str]] | None = None
    _sources: dict[str, list[str]] | None = None

    @property
    def window(self) -> Filters:
        days = int(self.rules["general"]["window_days"])
        return Filters(window_days=days, now=self.now, row_limit=None)

    def metric(
        self, fn: Callable[..., pd.DataFrame], filters: Filters | None = None, **extra: Any
    ) -> pd.DataFrame:
        """``fn`` with monitor.yaml's metric thresholds, on the window (or ``filters``)."""
        return bound(fn, self.thresholds)(self.engine, filters or self.window, **extra)

    def owner(self, workspace_id: Any, job_id: Any) -> str:
        """'runs as X, created by Y' (or what is known) for the remediation's "who to ask"."""
        if self._owners is None:
            frame = drilldown.job_owners(self.engine, self.window)
            self._owners = {
                (str(r.workspace_id), str(r.job_id)): (r.run_as_user_name, r.creator_user_name)
                for r in frame.itertuples()
            }
        run_as, creator = self._owners.get((str(workspace_id), str(job_id)), (None, None))
        parts = []
        if isinstance(run_as, str) and run_as:
            parts.append(f"runs as {run_as}")
        if isinstance(creator, str) and creator and creator != run_as:
            parts.append(f"created by {creator}")
        return "; ".join(parts) or "owner unknown"

    def sources(self) -> dict[str, list[str]]:
        """Per table, the tables its writers read in the window (lineage), for "which upstream to check"."""
        if self._sources is None:
            frame = integrity.table_sources(self.engine, self.window)
            self._sources = {r.table_full_name: list(r.source_tables) for r in frame.itertuples()}
        return self._sources

    def since(self, rule: str) -> pd.Timestamp:
        return pd.Timestamp(self.now - timedelta(days=float(self.rules[rule]["lookback_days"])))


def _s(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _num(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return round(value, 6) if isinstance(value, float) else value


def _time(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat()


def _money(value: Any) -> str:
    return f"${float(value):,.2f}"


def _minutes(seconds: Any) -> str:
    return "?" if seconds is None or pd.isna(seconds) else f"{float(seconds) / 60:,.0f} min"


def _entity(row: Any) -> dict[str, Any]:
    return {
        "workspace_id": _s(row["workspace_id"]),
        "job_id": _s(row["job_id"]),
        "job_name": _s(row["job_name"]),
        "team": _s(row["team"]),
    }


def _latest_per_job(
    frame: pd.DataFrame, since: pd.Timestamp | None = None, time_col: str = "start_time"
) -> list[tuple[Any, int]]:
    """Per job, its newest row (by ``time_col``) at or after ``since`` and how many rows it had there."""
    if frame.empty:
        return []
    if since is not None:
        frame = frame[pd.to_datetime(frame[time_col], utc=True) >= since]
    if frame.empty:
        return []
    frame = frame.sort_values(time_col, kind="stable")
    groups = frame.groupby(["workspace_id", "job_id"], sort=True)
    return [(group.iloc[-1], len(group)) for _, group in groups]


# --- reliability --------------------------------------------------------------------------------------


def consecutive_failures(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["consecutive_failures"]
    out = []
    for _, r in ctx.metric(health.consecutive_failures).iterrows():
        code = _s(r["last_termination_code"]) or "no termination code"
        hint = TERMINATION_HINTS.get(code, "read the error in the run's output")
        since_ok = _time(r["last_success_time"])
        out.append(
            Finding(
                rule="consecutive_failures",
                category=cfg["category"],
                severity=cfg["severity"],
                title=f"{r['job_name']}: {int(r['streak_length'])} failed runs in a row",
                remediation=(
                    f"Last termination code {code}: {hint}. "
                    + (f"Last success {since_ok}. " if since_ok else "The job has never succeeded. ")
                    + f"Who to ask: {ctx.owner(r['workspace_id'], r['job_id'])}. "
                    "Fix the cause, then repair the failed run (Repair run re-runs only the failed tasks)."
                ),
                evidence={
                    "value": _num(r["streak_length"]),
                    "threshold": _num(r["threshold"]),
                    "baseline": None,
                    "sample_size": _num(r["streak_length"]),
                    "failing_since": _time(r["failing_since"]),
                    "last_failure_time": _time(r["last_failure_time"]),
                    "last_termination_code": code,
                    "last_success_time": since_ok,
                },
                run_id=_s(r["last_failed_run_id"]),
                **_entity(r),
            )
        )
    return out


def failure_rate(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["failure_rate"]
    rates = ctx.metric(health.success_rates)
    rates = rates[
        rates["status"].isin(["warn", "critical"]) & (rates["decided_runs"] >= cfg["min_decided_runs"])
    ]
    out = []
    for _, r in rates.iterrows():
        critical = r["status"] == "critical"
        out.append(
            Finding(
                rule="failure_rate",
                category=cfg["category"],
                severity=cfg["critical_severity" if critical else "warn_severity"],
                title=f"{r['job_name']}: {float(r['failure_rate']):.1%} of runs failed",
                remediation=(
                    f"{int(r['failed'])} of {int(r['decided_runs'])} decided runs failed "
                    f"({r['status_reason']}); the previous window: "
                    + (
                        f"{float(r['previous_failure_rate']):.1%}. "
                        if not pd.isna(r["previous_failure_rate"])
                        else "no runs. "
                    )
                    + "Group the failed runs by termination code on the job page; a first-attempt success "
                    f"rate of {float(r['first_attempt_success_rate']):.1%} against "
                    f"{float(r['success_rate']):.1%} final says how much retries hide. "
                    f"Who to ask: {ctx.owner(r['workspace_id'], r['job_id'])}."
                ),
                evidence={
                    "value": _num(r["failure_rate"]),
                    "baseline": _num(r["previous_failure_rate"]),
                    "threshold": _num(r["critical_threshold" if critical else "warn_threshold"]),
                    "sample_size": _num(r["decided_runs"]),
                    "failed": _num(r["failed"]),
                    "status": r["status"],
                },
                **_entity(r),
            )
        )
    return out


def retry_heavy(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["retry_heavy"]
    frame = ctx.metric(health.retries)
    out = []
    for _, r in frame[frame["retry_heavy"].astype(bool)].iterrows():
        out.append(
            Finding(
                rule="retry_heavy",
                category=cfg["category"],
                severity=cfg["severity"],
                title=f"{r['job_name']}: {int(r['task_retries'])} task retries, {int(r['repairs'])} repairs",
                remediation=(
                    f"{int(r['runs_needing_retry'])} of {int(r['runs'])} runs needed a retry or a repair, "
                    f"costing {_money(r['retry_cost_usd'])} at list price ({r['reason']}). Find the task that "
                    "retries on the run's task timeline and fix its cause (timeouts, lost spot instances, a "
                    "flaky external call); retries hide the failure, they do not fix it. "
                    f"Who to ask: {ctx.owner(r['workspace_id'], r['job_id'])}."
                ),
                evidence={
                    "value": _num(r["total_retries"]),
                    "threshold": _num(r["retries_threshold"]),
                    "baseline": None,
                    "sample_size": _num(r["runs"]),
                    "task_retries": _num(r["task_retries"]),
                    "repairs": _num(r["repairs"]),
                    "retry_cost_usd": _num(r["retry_cost_usd"]),
                    "flakiness": _num(r["flakiness"]),
                },
                **_entity(r),
            )
        )
    return out


# --- performance --------------------------------------------------------------------------------------


def _duration(ctx: RuleContext, rule: str, fn: Callable[..., pd.DataFrame]) -> list[Finding]:
    cfg = ctx.rules[rule]
    out = []
    for r, n in _latest_per_job(ctx.metric(fn), ctx.since(rule)):
        pct = float(r["pct_over_median"])
        slow = rule == "duration_regression"
        remediation = (
            (
                f"The run took {_minutes(r['duration_seconds'])}, {pct:+.0%} against the median of "
                f"{_minutes(r['baseline_median_seconds'])} over {int(r['baseline_runs'])} runs "
                f"(p90 {_minutes(r['baseline_p90_seconds'])}). Compare its task timeline with a normal run: "
                "growing input, data skew, a smaller or changed cluster, or a slower dependency. "
            )
            if slow
            else (
                f"The run took {_minutes(r['duration_seconds'])}, {pct:+.0%} against the median of "
                f"{_minutes(r['baseline_median_seconds'])}: it may have skipped work or read empty input. "
                "Check the rows it wrote and its source tables before trusting its output. "
            )
        )
        out.append(
            Finding(
                rule=rule,
                category=cfg["category"],
                severity=cfg["severity"],
                title=f"{r['job_name']}: run {'slower' if slow else 'faster'} than usual ({pct:+.0%})",
                remediation=remediation + f"Who to ask: {ctx.owner(r['workspace_id'], r['job_id'])}.",
                evidence={
                    "value": _num(r["duration_seconds"]),
                    "baseline": _num(r["baseline_median_seconds"]),
                    "threshold": _num(r["threshold_pct"]),
                    "sample_size": _num(r["baseline_runs"]),
                    "pct_over_median": _num(pct),
                    "flagged_runs": n,
                    "start_time": _time(r["start_time"]),
                },
                run_id=_s(r["run_id"]),
                **_entity(r),
            )
        )
    return out


def duration_regression(ctx: RuleContext) -> list[Finding]:
    return _duration(ctx, "duration_regression", health.duration_regressions)


def suspiciously_fast(ctx: RuleContext) -> list[Finding]:
    return _duration(ctx, "suspiciously_fast", health.suspiciously_fast)


# --- SLA ----------------------------------------------------------------------------------------------

_CAUSE_HINTS = {
    "failed": "the run failed: fix the failure (see its termination code) and repair it",
    "started_late": "it started too late to make it: an upstream dependency or the queue held it; move the "
    "schedule earlier or fix the upstream job",
    "ran_long": "it ran longer than the time it had: find the slow task; more workers help only a "
    "CPU-bound job",
}


def sla_breach(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["sla_breach"]
    if ctx.targets is None:  # no targets given: nothing to check (analytics never read the state store)
        return []
    frame = sla.sla_breaches(ctx.engine, ctx.window, ctx.targets)
    out = []
    for r, n in _latest_per_job(frame, ctx.since("sla_breach")):
        cause = _s(r["primary_cause"]) or "failed"
        # a breach's deadline_local already names its zone ("2026-10-30 03:00 UTC")
        target = (f"deadline {r['deadline_local']}" if _s(r["deadline_local"]) else "") or (
            f"at most {_minutes(r['max_duration_seconds'])}"
        )
        late = r["late_by_seconds"] if not pd.isna(r["late_by_seconds"]) else r["over_max_by_seconds"]
        out.append(
            Finding(
                rule="sla_breach",
                category=cfg["category"],
                severity=cfg["severity"],
                title=f"{r['job_name']}: SLA missed ({cause.replace('_', ' ')})",
                remediation=(
                    f"Target: {target}; {_CAUSE_HINTS.get(cause, '')}. Normal duration: p90 "
                    f"{_minutes(r['baseline_p90_seconds'])}. {n} breach(es) in the last "
                    f"{cfg['lookback_days']:g} days. Who to ask: {ctx.owner(r['workspace_id'], r['job_id'])}."
                ),
                evidence={
                    "value": _num(late),
                    "baseline": _num(r["baseline_p90_seconds"]),
                    "threshold": _s(r["deadline_local"]) or _num(r["max_duration_seconds"]),
                    "sample_size": n,
                    "causes": _s(r["causes"]),
                    "deadline_utc": _time(r["deadline_utc"]),
                    "end_time": _time(r["end_time"]),
                },
                run_id=_s(r["run_id"]),
                **_entity(r),
            )
        )
    return out


def sla_at_risk(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["sla_at_risk"]
    if ctx.targets is None:
        return []
    frame = sla_risk.sla_at_risk(
        ctx.engine, ctx.window, ctx.targets, live_runs=ctx.live_runs, window_share=cfg["window_share"]
    )
    out = []
    for _, r in frame.iterrows():
        projected = _time(r["projected_end"])
        what = {
            "overdue": "is past its SLA and still running",
            "projected_late": "is projected to finish after its SLA",
            "past_window": f"has used {float(r['window_share']):.0%} of its SLA window",
        }[r["reason"]]
        out.append(
            Finding(
                rule="sla_at_risk",
                category=cfg["category"],
                severity=cfg["severity"],
                title=f"{r['job_name']}: run {what}",
                remediation=(
                    f"Started {_time(r['start_time'])}, running for {_minutes(r['elapsed_seconds'])}"
                    + (
                        f"; deadline {r['deadline_local']} {r['timezone_id']}"
                        if _s(r["deadline_local"])
                        else ""
                    )
                    + (
                        f"; at most {_minutes(r['max_duration_seconds'])}"
                        if _num(r["max_duration_seconds"])
                        else ""
                    )
                    + (
                        f"; projected finish {projected} (start + p90 {_minutes(r['baseline_p90_seconds'])})"
                        if projected
                        else ""
                    )
                    + ". Warn the consumers of its output now; look at the running task for a stall; "
                    "if it is stuck, cancel and repair it rather than wait. "
                    f"Who to ask: {ctx.owner(r['workspace_id'], r['job_id'])}."
                ),
                evidence={
                    "value": _num(r["window_share"]),
                    "threshold": _num(r["window_share_threshold"]),
                    "baseline": _num(r["baseline_p90_seconds"]),
                    "sample_size": _num(r["baseline_runs"]),
                    "reason": r["reason"],
                    "projected_end": projected,
                    "projected_late_by_seconds": _num(r["projected_late_by_seconds"]),
                    "deadline_utc": _time(r["deadline_utc"]),
                    "source": r["source"],
                },
                run_id=_s(r["run_id"]),
                period=f"run {r['run_id']}",
                **_entity(r),
            )
        )
    return out


# --- cost ---------------------------------------------------------------------------------------------


def dbu_spike(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["dbu_spike"]
    out = []
    for r, n in _latest_per_job(ctx.metric(cost.dbu_spikes), ctx.since("dbu_spike")):
        out.append(
            Finding(
                rule="dbu_spike",
                category=cfg["category"],
                severity=cfg["severity"],
                title=f"{r['job_name']}: run used {float(r['ratio']):.1f}x its usual DBUs",
                remediation=(
                    f"{float(r['dbus']):,.0f} DBUs ({_money(r['list_cost_usd'])} at list price) against a p90 of "
                    f"{float(r['baseline_p90_dbus']):,.0f} over {int(r['baseline_runs'])} runs: "
                    f"{_money(r['excess_list_cost_usd'])} more than a normal run. Check the run's cluster size "
                    "(autoscaling maximum, worker count), its input volume and any loop or retry storm; cap "
                    "max_workers or attach a compute policy. "
                    f"Who to ask: {ctx.owner(r['workspace_id'], r['job_id'])}."
                ),
                evidence={
                    "value": _num(r["dbus"]),
                    "baseline": _num(r["baseline_p90_dbus"]),
                    "threshold": _num(r["threshold_ratio"]),
                    "sample_size": _num(r["baseline_runs"]),
                    "ratio": _num(r["ratio"]),
                    "excess_list_cost_usd": _num(r["excess_list_cost_usd"]),
                    "spiked_runs": n,
                },
                run_id=_s(r["run_id"]),
                **_entity(r),
            )
        )
    return out


def zombie_job(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["zombie_job"]
    out = []
    for _, r in ctx.metric(cost.zombie_jobs).iterrows():
        out.append(
            Finding(
                rule="zombie_job",
                category=cfg["category"],
                severity=cfg["severity"],
                title=f"{r['job_name']}: costs {_money(r['list_cost_usd_per_day'])}/day, output unused",
                remediation=(
                    f"{int(r['runs'])} runs cost {_money(r['list_cost_usd'])} at list price over the window "
                    f"({r['reason'].replace('_', ' ')}: {float(r['rows_written'] or 0):,.0f} rows written to "
                    f"{int(r['tables_written'])} table(s), {int(r['unread_tables'])} read by no one). Confirm "
                    f"with the owner ({ctx.owner(r['workspace_id'], r['job_id'])}) and pause its schedule; "
                    "delete the job after a month without complaints."
                ),
                evidence={
                    "value": _num(r["list_cost_usd"]),
                    "baseline": None,
                    "threshold": _num(ctx.thresholds.get("zombie_max_rows", cost.ZOMBIE_MAX_ROWS)),
                    "sample_size": _num(r["runs"]),
                    "rows_written": _num(r["rows_written"]),
                    "readers": _num(r["readers"]),
                    "monthly_wasted_list_cost_usd": _num(r["monthly_wasted_list_cost_usd"]),
                },
                **_entity(r),
            )
        )
    return out


def all_purpose_job(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["all_purpose_job"]
    out = []
    for _, r in ctx.metric(cost.all_purpose_jobs).iterrows():
        clusters = [str(c) for c in (r["cluster_ids"] if r["cluster_ids"] is not None else [])]
        out.append(
            Finding(
                rule="all_purpose_job",
                category=cfg["category"],
                severity=cfg["severity"],
                title=f"{r['job_name']}: scheduled on all-purpose compute",
                remediation=(
                    f"{int(r['all_purpose_runs'])} of {int(r['runs'])} runs ran on all-purpose cluster(s) "
                    f"{', '.join(clusters[:3])}: all-purpose DBUs cost more than jobs compute, and a shared "
                    "cluster's cost cannot be attributed to the job. Give the tasks a job cluster "
                    "(new_cluster) or serverless compute. "
                    f"Who to ask: {ctx.owner(r['workspace_id'], r['job_id'])}."
                ),
                evidence={
                    "value": _num(r["all_purpose_runs"]),
                    "baseline": None,
                    "threshold": None,
                    "sample_size": _num(r["runs"]),
                    "cluster_ids": clusters,
                },
                **_entity(r),
            )
        )
    return out


def over_provisioned(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["over_provisioned"]
    out = []
    frame = ctx.metric(utilization.rightsizing)
    chosen = frame[
        frame["over_provisioned"].astype(bool)
        & frame["confidence"].isin(["high", "medium"])
        & (frame["est_monthly_savings_usd"] >= cfg["min_monthly_savings_usd"])
    ]
    for _, r in chosen.iterrows():
        out.append(
            Finding(
                rule="over_provisioned",
                category=cfg["category"],
                severity=cfg["severity"],
                title=f"{r['job_name']}: over-provisioned, about {_money(r['est_monthly_savings_usd'])}/month "
                "to save",
                remediation=(
                    f"{r['recommendation']} Saving: {r['savings_formula']} (confidence {r['confidence']}: "
                    f"{r['confidence_reason']}). Who to ask: {ctx.owner(r['workspace_id'], r['job_id'])}."
                ),
                evidence={
                    "value": _num(r["worker_cpu_avg_pct"]),
                    "baseline": _num(r["worker_mem_avg_pct"]),
                    "threshold": _num(ctx.thresholds.get("low_utilization_pct", 40.0)),
                    "sample_size": _num(r["measured_runs"]),
                    "worker_low_share": _num(r["worker_low_share"]),
                    "est_monthly_savings_usd": _num(r["est_monthly_savings_usd"]),
                    "confidence": r["confidence"],
                },
                **_entity(r),
            )
        )
    return out


# --- data integrity ---------------------------------------------------------------------------------


def _upstream(ctx: RuleContext, table: str) -> str:
    """The tables the writer read (lineage), for "which upstream to check"."""
    sources = ctx.sources().get(table, [])
    if not sources:
        return "its source files or the system feeding it (no upstream table in the lineage)"
    shown = ", ".join(sources[:3]) + (f" and {len(sources) - 3} more" if len(sources) > 3 else "")
    return f"its upstream table(s) {shown}"


def row_count_deviation(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["row_count_deviation"]
    frame = ctx.metric(integrity.flagged_writes)
    frame = frame[frame["run_outcome"].isna() | (frame["run_outcome"] == "success")]
    if frame.empty:
        return []
    frame = frame[pd.to_datetime(frame["commit_time"], utc=True) >= ctx.since("row_count_deviation")]
    out = []
    for table, group in frame.sort_values("commit_time", kind="stable").groupby("table_full_name", sort=True):
        r = group.iloc[-1]
        version = int(r["version"])
        what = (
            "wrote 0 rows"
            if r["status"] == "zero_rows"
            else f"wrote {float(r['delta_pct']):+.1f} % rows against its baseline"
        )
        out.append(
            Finding(
                rule="row_count_deviation",
                category=cfg["category"],
                severity=cfg["severity"],
                title=f"{table}: {what}",
                remediation=(
                    f"{r['reason']}. The run succeeded, so nothing else will tell you. Check "
                    f"{_upstream(ctx, table)} for missing or duplicated input, then compare version {version} "
                    f"with the one before (DESCRIBE HISTORY {table}; SELECT count(*) FROM {table} VERSION AS "
                    f"OF {version - 1}). If the change is expected, raise the table's threshold "
                    "(thresholds.row_count_tables in monitor.yaml). "
                    f"Who to ask: {ctx.owner(r['workspace_id'], r['job_id'])}."
                ),
                evidence={
                    "value": _num(r["rows_written"]),
                    "baseline": _num(r["baseline_rows"]),
                    "threshold": _num(r["deviation_pct"]),
                    "sample_size": _num(r["baseline_writes"]),
                    "delta_pct": _num(r["delta_pct"]),
                    "status": r["status"],
                    "version": version,
                    "flagged_writes": len(group),
                },
                run_id=_s(r["job_run_id"]),
                table_full_name=str(table),
                workspace_id=_s(r["workspace_id"]),
                job_id=_s(r["job_id"]),
                job_name=_s(r["job_name"]),
                team=_s(r["team"]),
            )
        )
    return out


def schema_drift(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["schema_drift"]
    frame = ctx.metric(integrity.schema_drift)
    if frame.empty:
        return []
    frame = frame[pd.to_datetime(frame["detected_at"], utc=True) >= ctx.since("schema_drift")]
    out = []
    for table, group in frame.groupby("table_full_name", sort=True):
        breaking = group[group["change"] != "added"]
        r = group.sort_values("detected_at", kind="stable").iloc[-1]
        changes = [_change_text(c) for c in group.itertuples()]
        version = None if pd.isna(r["version"]) else int(r["version"])
        compare = (
            f"compare version {version} with {version - 1} (DESCRIBE HISTORY {table})"
            if version is not None
            else f"compare the table's last two versions (DESCRIBE HISTORY {table})"
        )
        advice = (
            "Readers of the removed or retyped columns will fail or read wrong values: "
            if not breaking.empty
            else "Added columns break only readers that SELECT * into a fixed schema: "
        )
        out.append(
            Finding(
                rule="schema_drift",
                category=cfg["category"],
                severity=cfg["severity"] if not breaking.empty else cfg["added_severity"],
                title=f"{table}: schema changed ({len(group)} column change(s))",
                remediation=(
                    f"{'; '.join(changes[:5])}{' ...' if len(changes) > 5 else ''}, first seen in the snapshot of "
                    f"{pd.Timestamp(r['detected_at']):%Y-%m-%d %H:%M} UTC. {advice}{compare}, check "
                    f"{_upstream(ctx, table)} for the change at its source, and pin or cast the columns in the "
                    f"writer. Who to ask: {ctx.owner(r['workspace_id'], r['job_id'])}."
                ),
                evidence={
                    "value": len(group),
                    "baseline": None,
                    "threshold": None,
                    "sample_size": None,
                    "changes": changes,
                    "breaking_changes": len(breaking),
                    "version": version,
                    "detected_at": _time(r["detected_at"]),
                },
                run_id=_s(r["job_run_id"]),
                table_full_name=str(table),
                workspace_id=_s(r["workspace_id"]),
                job_id=_s(r["job_id"]),
                job_name=_s(r["job_name"]),
                team=_s(r["team"]),
            )
        )
    return out


def _change_text(c: Any) -> str:
    if c.change == "added":
        return f"{c.column_name} added ({c.new_type})"
    if c.change == "removed":
        return f"{c.column_name} removed (was {c.old_type})"
    if c.change == "type_changed":
        return f"{c.column_name} retyped {c.old_type} -> {c.new_type}"
    was = "nullable" if c.old_nullable else "not null"
    now = "nullable" if c.new_nullable else "not null"
    return f"{c.column_name} {was} -> {now}"


def budget(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["budget"]
    status = budget_status(
        ctx.engine,
        ctx.budgets,
        ctx.now,
        approaching_share=cfg["approaching_share"],
        min_forecast_days=cfg["min_forecast_days"],
    )
    out = []
    for _, b in status[status["status"] != "ok"].iterrows():
        exceeded = b["status"] == "exceeded"
        limit, spent, forecast = b["monthly_usd"], b["spent_usd"], _num(b["forecast_usd"])
        if b["scope"] == "team":
            name = f'team "{b["team"]}"'
        else:
            name = f"job {b['job_name'] or b['job_id']}"
        top = b["top_drivers"]
        top_text = ", ".join(f"{j['job_name']} {_money(j['list_cost_usd'])}" for j in top) or "none"
        out.append(
            Finding(
                rule="budget",
                category=cfg["category"],
                severity=cfg["exceeded_severity" if exceeded else "approaching_severity"],
                title=f"{name}: {'over' if exceeded else 'approaching'} its {_money(limit)} monthly budget",
                remediation=(
                    f"{_money(spent)} spent this month to {ctx.now:%Y-%m-%d %H:%M} UTC ({b['share']:.0%} of "
                    f"{_money(limit)}, list price)"
                    + (f"; month-end forecast {_money(forecast)}" if forecast is not None else "")
                    + f". Top drivers: {top_text}. Review their schedules, cluster sizes and open cost alerts; "
                    "raise the budget if the growth is planned."
                ),
                evidence={
                    "value": spent,
                    "threshold": limit,
                    "baseline": forecast,
                    "sample_size": b["elapsed_days"],
                    "share": b["share"],
                    "forecast_usd": forecast,
                    "top_drivers": top,
                },
                period=b["month"],
                team=_s(b["team"]),
                workspace_id=_s(b["workspace_id"]),
                job_id=_s(b["job_id"]),
                job_name=_s(b["job_name"]),
            )
        )
    return out


# --- data ---------------------------------------------------------------------------------------------

# The sources that must keep arriving (the jobs table changes only when a job does).
FRESH_SOURCES = ("job timeline", "billing")


def stale_data(ctx: RuleContext) -> list[Finding]:
    cfg = ctx.rules["stale_data"]
    frame = drilldown.data_freshness(ctx.engine)
    limit = timedelta(hours=float(cfg["max_age_hours"]))
    now = pd.Timestamp(ctx.now)
    out = []
    for _, r in frame[frame["source"].isin(FRESH_SOURCES)].iterrows():
        newest = r["newest_time"]
        age = None if pd.isna(newest) else now - pd.Timestamp(newest)
        if age is not None and age <= limit:
            continue
        hours = None if age is None else round(age.total_seconds() / 3600, 1)
        out.append(
            Finding(
                rule="stale_data",
                category=cfg["category"],
                severity=cfg["severity"],
                title=f"{r['table_name']}: no new data for {hours:g} h"
                if hours is not None
                else f"{r['table_name']}: no data",
                remediation=(
                    f"The newest row is from {_time(newest) or 'never'}; every alert and figure from "
                    f"{r['source']} is stale until it arrives again. Check the system schema is enabled and "
                    "readable by the app's principal, the warehouse is up, and the refresh job runs (the "
                    "bundle's hourly job, or `python -m monitor_app refresh`)."
                ),
                evidence={
                    "value": hours,
                    "threshold": float(cfg["max_age_hours"]),
                    "baseline": None,
                    "sample_size": None,
                    "newest_time": _time(newest),
                },
                table_full_name=str(r["table_name"]),
            )
        )
    return out


RULE_FUNCTIONS: dict[str, Callable[[RuleContext], list[Finding]]] = {
    "consecutive_failures": consecutive_failures,
    "failure_rate": failure_rate,
    "duration_regression": duration_regression,
    "suspiciously_fast": suspiciously_fast,
    "retry_heavy": retry_heavy,
    "sla_breach": sla_breach,
    "sla_at_risk": sla_at_risk,
    "dbu_spike": dbu_spike,
    "zombie_job": zombie_job,
    "all_purpose_job": all_purpose_job,
    "over_provisioned": over_provisioned,
    "budget": budget,
    "row_count_deviation": row_count_deviation,
    "schema_drift": schema_drift,
    "stale_data": stale_data,
}
# A lesser alert on the same job is held back while a greater one fires (Alertmanager's inhibition).
INHIBITED_BY = {"failure_rate": ("consecutive_failures",)}
