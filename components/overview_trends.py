"""The overview's trend charts, under the headline: spend per day stacked by team (with its team legend),
runs and failures per day, success rate and SLA attainment per day.

Every chart is also a filter (cross-filtering): drag across days on any of them to narrow the whole app to
those days (the date range), click a team's bar or legend entry to narrow it to that team. The pick goes
into the ``AppState`` (so into the URL and the chips above the page); the charts, like every view, only
read the state. The charts are kept and their markup replaced in place on each change.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.charts import OTHER_COLOUR, team_colours
from components.loading import DataPanel, InPlace, loads_together
from components.panes import PANE_CSS, esc, fmt_money, notice_html
from components.selectable_chart import SelectableChart
from components.trend_svg import (
    FAILED_COLOUR,
    RUNS_COLOUR,
    SLA_COLOUR,
    SUCCESS_COLOUR,
    rates_svg,
    runs_svg,
    spend_svg,
)
from monitor_app.overview_data import Trends, trends
from monitor_app.state import AppState

WATCH = (*AppState.FILTER_PARAMS, "sla_targets_saved")

RUNS_TITLE = (
    f'Runs per day <span style="color:{RUNS_COLOUR}">(bars)</span> and '
    f'<span style="color:{FAILED_COLOUR}">failed runs (line, right axis)</span>'
)
RATES_TITLE = (
    f'<span style="color:{SUCCESS_COLOUR}">Success rate</span> and '
    f'<span style="color:{SLA_COLOUR}">SLA attainment</span> per day'
)

TRENDS_CSS = """
.trend-title { font-weight: 600; font-size: 0.95em; margin: 0 0 2px 4px; }
.chart-hint { font-size: 0.8em; margin: 2px 0 4px 4px; }
"""
LEGEND_HEIGHT = 40
LEGEND_CSS = f"""
.team-legend {{ display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 0.85em; padding: 0 4px;
  max-height: {LEGEND_HEIGHT}px; overflow-y: auto; }}
.legend-team {{ cursor: pointer; white-space: nowrap; }}
.legend-team:hover {{ text-decoration: underline; }}
.legend-team i {{ display: inline-block; width: 11px; height: 11px; margin-right: 4px; vertical-align: -1px; }}
"""


def legend_html(teams: list[str], spend: list[float], colours: dict[str, str]) -> str:
    """The spend chart's legend: each team's colour, name and spend over the window (costliest first)."""
    items = [
        f'<span class="legend-team" data-team="{i}" data-tip="{esc(team)}: {esc(fmt_money(cost))} in the window">'
        f'<i style="background:{colours.get(team, OTHER_COLOUR)}"></i>{esc(team)}</span>'
        for i, (team, cost) in enumerate(zip(teams, spend, strict=True))
    ]
    return f'<style>{LEGEND_CSS}</style><div class="team-legend">{"".join(items)}</div>'


def teams_by_spend(days: pd.DataFrame) -> tuple[list[str], list[float]]:
    """The window's teams, costliest first (the stacking order, bottom up, and the legend's order)."""
    if days.empty:
        return [], []
    spend = days.groupby("team")["list_cost_usd"].sum()
    ordered = sorted(spend.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return [str(t) for t, _ in ordered], [float(v) for _, v in ordered]


def _titled(title_html: str, chart: SelectableChart, css: str) -> pn.Column:
    """A chart under its title (``title_html``: our own text, its colour keys included)."""
    return pn.Column(
        pn.pane.HTML(f'<div class="trend-title">{title_html}</div>', stylesheets=[TRENDS_CSS], margin=0),
        chart,
        sizing_mode="stretch_width",
        css_classes=[css],
        margin=(0, 6),
    )


class OverviewTrendsView(Viewer):
    """Spend, runs and failures, success rate and SLA attainment per day of the window: every chart a filter."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._teams: list[str] = []  # what a ``data-team`` position names, for the markup shown
        pick = {"on_days": self.choose_days, "on_team": self.choose_team, "sizing_mode": "stretch_width"}
        self._spend = SelectableChart(**pick)
        # of fixed height (two lines; more teams scroll): one team's legend after a pick moves nothing else
        self._legend = SelectableChart(
            on_team=self.choose_team,
            sizing_mode="stretch_width",
            height=LEGEND_HEIGHT,
            css_classes=["legend-box"],
        )
        self._runs = SelectableChart(**pick)
        self._rates = SelectableChart(**pick)
        self._empty = pn.pane.HTML(
            notice_html("No run started in this window: no trend to draw. Try a longer window."),
            stylesheets=[PANE_CSS],
            css_classes=["trends-empty"],
            visible=False,
        )
        self._charts = pn.Column(
            pn.Row(
                pn.Column(
                    _titled("Spend per day by team (list price)", self._spend, "chart-spend"),
                    self._legend,
                    sizing_mode="stretch_width",
                ),
                _titled(RUNS_TITLE, self._runs, "chart-runs"),
                _titled(RATES_TITLE, self._rates, "chart-rates"),
                sizing_mode="stretch_width",
            ),
            pn.pane.HTML(
                '<p class="chart-hint muted">Drag across days on a chart to look at those days only; click a '
                "team's bar or name to look at that team only. The chips above the page undo it.</p>",
                stylesheets=[PANE_CSS, TRENDS_CSS],
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
            css_classes=["trend-charts"],
        )
        self._view = pn.Column(self._empty, self._charts, sizing_mode="stretch_width")
        self._panel = DataPanel(
            state,
            "Trends",
            lambda: trends(state),
            self._render,
            watch=WATCH,
            active=lambda: state.page == "overview",
            css_class="overview-trends",
            show_title=False,
        )

    # ------------------------------------------------------------------ selection
    def choose_team(self, position: int) -> None:
        """Narrow the app to the team at ``position`` of the legend (the page stays the overview)."""
        if 0 <= position < len(self._teams):
            team = self._teams[position]
            if team != self._state.team:
                with loads_together():
                    self._state.param.update(team=team, job_id=None, run_id=None)

    def choose_days(self, first: date, last: date) -> None:
        """Narrow the app to the UTC days from ``first`` to ``last`` (a date range)."""
        if (first, last) != (self._state.start_date, self._state.end_date):
            with loads_together():
                self._state.param.update(start_date=first, end_date=last)

    # ------------------------------------------------------------------ render
    def _render(self, data: Trends) -> InPlace:
        totals = data.totals
        empty = int(totals["runs"].sum()) == 0
        teams, spend = teams_by_spend(data.days)
        colours = team_colours(data.all_teams or teams)
        markup = {}
        if not empty:
            markup = {
                self._spend: spend_svg(data.days, data.calendar, teams, colours),
                self._legend: legend_html(teams, spend, colours),
                self._runs: runs_svg(totals),
                self._rates: rates_svg(totals, data.sla_days),
            }

        def update() -> None:
            self._teams = teams
            for chart, text in markup.items():
                chart.markup = text
            self._empty.visible = empty
            self._charts.visible = not empty

        return InPlace(self._view, update)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel
