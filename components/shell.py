"""The app shell: template, navigation, global filters, identity, data freshness, pages and view slots.

``AppShell(state, slots)`` lays out one session. Pages are built when first shown and kept; panels on
hidden pages do no work until shown again (``DataPanel``). Which page shows, and the drill-down
selection, live in the ``AppState`` and the URL (``UrlSync``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.drilldown_views import Breadcrumb, JobsView, RunDetailView, RunsView, TeamsView
from components.feedback import (
    PANE_CSS,
    PRIMARY,
    DataPanel,
    building_page,
    coming_soon,
    data_table,
    esc,
    fmt_money,
    key_values,
    text_pane,
)
from components.registry import SLOT_ONLY_PAGES, Slot
from components.url_sync import UrlSync
from monitor_app.analytics import drilldown
from monitor_app.filters import Filters
from monitor_app.state import PAGES, AppState

TITLE = "Databricks Job Monitor"
PAGE_LABELS = {
    "Overview": "overview",
    "Teams": "teams",
    "Jobs": "jobs",
    "Runs": "runs",
    "Alerts": "alerts",
    "Reports": "reports",
    "Settings": "settings",
}
ALL = ""  # the "all" choice of the team / workspace selects


def freshness_panel(state: AppState) -> DataPanel:
    """Newest row of each source, and when the model was last refreshed (times in UTC)."""

    def load() -> tuple[pd.DataFrame, Any]:
        fresh = state.query(drilldown.data_freshness, filters=Filters())
        try:
            refreshed = state.cache.call(
                state.cache_key, "model_refreshed_at", drilldown.model_refreshed_at, None, state.engine
            )
        except Exception:
            refreshed = None
        return fresh, refreshed

    def render(data: tuple[pd.DataFrame, Any]) -> Any:
        fresh, refreshed = data
        pairs = [
            (
                row.source,
                "no rows" if pd.isna(row.newest_time) else f"{pd.Timestamp(row.newest_time):%Y-%m-%d %H:%M}",
            )
            for row in fresh.itertuples()
        ]
        if refreshed is not None:
            pairs.append(("model refreshed", f"{refreshed:%Y-%m-%d %H:%M}"))
        return key_values(pairs, "freshness")

    return DataPanel(state, "Data as of (UTC)", load, render, watch=(), css_class="freshness")


class OverviewView(Viewer):
    """Totals of the window (runs, failures, success rate, list-price cost) and the costliest teams."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(
            state,
            "Overview",
            lambda: state.query(drilldown.teams_summary, filters=state.filters().with_(job_id=None)),
            self._render,
            watch=("as_of", "window_days", "start_date", "end_date", "workspace_id", "team"),
            active=lambda: state.page == "overview",
            css_class="overview-kpis",
            priority=PRIMARY,
        )

    def _render(self, frame: pd.DataFrame) -> Any:
        runs = int(frame["runs"].sum()) if len(frame) else 0
        failed = int(frame["failed"].sum()) if len(frame) else 0
        succeeded = int(frame["succeeded"].sum()) if len(frame) else 0
        decided = succeeded + failed
        rate = f"{succeeded / decided:.1%}" if decided else "–"
        cost = fmt_money(frame["list_cost_usd"].sum() if len(frame) else 0)

        def kpi(label: str, value: str, css: str) -> pn.pane.HTML:
            return pn.pane.HTML(
                f'<div class="kpi {css}">{esc(value)}</div><div class="kpi-label">{esc(label)}</div>',
                width=190,
                stylesheets=[PANE_CSS],
            )

        row = pn.Row(
            kpi("runs", f"{runs:,}", "kpi-runs"),
            kpi("failed runs", f"{failed:,}", "kpi-failed"),
            kpi("success rate", rate, "kpi-rate"),
            kpi("cost (list price)", cost, "kpi-cost"),
            kpi("teams", f"{len(frame):,}", "kpi-teams"),
        )
        top = frame.head(10)[["team", "jobs", "runs", "failed", "success_rate", "list_cost_usd"]]
        table = data_table(
            top,
            "top_teams",
            titles={"list_cost_usd": "Cost ($, list price)", "success_rate": "Success rate"},
            money=["list_cost_usd"],
            percent=["success_rate"],
            on_click=lambda _i, r: self._state.select_team(r["team"]),
            css_class="overview-teams-table",
            page_size=10,
        )
        return pn.Column(row, text_pane("Costliest teams", tag="h3"), table, sizing_mode="stretch_width")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


class SettingsView(Viewer):
    """Who you are, where the data comes from, and the app's (non-secret) settings."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state

    def __panel__(self) -> pn.viewable.Viewable:
        state = self._state
        ident = state.identity
        settings = state.settings
        pairs: list[tuple[str, Any]] = []
        if ident is not None:
            pairs += [
                ("Signed in as", ident.display_name),
                ("E-mail", ident.email or "–"),
                ("Identity source", ident.source),
                (
                    "Queries run as",
                    "you (your token)" if ident.on_behalf_of_user else "the app (shared results)",
                ),
            ]
        pairs.append(("Data source", state.engine.describe() if state.engine is not None else "none"))
        store = state.state_store
        pairs.append(("State store", store.engine.describe() if store is not None else "not available"))
        if settings is not None:
            pairs += [
                ("Team tag keys", ", ".join(settings.team_tag_keys)),
                ("Team rules (monitor.yaml)", len(settings.team_rules)),
                ("SLA targets (monitor.yaml)", len(settings.sla_targets)),
            ]
        pairs.append(
            ("Cached results", f"{len(state.cache)} (hits {state.cache.hits}, misses {state.cache.misses})")
        )
        return pn.Column(
            text_pane("Settings", tag="h2"),
            key_values(pairs, "settings-facts"),
            sizing_mode="stretch_width",
            css_classes=["settings-view"],
        )


class FilterBar(Viewer):
    """Global filters: window, optional date range, team and workspace (all in the URL)."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._window = pn.widgets.RadioButtonGroup.from_param(
            state.param.window_days,
            name="Window (days)",
            button_type="default",
            css_classes=["window-select"],
        )
        self._start = pn.widgets.DatePicker.from_param(state.param.start_date, name="From (UTC)", width=130)
        self._end = pn.widgets.DatePicker.from_param(state.param.end_date, name="To (UTC)", width=130)
        self._clear = pn.widgets.Button(name="Clear dates", button_type="light", width=100)
        self._clear.on_click(lambda _e: state.param.update(start_date=None, end_date=None))
        self._team = pn.widgets.Select(
            name="Team", options={"All teams": ALL}, value=ALL, css_classes=["team-select"]
        )
        self._workspace = pn.widgets.Select(
            name="Workspace", options={"All workspaces": ALL}, value=ALL, css_classes=["workspace-select"]
        )
        self._scope = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[PANE_CSS])
        self._load_options()
        self._team.param.watch(lambda e: state.param.update(team=e.new or None), "value")
        self._workspace.param.watch(lambda e: state.param.update(workspace_id=e.new or None), "value")
        state.param.watch(self._sync_widgets, ["team", "workspace_id"])
        state.param.watch(self._describe, list(AppState.FILTER_PARAMS))
        self._sync_widgets()
        self._describe()

    def _load_options(self) -> None:
        """Teams and workspaces to choose from (all of them, whatever the window); empty when it fails."""
        state = self._state
        try:
            jobs = state.query(drilldown.team_jobs, filters=Filters(window_days=90, now=state.filters().now))
        except Exception:
            return
        teams = sorted({str(t) for t in jobs["team"]})
        workspaces = sorted({str(w) for w in jobs["workspace_id"]})
        self._team.options = {"All teams": ALL, **{t: t for t in teams}}
        self._workspace.options = {"All workspaces": ALL, **{w: w for w in workspaces}}

    def _sync_widgets(self, *events: Any) -> None:
        for widget, value in ((self._team, self._state.team), (self._workspace, self._state.workspace_id)):
            value = value or ALL
            if value not in widget.options.values():
                widget.options = {**widget.options, value: value}
            if widget.value != value:
                widget.value = value

    def _describe(self, *events: Any) -> None:
        try:
            self._scope.object = f'<span class="scope">{esc(self._state.filters().describe())}</span>'
        except ValueError as err:
            self._scope.object = f'<span class="scope">{esc(err)}</span>'

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            self._window,
            pn.Row(self._start, self._end),
            self._clear,
            self._team,
            self._workspace,
            self._scope,
            sizing_mode="stretch_width",
            css_classes=["filter-bar"],
        )


class AppShell(Viewer):
    """One session's app: the template with navigation, filters, identity and the pages."""

    def __init__(self, state: AppState, slots: dict[str, list[Slot]], **params: Any) -> None:
        super().__init__(**params)
        self.state = state
        self._slots = slots
        self._pages: dict[str, Any] = {}
        self._main = pn.Column(sizing_mode="stretch_width", css_classes=["page-content"])
        self.url = UrlSync(state)
        state.param.watch(self._show_page, "page")
        self._show_page()

    # ------------------------------------------------------------------ pages
    def _slot_views(self, page: str) -> list[Any]:
        views = []
        for slot in self._slots.get(page, []):
            views.append(
                pn.Column(slot.build(self.state), sizing_mode="stretch_width", css_classes=["view-slot"])
            )
        if not views and page in SLOT_ONLY_PAGES:
            views.append(coming_soon(page.capitalize(), SLOT_ONLY_PAGES[page]))
        return views

    def _build_page(self, page: str) -> Any:
        state = self.state
        crumb = Breadcrumb(state) if page in ("teams", "jobs", "runs") else None
        head = [crumb] if crumb is not None else []
        if page == "overview":
            body = [OverviewView(state), *self._slot_views(page)]
        elif page == "teams":
            body = [TeamsView(state), *self._slot_views(page)]
        elif page == "jobs":
            body = [JobsView(state), *self._slot_views(page)]
        elif page == "runs":
            runs, detail = RunsView(state), RunDetailView(state)
            switch = pn.Column(sizing_mode="stretch_width")

            def show(*_events: Any) -> None:
                switch.objects = [detail if state.run_id else runs]

            state.param.watch(show, "run_id")
            show()
            body = [switch, *self._slot_views(page)]
        elif page == "settings":
            body = [SettingsView(state), *self._slot_views(page)]
        else:
            body = self._slot_views(page)
        return pn.Column(*head, *body, sizing_mode="stretch_width", css_classes=[f"page-{page}"])

    def _show_page(self, *events: Any) -> None:
        page = self.state.page
        if page not in self._pages:
            with building_page(page):
                self._pages[page] = self._build_page(page)
        self._main.objects = [self._pages[page]]

    # ------------------------------------------------------------------ layout
    def template(self) -> pn.template.BaseTemplate:
        state = self.state
        nav = pn.widgets.RadioButtonGroup(
            options=PAGE_LABELS,
            value=state.page,
            orientation="vertical",
            button_type="light",
            sizing_mode="stretch_width",
            css_classes=["page-nav"],
        )
        nav.param.watch(lambda e: state.param.update(page=e.new), "value")
        state.param.watch(lambda e: setattr(nav, "value", e.new), "page")
        ident = state.identity
        who = ident.describe() if ident is not None else "unknown user"
        identity = pn.pane.HTML(
            f'<span class="identity" title="{esc(who)}">{esc(ident.display_name if ident else who)}</span>'
            f' <span class="identity-source">({esc(ident.source if ident else "")})</span>',
            css_classes=["identity-pane"],
            styles={"color": "white", "margin-left": "auto"},
            stylesheets=[PANE_CSS],
            align="center",
        )
        # Bootstrap: every asset is served by Panel itself (the Fast design fetches a Google font, which
        # fails offline and inside locked-down networks).
        template = pn.template.BootstrapTemplate(
            title=TITLE,
            sidebar=[nav, pn.layout.Divider(), FilterBar(state), pn.layout.Divider(), freshness_panel(state)],
            main=[self._main, self.url],
            header=[identity],
            sidebar_width=320,
        )
        return template

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self._main, self.url)


__all__ = ["AppShell", "PAGES"]
