"""Job health views (JOB-01..04): job health table, team summary, run history (its chart in
run_history_chart.py), regressions, retries.

Thin views: each takes the session's ``AppState``, loads through ``state.query`` (per-identity cache) and
only lays out and formats. Workspace text is shown through plaintext Tabulator cells or escaped HTML (the
overview's job health table is a ``LightTable``: it is on the first page, see components/light_table.py).
Plugged into the shell through ``VIEWS`` (see components/registry.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.charts import SEVERITY_COLOURS
from components.html_box import HtmlBox
from components.light_table import DURATION, LightTable, number_format
from components.loading import PRIMARY, DataPanel, InPlace
from components.panes import PANE_CSS, esc, text_pane
from components.run_history_chart import RunHistoryChart
from components.tables import data_table
from components.theme import var
from monitor_app.analytics import health
from monitor_app.state import AppState

# Status cells: ground and text from the theme (a light ground with the dark theme's white text was unreadable).
STATUSES = ("critical", "warn", "ok", "no_data")
STATUSES = ["critical", "warn", "ok", "no_data"]

# The table's columns (a dozen: every column is a few Bokeh models to build and lay out). The job's
# workspace stays in the frame for the click; the outcome counts are in the job's own page.
HEALTH_COLUMNS = {
    "p1": "Severity",
    "status": "Status",
    "job_name": "Job",
    "team": "Team",
    "runs": "Runs",
    "failed": "Failed",
    "failure_rate": "Failure rate",
    "success_rate": "Success rate",
    "first_attempt_success_rate": "First-attempt success",
    "streak_length": "Failures in a row",
    "status_reason": "Why",
    "job_id": "Job id",
}
KEY_COLUMNS = ["workspace_id", "job_id"]
# one line, whatever the scope's length: the box keeps its height (a longer text is cut, whole on hover)
CAPTION_CSS = ".filters-caption { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }"


def job_health_frame(rates: pd.DataFrame, streaks: pd.DataFrame, severity: str) -> pd.DataFrame:
    """The job health table's rows: success rates plus the severity badge of consecutive failures (pure).

    ``severity`` is what the alert engine gives a streak in this workspace (the consecutive_failures rule:
    P1 unless monitor.yaml's alert_rules says otherwise), so the badge and the alert agree. A job with
    failures in a row is ``critical`` with the streak first in its reason, so the badge and the status never
    disagree."""
    keys = ["workspace_id", "job_id"]
    out = rates.merge(streaks.reindex(columns=[*keys, "streak_length"]), on=keys, how="left")
    p1 = out["streak_length"].notna()
    out["p1"] = pd.Series(severity, index=out.index, dtype=object).where(p1, "")
    out["streak_length"] = out["streak_length"].fillna(0).astype(int)
    # one status per job from every signal: failures in a row make it critical whatever its rate says,
    # and the reason says so first
    streak_text = pd.Series(
        [f"{n} failures in a row ({s})" for n, s in zip(out["streak_length"], out["p1"], strict=True)],
        index=out.index,
        dtype=object,
    )
    reason = out["status_reason"].where(out["status_reason"].notna() & (out["status_reason"] != ""), None)
    out.loc[p1, "status_reason"] = [
        f"{s}; {r}" if isinstance(r, str) else s for s, r in zip(streak_text[p1], reason[p1], strict=True)
    ]
    out.loc[p1, "status"] = "critical"
    out = out.sort_values(["p1", "failure_rate"], ascending=[False, False], na_position="last")
    columns = list(HEALTH_COLUMNS) + [c for c in KEY_COLUMNS if c not in HEALTH_COLUMNS]
    return out.reindex(columns=columns).reset_index(drop=True)


def _style_status(value: Any) -> str:
    if value not in STATUSES:
        return ""
    return f"background-color: {var(f'status-{value}-bg')}; color: {var(f'status-{value}-text')}"


def _style_p1(value: Any) -> str:
    colour = SEVERITY_COLOURS.get(value)
    return f"background-color: {colour}; color: white; font-weight: bold" if colour else ""


class JobHealthView(Viewer):
    """Job health table: sortable, filterable by team and status, colour-coded, P1 badge column."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._status = pn.widgets.MultiChoice(label="Status", options=STATUSES, value=[], width=300)
        self._table: LightTable | None = None  # built with the first rows, then kept (``_show``)
        self._view = pn.Column(sizing_mode="stretch_width")
        self._panel = DataPanel(state, "Job health", self._load, self._render)
        self._status.param.watch(lambda *_: self._panel.refresh(), "value")
        # a fixed box refilled in place: a re-laid-out pane was part of every cross-filter's browser work
        self._caption = HtmlBox(
            html=self._caption_html(),
            height=24,
            sizing_mode="stretch_width",
            stylesheets=[PANE_CSS, CAPTION_CSS],
        )
        # the caption says which window and team the table is for: it follows every filter change
        state.param.watch(self._recaption, list(AppState.FILTER_PARAMS))

    def _scope(self) -> str:
        try:
            return self._state.filters().describe()
        except ValueError as err:  # a half-set date range: say so rather than a stale scope
            return str(err)

    def _recaption(self, *_: Any) -> None:
        self._caption.html = self._caption_html()

    def _caption_html(self) -> str:
        scope = esc(self._scope())
        return f'<div class="filters-caption" title="{scope}">{scope}</div>'

    def _load(self) -> pd.DataFrame:
        rates = self._state.query(self._state.metric(health.success_rates))
        streaks = self._state.query(self._state.metric(health.consecutive_failures))
        return job_health_frame(rates, streaks, self._state.rule_severity("consecutive_failures"))

    def _render(self, frame: pd.DataFrame) -> Any:
        if self._status.value:
            frame = frame[frame["status"].isin(self._status.value)]
        if frame.empty:
            return text_pane("No job ran in this window.")
        return InPlace(self._view, lambda: self._show(frame))

    def _show(self, frame: pd.DataFrame) -> None:
        """Swap the rows into the kept table: a cross-filter click then changes one table's HTML in the
        browser, not a new table to build and lay out (docs/benchmarks.md)."""
        if self._table is not None:
            self._table.frame = frame
            return
        self._table = LightTable(
            frame,
            titles=HEALTH_COLUMNS,
            formats={
                c: number_format("0.0%")
                for c in ("failure_rate", "success_rate", "first_attempt_success_rate")
            },
            styles={"status": _style_status, "p1": _style_p1},
            filter_column="team",
            page_size=20,
            sizing_mode="stretch_width",
            css_classes=["job-health-table"],
        )
        self._table.on_click(
            lambda _position, row: self._state.select_job(str(row["workspace_id"]), str(row["job_id"]))
        )
        self._view.objects = [self._table]

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            self._caption,
            self._status,
            self._panel,
            sizing_mode="stretch_width",
        )


class TeamHealthView(Viewer):
    """Team summary: success rates per team and how many of its jobs are at warn / critical."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(
            state,
            "Team reliability",
            lambda: state.query(state.metric(health.team_success_rates)),
            self._render,
        )

    def _render(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No run in this window.")
        cols = [
            "team",
            "status",
            "jobs",
            "runs",
            "failure_rate",
            "success_rate",
            "first_attempt_success_rate",
        ]
        cols += ["jobs_warn", "jobs_critical", "cancelled", "running"]
        return data_table(
            frame[cols],
            "team_reliability",
            percent=("failure_rate", "success_rate", "first_attempt_success_rate"),
            on_click=lambda _i, row: self._state.select_team(str(row["team"])),
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


class RunHistoryView(Viewer):
    """The job page's run history chart (needs a selected job)."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._chart = RunHistoryChart()  # kept: the next job's runs replace its data
        # Primary: the chart is part of what a job click asks for, and it goes out with the runs table
        # (one update for the browser to lay out instead of a spinner and a second update).
        self._panel = DataPanel(
            state,
            "Run history",
            self._load,
            self._render,
            # the SLA line follows a target saved on this page
            watch=AppState.SLA_VIEW_PARAMS,
            css_class="run-history",
            priority=PRIMARY,
        )

    def prime(self) -> Callable[[], None]:
        """The (empty) chart pane placed in the panel while its page is hidden: the first job click then
        changes the pane's content, not the panel's children."""
        return lambda: self._panel.place(self._chart.pane) if not self._state.job_id else None

    def _load(self) -> tuple[pd.DataFrame, float | None]:
        if not self._state.job_id:
            return pd.DataFrame(), None
        runs = self._state.query(self._state.metric(health.run_durations))
        return runs, _max_duration(self._state)

    def _render(self, data: tuple[pd.DataFrame, float | None]) -> Any:
        runs, max_seconds = data
        if not self._state.job_id:
            return text_pane("Select a job to see its run history.")
        if runs.empty:
            return text_pane("This job has no run in the window.")
        return InPlace(self._chart.pane, self._chart.prepare(runs, max_seconds))

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


def _max_duration(state: AppState) -> float | None:
    """The selected job's SLA maximum duration, when one is set (state store and monitor.yaml)."""
    targets = state.sla_targets()
    if targets is None:
        return None
    mine = targets[targets["job_id"] == state.job_id]
    if state.workspace_id:
        mine = mine[mine["workspace_id"].isna() | (mine["workspace_id"] == state.workspace_id)]
    values = mine["max_duration_seconds"].dropna()
    return float(values.iloc[-1]) if not values.empty else None


class DurationRegressionsView(Viewer):
    """Runs slower than their baseline (warn +30%, critical +60%) and suspiciously fast ones."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(state, "Duration regressions", self._load, self._render)

    def _load(self) -> pd.DataFrame:
        slow = self._state.query(self._state.metric(health.duration_regressions))
        fast = self._state.query(self._state.metric(health.suspiciously_fast))
        return pd.concat([slow, fast], ignore_index=True)

    def _render(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No run outside its duration baseline.")
        cols = [
            "status",
            "job_name",
            "team",
            "run_id",
            "start_time",
            "duration_seconds",
            "baseline_median_seconds",
        ]
        cols += [
            "baseline_p90_seconds",
            "pct_over_median",
            "threshold_pct",
            "baseline_runs",
            "baseline_basis",
        ]
        cols += ["workspace_id", "job_id"]
        return data_table(
            frame[cols].sort_values("start_time", ascending=False),
            "duration_regressions",
            percent=("pct_over_median", "threshold_pct"),
            hidden=("baseline_runs", "baseline_basis", "workspace_id"),  # in the CSV
            numbers={
                c: DURATION for c in ("duration_seconds", "baseline_median_seconds", "baseline_p90_seconds")
            },
            on_click=lambda _i, row: self._state.select_run(
                str(row["workspace_id"]), str(row["run_id"]), str(row["job_id"])
            ),
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


class RetriesView(Viewer):
    """Retries and repairs per job with their cost (list price); retry-heavy jobs first."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(
            state, "Retries and their cost", lambda: state.query(state.metric(health.retries)), self._render
        )

    def _render(self, frame: pd.DataFrame) -> Any:
        frame = frame[frame["total_retries"] > 0]
        if frame.empty:
            return text_pane("No task retry or repair in this window.")
        cols = [
            "retry_heavy",
            "job_name",
            "team",
            "task_retries",
            "repairs",
            "runs_needing_retry",
            "flakiness",
        ]
        cols += ["retry_dbus", "retry_cost_usd", "retry_cost_share", "reason"]
        return data_table(
            frame.sort_values(["retry_heavy", "retry_cost_usd"], ascending=False)[cols],
            "retries",
            money=("retry_cost_usd",),
            percent=("flakiness", "retry_cost_share"),
            numbers={"retry_dbus": "0,0.00"},
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


def health_page(state: AppState) -> pn.viewable.Viewable:
    """Everything of job health on one page (tabs), for a shell that wants a single factory."""
    return pn.Tabs(
        ("Jobs", JobHealthView(state)),
        ("Teams", TeamHealthView(state)),
        ("Durations", DurationRegressionsView(state)),
        ("Retries", RetriesView(state)),
        ("Run history", RunHistoryView(state)),
        dynamic=True,
        sizing_mode="stretch_width",
    )


# Below the fold of their page: built and loaded when opened.
FOLDED = {
    TeamHealthView: "Team reliability: success rates per team",
    DurationRegressionsView: "Duration regressions: runs slower (or much faster) than their baseline",
    RetriesView: "Retries and their cost",
}

VIEWS = {
    "overview": [JobHealthView],
    "teams": [TeamHealthView],
    "jobs": [DurationRegressionsView, RetriesView],
    "runs": [RunHistoryView],
}
