"""The Jobs and Runs pages' headline: the selected team's (or job's) runs, failed runs, success rate and
cost over the window, each with its change against the window before (as on the overview)."""

from __future__ import annotations

from typing import Any

import panel as pn
from panel.viewable import Viewer

from components.html_box import HtmlBox
from components.loading import DataPanel, InPlace
from components.overview import GLANCE_CSS, kpis_html
from components.panes import PANE_CSS
from monitor_app.overview_data import ScopeTotals, scope_totals
from monitor_app.state import AppState


class ScopeKpisView(Viewer):
    """Totals of what the page shows (a team's jobs, a job's runs) against the previous window."""

    def __init__(self, state: AppState, page: str, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        # a box of fixed height: its figures arriving after the click's table move nothing else
        self._pane = HtmlBox(
            height=72,
            sizing_mode="stretch_width",
            stylesheets=[PANE_CSS, GLANCE_CSS],
            css_classes=["scope-kpis"],
        )
        self._panel = DataPanel(
            state,
            "Totals",
            lambda: scope_totals(state),
            self._render,
            active=lambda: state.page == page,
            css_class=f"scope-kpis-{page}",
            show_title=False,
        )

    def _render(self, data: ScopeTotals) -> InPlace:
        # the team count says nothing on a team's or a job's page
        html = kpis_html(data.now, data.previous, data.compared_to, count_teams=False)
        return InPlace(self._pane, lambda: setattr(self._pane, "html", html))

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel
