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

The overview's two views live here; the team, job and run views in ``cost_scope_views``, the charts in
``cost_charts``, what they share (list-price note, money label, DBU and share text) in ``cost_formats``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.cost_charts import spend_chart
from components.cost_formats import IDS, MONEY, TOP_N, WINDOW_PARAMS, dbus_text, list_price_note, pct_text
from components.cost_scope_views import job_cost_history, run_cost_panel, team_cost_page
from components.count_bridges import trust_bridge
from components.loading import DataPanel
from components.panes import fmt_money, key_values, text_pane
from components.tables import data_table
from monitor_app.analytics import cost, drilldown
from monitor_app.state import AppState

if TYPE_CHECKING:
    pass


def _coverage_headline(cov: pd.DataFrame) -> pn.pane.HTML:
    if cov.empty:
        return text_pane("No job spend in this window.", "coverage-headline")
    share = cov["attributed_share"].iloc[0]
    by_method = cov.groupby("method")["spend_share"].sum()
    parts = ", ".join(
        f"{label} {pct_text(by_method.get(method, 0))}"
        for method, label in (("job_tag", "job tags"), ("billing_tag", "billing tags"), ("rule", "rules"))
    )
    text = f"{pct_text(share)} of job spend (list price) is attributed to a team ({parts})."
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
            f"{dbus_text(trust['retracted_dbus'].sum())} / {dbus_text(trust['restated_dbus'].sum())}",
        ),
        ("Unpriced usage (no $ shown)", dbus_text(trust["unpriced_dbus"].sum())),
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
                state.query(state.metric(cost.team_spend, grain=self._grain())),
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
        parts: list[Any] = [_coverage_headline(coverage), list_price_note()]
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
            lambda: state.query(state.metric(cost.dbu_spikes)),
            self._render_spikes,
            active=active,
            css_class="cost-spikes",
        )
        self._zombies = DataPanel(
            state,
            f"Zombie jobs (scheduled, costing money, no useful output; {MONEY})",
            lambda: state.query(state.metric(cost.zombie_jobs)),
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


def cost_overview(state: AppState) -> CostOverviewView:
    """Overview page: spend by team, coverage, top jobs, top movers, cost trust."""
    return CostOverviewView(state)


def cost_waste(state: AppState) -> CostWasteView:
    """Overview page: DBU spikes, zombie jobs, jobs on all-purpose compute."""
    return CostWasteView(state)


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
