"""The cost views of a scope below the overview: a team's costs, a job's cost history, a run's cost."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.cost_charts import run_cost_chart, spend_chart
from components.cost_formats import MONEY, WINDOW_PARAMS, dbus_text, list_price_note
from components.count_bridges import billed_runs_note
from components.loading import DataPanel
from components.panes import esc, fmt_money, key_values, text_pane
from components.tables import data_table
from monitor_app.analytics import cost, drilldown
from monitor_app.filters import Filters
from monitor_app.state import AppState

if TYPE_CHECKING:
    pass


class TeamCostView(Viewer):
    """Spend, trend against the previous window and top job of every team; the selected team's jobs."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        active = lambda: state.page == "teams"  # noqa: E731  (the view is on the teams page only)
        self._teams = DataPanel(
            state,
            f"Team costs ({MONEY})",
            lambda: (
                state.query(cost.team_costs, filters=state.filters().with_(team=None, job_id=None)),
                state.query(
                    state.metric(cost.team_spend, grain="week"), filters=state.filters().with_(job_id=None)
                ),
                state.query(drilldown.teams_summary, filters=state.filters().with_(team=None, job_id=None)),
            ),
            self._render_teams,
            watch=(*WINDOW_PARAMS, "team"),
            active=active,
            css_class="team-costs",
        )
        self._jobs = DataPanel(
            state,
            f"Job costs of the selected team ({MONEY})",
            lambda: state.query(cost.job_costs, filters=state.filters().with_(job_id=None)),
            self._render_jobs,
            watch=(*WINDOW_PARAMS, "team"),
            active=lambda: state.page == "teams" and bool(state.team),
            css_class="team-job-costs",
        )

    def _render_teams(self, data: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> Any:
        teams, spend, every_run = data
        if teams.empty:
            return text_pane("No team spend in this window.", "empty")
        state = self._state
        cols = [
            "team",
            "jobs",
            "runs",
            "list_cost_usd",
            "previous_list_cost_usd",
            "change_pct",
            "spend_share",
            "top_job_name",
            "top_job_list_cost_usd",
        ]
        table = data_table(
            teams[cols],
            "team_costs",
            titles={
                "jobs": "Jobs billed",
                "runs": "Billed runs",
                "list_cost_usd": f"Cost ({MONEY})",
                "previous_list_cost_usd": f"Previous window ({MONEY})",
                "change_pct": "Change",
                "spend_share": "Share",
                "top_job_name": "Top job",
                "top_job_list_cost_usd": f"Top job cost ({MONEY})",
            },
            money=["list_cost_usd", "previous_list_cost_usd", "top_job_list_cost_usd"],
            percent=["spend_share"],
            on_click=lambda _i, row: state.select_team(row["team"]),
            css_class="team-costs-table",
        )
        counted = text_pane(billed_runs_note(teams, every_run), "billed-runs-note", tag="p")
        parts: list[Any] = [list_price_note(), counted, table]
        if not spend.empty:
            parts.append(
                pn.pane.HoloViews(
                    spend_chart(spend), sizing_mode="stretch_width", css_classes=["team-spend-chart"]
                )
            )
        return pn.Column(*parts, sizing_mode="stretch_width")

    def _render_jobs(self, frame: pd.DataFrame) -> Any:
        if not self._state.team:
            return text_pane("Pick a team to see its jobs' costs.", "empty")
        if frame.empty:
            return text_pane("This team has no job spend in this window.", "empty")
        state = self._state
        cols = [
            "workspace_id",
            "job_id",
            "job_name",
            "runs",
            "dbus",
            "list_cost_usd",
            "list_cost_usd_per_run",
            "unpriced_dbus",
        ]
        return data_table(
            frame[cols],
            "team_job_costs",
            titles={"list_cost_usd": f"Cost ({MONEY})", "list_cost_usd_per_run": f"Per run ({MONEY})"},
            money=["list_cost_usd", "list_cost_usd_per_run"],
            numbers={"dbus": "0,0.0", "unpriced_dbus": "0,0.0"},
            on_click=lambda _i, row: state.select_job(row["workspace_id"], row["job_id"]),
            css_class="team-job-costs-table",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self._teams, self._jobs, sizing_mode="stretch_width")


# ----------------------------------------------------------------------------- job and run
def _whole_job(state: AppState) -> Filters:
    """The filters without the row limit: one job's runs are few, and the run asked for may be its oldest."""
    return state.filters().with_(row_limit=None)


class JobCostHistoryView(Viewer):
    """The selected job's run costs over the window, DBU spikes marked, with the numbers behind each."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(
            state,
            f"Cost history of the job ({MONEY})",
            lambda: (
                state.query(cost.run_costs, filters=_whole_job(state)) if state.job_id else pd.DataFrame(),
                state.query(state.metric(cost.dbu_spikes)) if state.job_id else pd.DataFrame(),
            ),
            self._render,
            active=lambda: state.page == "runs" and bool(state.job_id),
            css_class="job-cost-history",
        )

    def _render(self, data: tuple[pd.DataFrame, pd.DataFrame]) -> Any:
        runs, spikes = data
        if not self._state.job_id:
            return text_pane("Pick a job to see its cost history.", "empty")
        if runs.empty:
            return text_pane("No billed run of this job in this window.", "empty")
        total = fmt_money(runs["list_cost_usd"].sum())
        facts = [
            ("Runs billed", len(runs)),
            ("Cost in window", f"{total} (list price)"),
            ("DBUs", dbus_text(runs["dbus"].sum())),
            ("DBU spikes", len(spikes)),
        ]
        parts: list[Any] = [
            key_values(facts, "job-cost-facts"),
            pn.pane.HoloViews(
                run_cost_chart(runs, spikes), sizing_mode="stretch_width", css_classes=["run-cost-chart"]
            ),
        ]
        if not spikes.empty:
            state = self._state
            parts.append(
                data_table(
                    spikes[
                        [
                            "run_id",
                            "start_time",
                            "dbus",
                            "baseline_p90_dbus",
                            "baseline_runs",
                            "ratio",
                            "excess_list_cost_usd",
                        ]
                    ],
                    "job_dbu_spikes",
                    titles={
                        "excess_list_cost_usd": f"Excess ({MONEY})",
                        "baseline_p90_dbus": "Baseline p90 DBUs",
                    },
                    money=["excess_list_cost_usd"],
                    numbers={"dbus": "0,0.0", "baseline_p90_dbus": "0,0.0", "ratio": "0.00"},
                    on_click=lambda _i, row: state.select_run(
                        state.workspace_id, row["run_id"], state.job_id
                    ),
                    css_class="job-spikes-table",
                )
            )
        return pn.Column(*parts, sizing_mode="stretch_width")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


class RunCostView(Viewer):
    """The selected run's cost: DBUs, list $, billing corrections, unpriced usage, per-task estimates."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(
            state,
            f"Run cost ({MONEY})",
            self._load,
            self._render,
            watch=(*AppState.FILTER_PARAMS, "run_id"),
            active=lambda: state.page == "runs" and bool(state.run_id),
            css_class="run-cost",
        )

    def _load(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        state = self._state
        if not state.run_id or not state.job_id:
            return pd.DataFrame(), pd.DataFrame()
        runs = state.query(cost.run_costs, filters=_whole_job(state))
        tasks = state.query(cost.task_costs, filters=_whole_job(state))
        run_id = str(state.run_id)
        return runs[runs["run_id"] == run_id], tasks[tasks["job_run_id"] == run_id]

    def _render(self, data: tuple[pd.DataFrame, pd.DataFrame]) -> Any:
        run, tasks = data
        if not self._state.run_id:
            return text_pane("Pick a run to see its cost.", "empty")
        if run.empty:
            return text_pane(
                "Billing has no usage for this run (yet, or it ran on all-purpose compute).", "empty"
            )
        r = run.iloc[0]
        pairs = [
            ("Cost", f"{fmt_money(r['list_cost_usd'])} (list price)"),
            ("DBUs (net of corrections)", dbus_text(r["dbus"])),
            (
                "Original / retracted / restated",
                f"{dbus_text(r['original_dbus'])} / {dbus_text(r['retracted_dbus'])} / {dbus_text(r['restated_dbus'])}",
            ),
            ("Unpriced usage (no $)", dbus_text(r["unpriced_dbus"])),
            ("Serverless", "yes" if bool(r["is_serverless"]) else "no"),
            ("SKUs", ", ".join(map(str, r["sku_names"])) if r["sku_names"] is not None else "–"),
        ]
        parts: list[Any] = [key_values(pairs, "run-cost-facts")]
        if not tasks.empty:
            parts.append(
                pn.pane.HTML(
                    f"<p class='task-cost-note'>Task costs are <b>estimates</b>: billing is per job run, split here by "
                    f"task-run duration. Run {esc(r['run_id'])}.</p>"
                )
            )
            parts.append(
                data_table(
                    tasks[
                        [
                            "task_key",
                            "attempt_number",
                            "duration_seconds",
                            "cost_share",
                            "dbus",
                            "list_cost_usd",
                            "is_estimate",
                        ]
                    ],
                    "task_costs",
                    titles={"list_cost_usd": f"Estimated cost ({MONEY})", "cost_share": "Share"},
                    money=["list_cost_usd"],
                    percent=["cost_share"],
                    numbers={"dbus": "0,0.00"},
                    css_class="task-costs-table",
                )
            )
        return pn.Column(*parts, sizing_mode="stretch_width")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


def team_cost_page(state: AppState) -> TeamCostView:
    """Teams page: spend, trend and top job per team; the selected team's jobs."""
    return TeamCostView(state)


def job_cost_history(state: AppState) -> JobCostHistoryView:
    """Runs page, when a job is selected: run costs over time with spikes marked."""
    return JobCostHistoryView(state)


def run_cost_panel(state: AppState) -> RunCostView:
    """Runs page, when a run is selected: the run's DBUs, $, corrections and task estimates."""
    return RunCostView(state)
