"""The app shell: template, navigation, global filters, identity, data freshness, pages and view slots.

``AppShell(state, slots)`` lays out one session. Pages are built when first shown and kept (the
drill-down pages also shortly after the first page loaded, hidden: ``prebuild``); panels on hidden pages
do no work until shown again (``DataPanel``). Which page shows, and the drill-down
selection, live in the ``AppState`` and the URL (``UrlSync``).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.drilldown_views import Breadcrumb, JobsView, RunDetailView, RunsView, TeamsView
from components.filter_chips import FilterChips
from components.html_box import HtmlBox
from components.loading import DataPanel, building_page, session_idle
from components.overview import OverviewView
from components.overview_trends import OverviewTrendsView
from components.panes import PANE_CSS, coming_soon, esc, key_values, notice_html, text_pane
from components.registry import SLOT_ONLY_PAGES, Slot
from components.scope_kpis import ScopeKpisView
from components.theme import button_stylesheets, session_theme, theme_css
from components.url_sync import UrlSync
from monitor_app.overview_data import filter_options, freshness
from monitor_app.state import PAGES, AppState

log = logging.getLogger(__name__)

TITLE = "Databricks Job Monitor"
PAGE_LABELS = {
    "Overview": "overview",
    "Teams": "teams",
    "Jobs": "jobs",
    "Runs": "runs",
    "Data": "data",
    "Alerts": "alerts",
    "Reports": "reports",
    "Settings": "settings",
}
ALL = ""  # the "all" choice of the team / workspace selects
DRILL_PAGES = ("teams", "jobs", "runs")  # the pages under the breadcrumb
# The drill-down pages not shown yet are built (hidden) this long after the first page has loaded: a
# click then only fills and shows them (see AppShell.prebuild). Not sooner: the browser is still laying
# out the first page (at 1.5 s the overview finished ~0.3 s later in an A/B of three starts each).
PREBUILD_DELAY_MS = 3000
PREBUILD_RETRY_MS, PREBUILD_TRIES = 300, 20
STABLE_SCROLLBARS = "#main, #sidebar { overflow-y: scroll; scrollbar-gutter: stable; }"


def freshness_panel(state: AppState) -> DataPanel:
    """Newest row of each source, and when the model was last refreshed (times in UTC)."""

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

    return DataPanel(
        state, "Data as of (UTC)", lambda: freshness(state), render, watch=(), css_class="freshness"
    )


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
        pairs.append(("Data source", state.data_source_text()))
        pairs.append(("State store", state.state_store_text()))
        if settings is not None:
            pairs += [
                ("Team tag keys", ", ".join(settings.team_tag_keys)),
                ("Team rules (monitor.yaml)", len(settings.team_rules)),
                ("SLA targets (monitor.yaml)", len(settings.sla_targets)),
            ]
        pairs.append(
            (
                "Cached results",
                f"{len(state.cache)}, {state.cache.bytes / 2**20:.1f} of {state.cache.max_bytes / 2**20:.0f} MB"
                f" (hits {state.cache.hits}, misses {state.cache.misses})",
            )
        )
        return pn.Column(
            text_pane("Settings", tag="h2"),
            key_values(pairs, "settings-facts"),
            sizing_mode="stretch_width",
            css_classes=["settings-view"],
        )


SCOPE_CSS = ":host { overflow: hidden; font-size: 0.8em; line-height: 1.35; }"


class FilterBar(Viewer):
    """Global filters: window, optional date range, team and workspace (all in the URL)."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._window = pn.widgets.RadioButtonGroup.from_param(
            state.param.window_days,
            label="Window (days)",
            color="default",
            css_classes=["window-select"],
        )
        self._start = pn.widgets.DatePicker.from_param(state.param.start_date, label="From (UTC)", width=130)
        self._end = pn.widgets.DatePicker.from_param(state.param.end_date, label="To (UTC)", width=130)
        self._clear = pn.widgets.Button(
            label="Clear dates", color="light", width=100, stylesheets=button_stylesheets()
        )
        self._clear.on_click(lambda _e: state.param.update(start_date=None, end_date=None))
        self._team = pn.widgets.Select(
            label="Team", options={"All teams": ALL}, value=ALL, css_classes=["team-select"]
        )
        self._workspace = pn.widgets.Select(
            label="Workspace", options={"All workspaces": ALL}, value=ALL, css_classes=["workspace-select"]
        )
        # two lines of fixed height: a new scope refills it and moves nothing (a filter change must not
        # make the page lay itself out again)
        self._scope = HtmlBox(height=40, sizing_mode="stretch_width", stylesheets=[PANE_CSS, SCOPE_CSS])
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
            jobs = filter_options(state)
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
            self._scope.html = f'<span class="scope">{esc(self._state.filters().describe())}</span>'
        except ValueError as err:
            self._scope.html = f'<span class="scope">{esc(err)}</span>'

    def __panel__(self) -> pn.viewable.Viewable:
        # The explicit range is rarely used: folded (three widgets fewer to build on every page load),
        # open from the start when the URL sets one.
        dates = pn.Card(
            pn.Row(self._start, self._end),
            self._clear,
            title="Date range (instead of the window)",
            collapsed=self._state.start_date is None,
            sizing_mode="stretch_width",
            css_classes=["date-range"],
            margin=(5, 0),
        )
        return pn.Column(
            self._window,
            dates,
            self._team,
            self._workspace,
            self._scope,
            sizing_mode="stretch_width",
            css_classes=["filter-bar"],
        )


# A page not shown (or the part of the runs page not shown: the job's runs or a run's detail) stays laid out,
# out of sight (not display:none): its tables keep their width, so showing it does not make Tabulator redraw
# from zero width (0.3-0.7 s of a click on a 2-core machine).
_HIDDEN_PAGE = {
    "position": "absolute",
    "top": "0",
    "left": "0",
    "width": "100%",
    "visibility": "hidden",
    "content-visibility": "hidden",
    "pointer-events": "none",
    "z-index": "-1",
}


# Each property set back explicitly: Bokeh keeps an inline style that a new ``styles`` leaves out.
_SHOWN_PAGE = {
    "position": "relative",  # the box a part hidden inside it is placed in
    "top": "auto",
    "left": "auto",
    "width": "100%",
    "visibility": "visible",
    "content-visibility": "visible",
    "pointer-events": "auto",
    "z-index": "auto",
}


def _show(page: Any, shown: bool) -> None:
    styles = _SHOWN_PAGE if shown else _HIDDEN_PAGE
    if page.styles != styles:
        page.styles = styles


class UrlNotice(Viewer):
    """What the link asked for and the app ignored (``AppState.url_problems``), above the page."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._pane = pn.pane.HTML(
            sizing_mode="stretch_width", css_classes=["url-notice"], margin=(0, 0, 8, 0)
        )
        state.param.watch(self._show, "url_problems")
        self._show()

    @staticmethod
    def describe(problems: dict[str, str]) -> str:
        names_by_reason: dict[str, list[str]] = {}
        for name, why in problems.items():
            names_by_reason.setdefault(why, []).append(name)
        reasons = "; ".join(f"{', '.join(names)}: {why}" for why, names in names_by_reason.items())
        return f"Ignored in the link ({reasons}). Showing the default for {', '.join(problems)} instead."

    def _show(self, *events: Any) -> None:
        problems = self._state.url_problems
        self._pane.object = notice_html(self.describe(problems), "url-notice-text") if problems else ""
        self._pane.visible = bool(problems)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._pane


class AppShell(Viewer):
    """One session's app: the template with navigation, filters, identity and the pages."""

    def __init__(self, state: AppState, slots: dict[str, list[Slot]], **params: Any) -> None:
        super().__init__(**params)
        self.state = state
        self._slots = slots
        self._pages: dict[str, Any] = {}
        self._main = pn.Column(
            sizing_mode="stretch_width",
            css_classes=["page-content"],
            # The hidden pages are placed in it and clipped to the shown one (they add no blank space to
            # scroll). The space below the shown page leaves room for a dropdown opened near its end.
            styles={"position": "relative", "overflow": "clip", "padding-bottom": "200px"},
        )
        self._crumb_slot = pn.Column(sizing_mode="stretch_width", margin=0)
        self._crumb: Breadcrumb | None = None  # built when a drill-down page is first shown
        self._drill_views: list[Any] = []  # views built that have a prime() (AppShell._prime)
        # The theme is Panel's (``?theme=dark``); the link keeps one asked for, so that a shared or
        # reloaded URL does too (and an explicit light choice wins over a browser preferring dark).
        asked = "theme" in (pn.state.session_args or {})
        self.url = UrlSync(state, keep={"theme": session_theme()} if asked else {})
        self.notice = UrlNotice(state)
        self.chips = FilterChips(state)
        state.param.watch(self._show_page, "page")
        self._show_page()

    # ------------------------------------------------------------------ pages
    def _slot_views(self, page: str, folded: bool | None = None) -> list[Any]:
        """The page's slot views (``folded``: only those in folded sections, or only the others)."""
        views = []
        for slot in self._slots.get(page, []):
            if folded is not None and (slot.folded is not None) != folded:
                continue
            view = slot.build(self.state)
            if hasattr(view, "prime"):
                self._drill_views.append(view)
            views.append(pn.Column(view, sizing_mode="stretch_width", css_classes=["view-slot"]))
        if not views and page in SLOT_ONLY_PAGES:
            views.append(coming_soon(page.capitalize(), SLOT_ONLY_PAGES[page]))
        return views

    def _build_page(self, page: str) -> Any:
        state = self.state
        if page == "overview":
            body = [OverviewView(state), OverviewTrendsView(state), *self._slot_views(page)]
        elif page == "teams":
            body = [TeamsView(state), *self._slot_views(page)]
        elif page == "jobs":
            jobs = JobsView(state)
            self._drill_views.append(jobs)
            body = [ScopeKpisView(state, "jobs"), jobs, *self._slot_views(page)]
        elif page == "runs":
            # The job's runs and a run's detail both kept in the page, one shown: a run click only toggles
            # them (no new models to lay out). The job's own views (its run history chart) stay shown
            # below either: a plot hidden and shown again is painted again, the slowest part of a click.
            runs_view, detail_view = RunsView(state), RunDetailView(state)
            self._drill_views += [runs_view, detail_view]
            runs = pn.Column(runs_view, sizing_mode="stretch_width")
            detail = pn.Column(detail_view, sizing_mode="stretch_width")

            def show() -> None:
                _show(runs, not state.run_id)
                _show(detail, bool(state.run_id))

            state.param.watch(lambda *_events: pn.state.execute(show), "run_id")
            show()
            totals = ScopeKpisView(state, "runs")
            body = [totals, runs, detail, *self._slot_views(page, False), *self._slot_views(page, True)]
        elif page == "settings":
            body = [SettingsView(state), *self._slot_views(page)]
        else:
            body = self._slot_views(page)
        return pn.Column(*body, sizing_mode="stretch_width", css_classes=[f"page-{page}"])

    def _show_page(self, *events: Any) -> None:
        """Show the state's page: built (with its data when quick) the first time, then only toggled, so
        going back to a page sends no new models to the browser."""
        page = self.state.page
        if page in DRILL_PAGES and self._crumb is None:
            self._crumb = Breadcrumb(self.state)
            self._crumb_slot.objects = [self._crumb]
        if page not in self._pages:
            with building_page(page):
                self._pages[page] = self._build_page(page)
            self._main.append(self._pages[page])
        pn.state.execute(self._sync_pages)

    def _sync_pages(self) -> None:
        """Show the state's page (and breadcrumb), hide the others. Run on the session's event loop (a click
        is handled in a worker thread): updates made from threads reach the browser in the order they
        are scheduled, so two quick clicks could leave the first one's page shown; set here, the last
        state always wins."""
        page = self.state.page
        if self._crumb is not None:
            self._crumb.visible = page in DRILL_PAGES
        for name, view in self._pages.items():
            _show(view, name == page)

    def prebuild(self) -> None:
        """Build the drill-down pages not shown yet, hidden, so that the first click into one only loads
        its data and shows it: its views, folded sections, pickers and breadcrumb are in the browser
        already. Their panels load nothing while hidden. Any failure leaves the pages to be built on demand.
        """
        try:
            missing = [page for page in DRILL_PAGES if page not in self._pages]
            if self._crumb is None:
                self._crumb = Breadcrumb(self.state, visible=self.state.page in DRILL_PAGES)
                self._crumb_slot.objects = [self._crumb]
            built = []
            for page in missing:
                with building_page(page, wait_s=0):
                    view = self._build_page(page)
                _show(view, page == self.state.page)
                self._pages[page] = view
                built.append(view)
            if built:
                self._main.extend(built)
        except Exception as err:  # the pages are still built when first shown
            log.warning("prebuilding the drill-down pages failed: %s: %s", type(err).__name__, err)
            return
        self._prime(pn.state.curdoc)

    def _prime(self, doc: Any) -> None:
        """The drill-down views' tables built empty, from a worker (each asks its query for no row):
        the first click into a view then fills a table the browser already has."""
        views = [v for v in [self._crumb, *self._drill_views] if hasattr(v, "prime")]
        self._drill_views = []

        def work() -> None:
            updates = []
            for view in views:
                try:
                    updates.append(view.prime())
                except Exception as err:  # the table is built by the first click instead
                    log.warning("priming %s failed: %s: %s", type(view).__name__, type(err).__name__, err)

            def apply() -> None:
                for update in updates:
                    update()

            if updates and doc is not None:
                try:
                    doc.add_next_tick_callback(apply)
                except Exception:  # the session is gone
                    pass

        threading.Thread(target=work, name="prime-drilldown", daemon=True).start()

    def _schedule_prebuild(self) -> None:
        """Prebuild once the first page has settled: PREBUILD_DELAY_MS after it loaded and no panel of
        the session still loading (checked again every PREBUILD_RETRY_MS, at most PREBUILD_TRIES times),
        so that the first page's own work never waits for it."""
        doc = pn.state.curdoc
        if doc is None:
            return
        tries = iter(range(PREBUILD_TRIES))

        def attempt() -> None:
            if not session_idle(doc) and next(tries, None) is not None:
                doc.add_timeout_callback(attempt, PREBUILD_RETRY_MS)
                return
            self.prebuild()

        doc.add_timeout_callback(attempt, PREBUILD_DELAY_MS)

    # ------------------------------------------------------------------ layout
    def template(self) -> pn.template.BaseTemplate:
        state = self.state
        theme = session_theme()
        nav = pn.widgets.RadioButtonGroup(
            options=PAGE_LABELS,
            value=state.page,
            orientation="vertical",
            color="light",
            sizing_mode="stretch_width",
            css_classes=["page-nav"],
            stylesheets=button_stylesheets(),
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
        # One root per template area: Bokeh recomputes the document's models on every root added.
        sidebar = pn.Column(
            nav,
            pn.layout.Divider(),
            FilterBar(state),
            pn.layout.Divider(),
            freshness_panel(state),
            sizing_mode="stretch_width",
        )
        template = pn.template.BootstrapTemplate(
            title=TITLE,
            sidebar=[sidebar],
            main=[
                pn.Column(
                    self.notice,
                    self.chips,
                    self._crumb_slot,
                    self._main,
                    self.url,
                    sizing_mode="stretch_width",
                )
            ],
            header=[identity],
            sidebar_width=320,
            # No global busy spinner: each panel shows its own while it loads. Panel updates the spinner
            # of every open session on each event (a message per event, per session, on every click).
            busy_indicator=None,
        )
        # A scrollbar that comes and goes as a view grows or shrinks changes the width of everything:
        # every plot and table is laid out again. Keep its place.
        template.config.raw_css.append(STABLE_SCROLLBARS)
        template.config.raw_css.append(theme_css(theme))
        pn.state.onload(self._schedule_prebuild)
        return template

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self.notice, self.chips, self._crumb_slot, self._main, self.url)


__all__ = ["AppShell", "PAGES"]
