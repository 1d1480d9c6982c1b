"""Cluster utilization (CLUST-01) and rightsizing (CLUST-02) views.

- Runs page, a job selected: its runs' CPU and memory, driver and workers apart, with the 40 % line, and
  the job's rightsizing verdict with its recommendation, saving (and formula) and confidence.
- Overview and Teams pages: the biggest rightsizing savings first, each row opening the job; what the
  node data could not give (shared clusters, unknown clusters, repeated minutes) counted below.

Data come from :mod:`monitor_app.analytics.utilization` through ``state.query``; no queries here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.charts import FAILED, MEASURED, MEASURED_LIGHT, SUCCEEDED, SUCCEEDED_LIGHT, holoviews
from components.loading import DataPanel
from components.panes import fmt_money, key_values, text_pane
from components.tables import data_table
from monitor_app.analytics import utilization
from monitor_app.state import AppState

LOW_LINE_PCT = 40
SERIES = (
    ("worker_cpu_avg_pct", "workers CPU", MEASURED),
    ("worker_mem_avg_pct", "workers memory", SUCCEEDED),
    ("driver_cpu_avg_pct", "driver CPU", MEASURED_LIGHT),
    ("driver_mem_avg_pct", "driver memory", SUCCEEDED_LIGHT),
)
SAVINGS_TITLES = {
    "job_name": "Job",
    "team": "Team",
    "verdict": "Verdict",
    "est_monthly_savings_usd": "Saving/mo",
    "confidence": "Confidence",
    "worker_cpu_avg_pct": "CPU%",
    "worker_mem_avg_pct": "Mem%",
    "recommendation": "Recommendation",
}
SAVINGS_WIDTHS = {
    "job_name": "17%",
    "team": "9%",
    "verdict": "12%",
    "est_monthly_savings_usd": "10%",
    "confidence": "9%",
    "worker_cpu_avg_pct": "9%",
    "worker_mem_avg_pct": "9%",
    "recommendation": "25%",
}
RUN_TITLES = {
    "run_id": "Run",
    "start_time": "Start (UTC)",
    "workers_seen": "Workers",
    "driver_cpu_avg_pct": "Driver CPU%",
    "worker_cpu_avg_pct": "Workers CPU%",
    "worker_mem_avg_pct": "Workers mem%",
    "worker_mem_peak_pct": "Peak mem%",
    "worker_cpu_wait_avg_pct": "IO wait%",
    "coverage": "Coverage",
}
RUN_WIDTHS = {"run_id": "15%", "start_time": "15%", "workers_seen": "8%"} | {
    c: "10.3%" for c in RUN_TITLES if c.endswith("_pct") or c == "coverage"
}


def utilization_chart(runs: pd.DataFrame) -> Any:
    """Per run (start time): driver and workers' average CPU and memory, with the 40 % line."""
    hv = holoviews()
    measured = runs[runs["status"] == "measured"].copy()
    measured["start"] = pd.to_datetime(measured["start_time"], utc=True).dt.tz_convert(None)
    measured = measured.sort_values("start")
    curves = []
    for column, label, color in SERIES:
        frame = measured[["start", column, "run_id"]].rename(columns={column: "percent"})
        curves.append(hv.Curve(frame, "start", ["percent", "run_id"], label=label).opts(color=color))
        curves.append(
            hv.Scatter(frame, "start", ["percent", "run_id"], label=label).opts(
                color=color, size=5, tools=["hover"]
            )
        )
    line = hv.HLine(LOW_LINE_PCT).opts(color=FAILED, line_dash="dashed", line_width=1)
    return hv.Overlay([*curves, line]).opts(
        responsive=True,
        height=280,
        ylim=(0, 100),
        xlabel="run start (UTC)",
        ylabel="average over the run (%)",
        title=f"CPU and memory per run, driver and workers apart; red: {LOW_LINE_PCT} %",
        legend_position="top_left",
    )


def _verdict_facts(job: pd.Series) -> list[tuple[str, Any]]:
    saving = job["est_monthly_savings_usd"]
    facts = [
        ("Verdict", job["verdict"]),
        ("Measured runs", f"{int(job['measured_runs'])} of {int(job['runs'])}"),
        ("Estimated saving", f"{fmt_money(saving)} a month (list price)" if saving else "none"),
        ("Confidence", f"{job['confidence']} ({job['confidence_reason']})"),
    ]
    if isinstance(job["savings_formula"], str):
        facts.append(("How the saving is worked out", job["savings_formula"]))
    return facts


class JobUtilizationView(Viewer):
    """The selected job's runs: driver and workers' CPU and memory, and the job's rightsizing verdict."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(
            state,
            "Cluster utilization of the job",
            self._load,
            self._render,
            active=lambda: state.page == "runs" and bool(state.job_id),
            css_class="job-utilization",
        )

    def _load(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        state = self._state
        if not state.job_id:
            return pd.DataFrame(), pd.DataFrame()
        whole = state.filters().with_(row_limit=None)
        return (
            state.query(utilization.cluster_utilization, filters=whole),
            state.query(state.metric(utilization.rightsizing), filters=whole),
        )

    def _render(self, data: tuple[pd.DataFrame, pd.DataFrame]) -> Any:
        runs, jobs = data
        if not self._state.job_id:
            return text_pane("Pick a job to see its cluster utilization.", "empty")
        if runs.empty:
            return text_pane(
                "No run of this job ran on a cluster in this window (serverless or none).", "empty"
            )
        parts: list[Any] = []
        if not jobs.empty:
            job = jobs.iloc[0]
            parts.append(text_pane(str(job["recommendation"]), "rightsizing-recommendation", tag="p"))
            parts.append(key_values(_verdict_facts(job), "rightsizing-facts"))
        if (runs["status"] == "measured").any():
            parts.append(
                pn.pane.HoloViews(
                    utilization_chart(runs), sizing_mode="stretch_width", css_classes=["utilization-chart"]
                )
            )
        shared = int((runs["status"] == "shared_all_purpose").sum())
        if shared:
            parts.append(
                text_pane(
                    f"{shared} run(s) ran on a shared all-purpose cluster: their load is not theirs alone, "
                    "so they are not measured.",
                    "utilization-shared",
                    tag="p",
                )
            )
        shown = list(RUN_TITLES)
        others = [c for c in runs.columns if c not in shown]
        parts.append(
            data_table(
                runs[shown + others],
                "run_utilization",
                titles=RUN_TITLES,
                numbers={c: "0.0" for c in runs.columns if c.endswith("_pct")},
                percent=("coverage",),
                widths=RUN_WIDTHS,
                hidden=others,
                css_class="run-utilization-table",
            )
        )
        return pn.Column(*parts, sizing_mode="stretch_width")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


class RightsizingView(Viewer):
    """The jobs whose cluster could be smaller, biggest saving first; memory-, driver- and IO-bound jobs
    listed with what to do instead of shrinking."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(
            state,
            "Rightsizing: where clusters could be smaller",
            lambda: (
                state.query(state.metric(utilization.rightsizing)),
                state.query(utilization.utilization_data_issues),
            ),
            self._render,
            css_class="rightsizing",
        )

    def _render(self, data: tuple[pd.DataFrame, pd.DataFrame]) -> Any:
        jobs, issues = data
        flagged = jobs[jobs["verdict"] != "ok"]
        parts: list[Any] = []
        if flagged.empty:
            parts.append(text_pane("Every measured job is sized about right in this window.", "empty"))
        else:
            total = flagged["est_monthly_savings_usd"].sum()
            parts.append(
                text_pane(
                    f"{len(flagged)} job(s) to look at; shrinking the over-provisioned ones saves about "
                    f"{fmt_money(total)} a month (list price). Memory-, driver- and IO-bound jobs are not "
                    "told to shrink.",
                    "rightsizing-headline",
                    tag="p",
                )
            )
            others = [c for c in flagged.columns if c not in SAVINGS_TITLES]
            parts.append(
                data_table(
                    flagged[list(SAVINGS_TITLES) + others],
                    "rightsizing",
                    titles=SAVINGS_TITLES,
                    money=("est_monthly_savings_usd",),
                    numbers={c: "0.0" for c in flagged.columns if c.endswith("_pct")},
                    widths=SAVINGS_WIDTHS,
                    hidden=others,
                    on_click=lambda _i, row: self._state.select_job(
                        str(row["workspace_id"]), str(row["job_id"])
                    ),
                    css_class="rightsizing-table",
                )
            )
        if not issues.empty:
            counts = issues.groupby("kind")["items"].sum()
            text = "; ".join(f"{k.replace('_', ' ')}: {int(n):,}" for k, n in counts.items())
            parts.append(text_pane(f"Node data not used as is: {text}.", "utilization-issues", tag="p"))
        return pn.Column(*parts, sizing_mode="stretch_width")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


def rightsizing_overview(state: AppState) -> RightsizingView:
    """Overview and Teams pages: the biggest rightsizing savings."""
    return RightsizingView(state)


def job_utilization(state: AppState) -> JobUtilizationView:
    """Runs page (a job selected): utilization per run and the job's verdict."""
    return JobUtilizationView(state)


FOLDED = {
    rightsizing_overview: "Rightsizing: clusters that could be smaller, and jobs that must not shrink",
    job_utilization: "Cluster utilization of the job: driver and workers' CPU and memory",
}

VIEWS = {"overview": [rightsizing_overview], "teams": [rightsizing_overview], "runs": [job_utilization]}
