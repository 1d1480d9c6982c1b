"""Cost views (COST-01/02/04/05): overview, team costs, a job's cost history, a run's cost, waste.

Thin views: each reads one cost metric through ``state.query`` inside a ``DataPanel`` and only lays out
and formats. Every $ shown is a **list price** (not the account's contract price) and says so; workspace
text (job names, teams, rule names) is escaped or shown as plain text.

Factories (``factory(state) -> viewable``), plugged into the shell's pages through ``VIEWS``:

- :func:`cost_overview` (overview): spend over time stacked by team, coverage headline, top jobs, top
  movers week over week, cost trust (reconciliation with billing);
- :func:`cost_waste` (overview): DBU spikes, zombie jobs, jobs on all-purpose compute;
- :func:`team_cost_page` (teams): spend, trend and top job per team; the selected team's jobs;
- :func:`job_cost_history` (runs, when a job is selected): run costs over time with spikes marked;
- :func:`run_cost_panel` (runs, when a run is selected): the run's DBUs, $, corrections and task estimates.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.count_bridges import billed_runs_note, trust_bridge
from components.holoviews_loader import holoviews
from components.loading import DataPanel
from components.panes import esc, fmt_money, key_values, text_pane
from components.tables import data_table
from monitor_app.analytics import cost, drilldown
from monitor_app.filters import Filters
from monitor_app.state import AppState

if TYPE_CHECKING:
    import holoviews as hv

LIST_PRICE_NOTE = "All $ are list prices (system.billing.list_prices), not your contract prices."
MONEY = "$, list price"
TOP_N = 10
WINDOW_PARAMS = ("as_of", "window_days", "start_date", "end_date", "workspace_id")


def _metric(state: AppState, fn: Any, **kwargs: Any) -> Any:
    """``fn`` with the configured thresholds bound (see ``AppState.metric``)."""
    return state.metric(fn, **kwargs)


def _note() -> pn.pane.HTML:
    return text_pane(LIST_PRICE_NOTE, "list-price-note", tag="p")


IDS = ("workspace_id", "job_id")  # hidden in the summary tables: the row click opens the job


def _pct(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{100 * float(value):.1f}%"


def _dbus(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):,.1f} DBU"


def _naive_utc(series: pd.Series) -> pd.Series:
    series = pd.to_datetime(series)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series


# ----------------------------------------------------------------------------- charts
def spend_chart(frame: pd.DataFrame) -> hv.Bars:
    """Spend per period, stacked by team (list price)."""
    hv = holoviews()
    data = pd.DataFrame(
        {
            "period": pd.to_datetime(frame["period_start"]).dt.strftime("%Y-%m-%d"),
            "team": frame["team"].astype(str),
            "cost": frame["list_cost_usd"].astype(float),
        }
    )
    return hv.Bars(data, ["period", "team"], "cost").opts(
        stacked=True,
        tools=["hover"],
        responsive=True,
        height=300,
        xlabel="period (UTC)",
        ylabel=f"cost ({MONEY})",
        xrotation=45,
        legend_position="right",
        title=f"Spend by team ({MONEY})",
    )


def run_cost_chart(runs: pd.DataFrame, spikes: pd.DataFrame) -> hv.Overlay:
    """A job's run costs over start time; DBU spikes marked in red."""
    hv = holoviews()
    data = pd.DataFrame(
        {
            "start": _naive_utc(runs["start_time"]),
            "cost": runs["list_cost_usd"].astype(float),
            "dbus": runs["dbus"].astype(float),
            "run_id": runs["run_id"].astype(str),
        }
    ).sort_values("start")
    line = hv.Curve(data, "start", ["cost", "dbus", "run_id"]).opts(color="#607d8b")
    points = hv.Scatter(data, "start", ["cost", "dbus", "run_id"]).opts(
        size=6, color="#1565c0", tools=["hover"]
    )
    marked = data[data["run_id"].isin(spikes["run_id"].astype(str))] if not spikes.empty else data.iloc[0:0]
    spike_points = hv.Scatter(marked, "start", ["cost", "dbus", "run_id"], label="DBU spike").opts(
        size=12, color="#c62828", marker="triangle", tools=["hover"]
    )
    return (line * points * spike_points).opts(
        responsive=True,
        height=280,
        xlabel="run start (UTC)",
        ylabel=f"run cost ({MONEY})",
        title=f"Run cost ({MONEY}); red: DBU spikes",
        legend_position="top_left",
    )


# ----------------------------------------------------------------------------- overview
def _coverage_headline(cov: pd.DataFrame) -> pn.pane.HTML:
    if cov.empty:
        return text_pane("No job spend in this window.", "coverage-headline")
    share = cov["attributed_share"].iloc[0]
    by_method = cov.groupby("method")["spend_share"].sum()
    parts = ", ".join(
        f"{label} {_pct(by_method.get(method, 0))}"
        for method, label in (("job_tag", "job tags"), ("billing_tag", "billing tags"), ("rule", "rules"))
    )
    text = f"{_pct(share)} of job spend (list price) is attributed to a team ({parts})."
    return text_pane(text, "coverage-headline", tag="p")


def _trust_summary(trust: pd.DataFrame, teams: pd.DataFrame, start_time: datetime) -> pn.Column:
    if trust.empty:
        return pn.Column(text_pane("No job usage in billing for this window.", "empty"))
    days_ok = int(trust["reconciles"].astype(bool).sum())
    newest = pd.to_datetime(trust["newest_usage_end_time"]).max()
    pairs = [
        *trust_bridge(trust, teams, start_time),
        ("= per-run costs", fmt_money(trust["run_costs_list_cost_usd"].sum()) + " (list price)"),
        ("+ job usage without a run id", fmt_money(trust["no_run_id_list_cost_usd"].sum())),
        ("= all JOBS usage in billing", fmt_money(trust["billing_jobs_list_cost_usd"].sum())),
        ("Days reconciled to the cent", f"{days_ok} of {len(trust)}"),
        ("Unexplained", fmt_money(trust["unexplained_list_cost_usd"].sum())),
        (
            "Retracted / restated",
            f"{_dbus(trust['retracted_dbus'].sum())} / {_dbus(trust['restated_dbus'].sum())}",
        ),
        ("Unpriced usage (no $ shown)", _dbus(trust["unpriced_dbus"].sum())),
        ("Job runs on all-purpose compute (not costed)", int(trust["all_purpose_job_runs"].sum())),
        ("Newest billing row", "–" if pd.isna(newest) else f"{newest:%Y-%m-%d %H:%M} UTC"),
    ]
    return pn.Column(key_values(pairs, "cost-trust-facts"), sizing_mode="stretch_width")


class CostOverviewView(Viewer):
    """Spend over time by team, attribution coverage, top jobs, top movers and cost trust."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        active = lambda: state.page == "overview"  # noqa: E731
        self._spend = DataPanel(
            state,
            f"Spend by team ({MONEY})",
            lambda: (
                state.query(_metric(state, cost.team_spend, grain=self._grain())),
                state.query(cost.attribution_coverage),
            ),
            self._render_spend,
            active=active,
            css_class="cost-spend",
        )
        self._top = DataPanel(
            state,
            f"Top jobs by cost ({MONEY})",
            lambda: state.query(cost.job_costs),
            self._render_top,
            active=active,
            css_class="cost-top-jobs",
        )
        self._movers = DataPanel(
            state,
            f"Top movers, last 7 days vs the 7 before ({MONEY})",
            lambda: state.query(cost.cost_movers),
            self._render_movers,
            active=active,
            css_class="cost-movers",
        )
        self._trust = DataPanel(
            state,
            "Cost trust: per-run costs reconciled with billing",
            lambda: (
                state.query(cost.cost_trust),
                state.query(drilldown.teams_summary, filters=state.filters().with_(team=None, job_id=None)),
            ),
            self._render_trust,
            watch=WINDOW_PARAMS,
            active=active,
            css_class="cost-trust",
        )

    def _grain(self) -> str:
        return "day" if self._state.filters().days <= 31 else "week"

    def _render_spend(self, data: tuple[pd.DataFrame, pd.DataFrame]) -> Any:
        spend, coverage = data
        parts: list[Any] = [_coverage_headline(coverage), _note()]
        if spend.empty:
            parts.append(text_pane("No job spend in this window.", "empty"))
        else:
            parts.append(
                pn.pane.HoloViews(
                    spend_chart(spend), sizing_mode="stretch_width", css_classes=["spend-chart"]
                )
            )
        return pn.Column(*parts, sizing_mode="stretch_width")

    def _render_top(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No job spend in this window.", "empty")
        state = self._state
        top = frame.head(TOP_N)[
            [
                "workspace_id",
                "job_id",
                "job_name",
                "team",
                "runs",
                "dbus",
                "list_cost_usd",
                "list_cost_usd_per_run",
            ]
        ]
        return data_table(
            top,
            "top_jobs_by_cost",
            titles={"list_cost_usd": f"Cost ({MONEY})", "list_cost_usd_per_run": f"Per run ({MONEY})"},
            money=["list_cost_usd", "list_cost_usd_per_run"],
            numbers={"dbus": "0,0.0"},
            on_click=lambda _i, row: state.select_job(row["workspace_id"], row["job_id"]),
            css_class="top-jobs-table",
            hidden=IDS,
        )

    def _render_movers(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No job's spend changed week over week.", "empty")
        state = self._state
        movers = frame.head(TOP_N)[
            [
                "workspace_id",
                "job_id",
                "job_name",
                "team",
                "previous_list_cost_usd",
                "list_cost_usd",
                "change_list_cost_usd",
                "change_pct",
            ]
        ]
        return data_table(
            movers,
            "cost_movers",
            titles={
                "previous_list_cost_usd": f"Previous 7 days ({MONEY})",
                "list_cost_usd": f"Last 7 days ({MONEY})",
                "change_list_cost_usd": f"Change ({MONEY})",
                "change_pct": "Change",
            },
            money=["previous_list_cost_usd", "list_cost_usd", "change_list_cost_usd"],
            on_click=lambda _i, row: state.select_job(row["workspace_id"], row["job_id"]),
            css_class="movers-table",
            hidden=IDS,
        )

    def _render_trust(self, data: tuple[pd.DataFrame, pd.DataFrame]) -> Any:
        frame, teams = data
        parts: list[Any] = [_trust_summary(frame, teams, self._state.filters().start_time)]
        if not frame.empty:
            daily = frame[
                [
                    "usage_day",
                    "net_dbus",
                    "retracted_dbus",
                    "restated_dbus",
                    "unpriced_dbus",
                    "run_costs_list_cost_usd",
                    "no_run_id_list_cost_usd",
                    "billing_jobs_list_cost_usd",
                    "unexplained_list_cost_usd",
                    "reconciles",
                    "all_purpose_job_runs",
                    "newest_usage_end_time",
                ]
            ].copy()
            daily["usage_day"] = pd.to_datetime(daily["usage_day"]).dt.strftime("%Y-%m-%d")
            parts.append(
                data_table(
                    daily.sort_values("usage_day", ascending=False),
                    "cost_trust",
                    titles={
                        "run_costs_list_cost_usd": f"Per-run sum ({MONEY})",
                        "no_run_id_list_cost_usd": f"No run id ({MONEY})",
                        "billing_jobs_list_cost_usd": f"Billing JOBS total ({MONEY})",
                        "unexplained_list_cost_usd": f"Unexplained ({MONEY})",
                        "newest_usage_end_time": "Newest billing row (UTC)",
                    },
                    money=[
                        "run_costs_list_cost_usd",
                        "no_run_id_list_cost_usd",
                        "billing_jobs_list_cost_usd",
                        "unexplained_list_cost_usd",
                    ],
                    numbers={
                        c: "0,0.0" for c in ("net_dbus", "retracted_dbus", "restated_dbus", "unpriced_dbus")
                    },
                    page_size=10,
                    css_class="cost-trust-table",
                )
            )
        return pn.Column(*parts, sizing_mode="stretch_width")

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            pn.pane.HTML("<h2>Cost</h2>", css_classes=["cost-title"]),
            self._spend,
            # one above the other: side by side at 1280 px, each half showed a job's name and team only
            self._top,
            self._movers,
            self._trust,
            sizing_mode="stretch_width",
            css_classes=["cost-overview"],
        )


class CostWasteView(Viewer):
    """Where money goes without value: DBU spikes, zombie jobs, jobs on all-purpose compute."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        active = lambda: state.page == "overview"  # noqa: E731
        self._spikes = DataPanel(
            state,
            f"DBU spikes (runs above 2x their baseline p90; {MONEY})",
            lambda: state.query(_metric(state, cost.dbu_spikes)),
            self._render_spikes,
            active=active,
            css_class="cost-spikes",
        )
        self._zombies = DataPanel(
            state,
            f"Zombie jobs (scheduled, costing money, no useful output; {MONEY})",
            lambda: state.query(_metric(state, cost.zombie_jobs)),
            self._render_zombies,
            active=active,
            css_class="cost-zombies",
        )
        self._all_purpose = DataPanel(
            state,
            "Jobs on all-purpose compute (cost not attributable)",
            lambda: state.query(cost.all_purpose_jobs),
            self._render_all_purpose,
            active=active,
            css_class="cost-all-purpose",
        )

    def _render_spikes(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No DBU spike above the cost floors in this window.", "empty")
        state = self._state
        cols = [
            "workspace_id",
            "job_id",
            "job_name",
            "team",
            "run_id",
            "start_time",
            "dbus",
            "baseline_p90_dbus",
            "baseline_runs",
            "ratio",
            "list_cost_usd",
            "excess_list_cost_usd",
        ]
        return data_table(
            frame[cols],
            "dbu_spikes",
            titles={
                "baseline_p90_dbus": "Baseline p90 DBUs",
                "ratio": "x baseline",
                "list_cost_usd": f"Run cost ({MONEY})",
                "excess_list_cost_usd": f"Excess ({MONEY})",
                "start_time": "Start (UTC)",
            },
            money=["list_cost_usd", "excess_list_cost_usd"],
            numbers={"dbus": "0,0.0", "baseline_p90_dbus": "0,0.0", "ratio": "0.00"},
            on_click=lambda _i, row: state.select_run(row["workspace_id"], row["run_id"], row["job_id"]),
            css_class="spikes-table",
        )

    def _render_zombies(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No zombie job in this window.", "empty")
        state = self._state
        cols = [
            "workspace_id",
            "job_id",
            "job_name",
            "team",
            "reason",
            "runs",
            "list_cost_usd",
            "monthly_wasted_list_cost_usd",
            "rows_written",
            "tables_written",
            "readers",
        ]
        return data_table(
            frame[cols],
            "zombie_jobs",
            titles={
                "list_cost_usd": f"Cost in window ({MONEY})",
                "monthly_wasted_list_cost_usd": f"Wasted per 30 days ({MONEY})",
            },
            money=["list_cost_usd", "monthly_wasted_list_cost_usd"],
            on_click=lambda _i, row: state.select_job(row["workspace_id"], row["job_id"]),
            css_class="zombies-table",
        )

    def _render_all_purpose(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No job ran on all-purpose compute in this window.", "empty")
        note = text_pane(str(frame["note"].iloc[0]), "all-purpose-note", tag="p")
        table = frame.drop(columns=["note"]).copy()
        table["cluster_ids"] = table["cluster_ids"].map(lambda ids: ", ".join(map(str, ids)))
        return pn.Column(note, data_table(table, "all_purpose_jobs", css_class="all-purpose-table"))

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self._spikes, self._zombies, self._all_purpose, sizing_mode="stretch_width")


# ----------------------------------------------------------------------------- teams
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
                    _metric(state, cost.team_spend, grain="week"), filters=state.filters().with_(job_id=None)
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
        parts: list[Any] = [_note(), counted, table]
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
                state.query(_metric(state, cost.dbu_spikes)) if state.job_id else pd.DataFrame(),
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
            ("DBUs", _dbus(runs["dbus"].sum())),
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
            ("DBUs (net of corrections)", _dbus(r["dbus"])),
            (
                "Original / retracted / restated",
                f"{_dbus(r['original_dbus'])} / {_dbus(r['retracted_dbus'])} / {_dbus(r['restated_dbus'])}",
            ),
            ("Unpriced usage (no $)", _dbus(r["unpriced_dbus"])),
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


# ----------------------------------------------------------------------------- factories
def cost_overview(state: AppState) -> CostOverviewView:
    """Overview page: spend by team, coverage, top jobs, top movers, cost trust."""
    return CostOverviewView(state)


def cost_waste(state: AppState) -> CostWasteView:
    """Overview page: DBU spikes, zombie jobs, jobs on all-purpose compute."""
    return CostWasteView(state)


def team_cost_page(state: AppState) -> TeamCostView:
    """Teams page: team costs and trend; the selected team's job costs."""
    return TeamCostView(state)


def job_cost_history(state: AppState) -> JobCostHistoryView:
    """Runs page (a job selected): run costs over time with spikes marked."""
    return JobCostHistoryView(state)


def run_cost_panel(state: AppState) -> RunCostView:
    """Runs page (a run selected): the run's cost and task estimates."""
    return RunCostView(state)


# Below the fold of their page: built and loaded when opened.
FOLDED = {
    cost_overview: "Cost: spend by team, top jobs, movers, reconciliation with billing",
    cost_waste: "Waste: DBU spikes, zombie jobs, jobs on all-purpose compute",
    team_cost_page: "Team costs and trend",
    job_cost_history: "Cost history of the job",
    run_cost_panel: "Cost of the run and its tasks",
}

VIEWS = {
    "overview": [cost_overview, cost_waste],
    "teams": [team_cost_page],
    "runs": [job_cost_history, run_cost_panel],
}
