"""The overview's headline: totals of the window and, at a glance, what broke, what is at risk and what
costs most, as one plain HTML pane (cheap for the browser: no table, no chart).

The job health table follows it on the page (health views); spend charts, waste and runs in progress are
in folded sections below, loaded when opened.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.html_box import HtmlBox
from components.loading import PRIMARY, DataPanel, InPlace
from components.panes import PANE_CSS, esc, fmt_money
from components.theme import var
from monitor_app.analytics import health
from monitor_app.overview_data import Headline, headline
from monitor_app.state import AppState

# Items listed under each heading (the job health table below has them all).
GLANCE_ITEMS = 5
WINDOW_PARAMS = ("as_of", "window_days", "start_date", "end_date", "workspace_id", "team")

GLANCE_CSS = (
    """
.kpis, .glance { display: flex; flex-wrap: wrap; gap: 8px 28px; }
.kpi-box { min-width: 150px; }
.glance { margin-top: 14px; }
.glance section { flex: 1 1 280px; border-left: 4px solid #ccc; padding: 2px 12px; }
.glance section.broke { border-color: #c62828; }
.glance section.risk { border-color: #ef6c00; }
.glance section.spend { border-color: #1565c0; }
.glance h4 { margin: 0 0 4px 0; font-size: 1em; }
.glance ul { margin: 4px 0; padding-left: 18px; }
.glance li, .glance p { margin: 2px 0; font-size: 0.92em; }
.glance .none { color: VAR_MUTED; }
.kpi-change { font-size: 0.85em; margin-top: 2px; color: VAR_MUTED; }
.kpi-change.good { color: VAR_GOOD; }
.kpi-change.bad { color: VAR_BAD; }
""".replace("VAR_MUTED", var("muted"))
    .replace("VAR_GOOD", var("status-ok-text"))
    .replace("VAR_BAD", var("error-text"))
)


def _pct(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{100 * float(value):.0f}%"


def _items(lines: list[str], empty: str) -> str:
    if not lines:
        return f'<p class="none">{esc(empty)}</p>'
    return "<ul>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>"


def totals(teams: pd.DataFrame) -> dict[str, float | None]:
    """Runs, failed runs, success rate (a share; None without a finished run) and list-price cost."""
    runs = int(teams["runs"].sum()) if len(teams) else 0
    failed = int(teams["failed"].sum()) if len(teams) else 0
    succeeded = int(teams["succeeded"].sum()) if len(teams) else 0
    decided = succeeded + failed
    return {
        "runs": runs,
        "failed": failed,
        "rate": succeeded / decided if decided else None,
        "cost": float(teams["list_cost_usd"].sum()) if len(teams) else 0.0,
    }


# Which way is good for each total: more failures or more spend is bad, a higher success rate good.
RISE_IS = {"runs": "neutral", "failed": "bad", "rate": "good", "cost": "bad"}


def change_html(
    key: str, now: float | None, before: float | None, compared_to: str, shown_before: str
) -> str:
    """``▲ 4.2% vs previous 30 days`` under a total (points for the success rate), coloured by whether
    the change is good or bad; the previous value on hover."""
    if now is None or before is None:
        return f'<div class="kpi-change none">no {esc(compared_to.removeprefix("vs "))} to compare</div>'
    if key == "rate":
        diff = 100 * (now - before)
        text = f"{abs(diff):.1f} pts"
    elif before == 0:
        return (
            f'<div class="kpi-change none" title="{esc(shown_before)}">none before ({esc(compared_to)})</div>'
        )
    else:
        diff = 100 * (now - before) / before
        text = f"{abs(diff):.1f}%"
    if round(diff, 1) == 0:
        return f'<div class="kpi-change flat" title="{esc(shown_before)}">= {esc(compared_to)}</div>'
    rising = diff > 0
    mood = RISE_IS[key] if rising else {"good": "bad", "bad": "good"}.get(RISE_IS[key], "neutral")
    arrow = "▲" if rising else "▼"
    return (
        f'<div class="kpi-change {mood}" title="{esc(shown_before)}">'
        f"{arrow} {esc(text)} {esc(compared_to)}</div>"
    )


def short_span(compared_to: str) -> str:
    """``vs 2026-11-15 to 2026-11-21`` -> ``vs the 7 days before``: five totals' change lines fit on one row
    at 1400 px (the dates are on hover)."""
    span = re.fullmatch(r"vs (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)", compared_to)
    if span is None:
        return compared_to
    days = (date.fromisoformat(span[2]) - date.fromisoformat(span[1])).days + 1
    return f"vs the {days} day{'s' if days != 1 else ''} before"


def kpis_html(
    teams: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    compared_to: str = "",
    count_teams: bool = True,
) -> str:
    """Runs, failed runs, success rate, list-price cost and (``count_teams``) teams of the window; each
    total with its change against the previous window of the same length when ``previous`` is given."""
    now = totals(teams)
    before = totals(previous) if previous is not None else None

    def shown(key: str, value: float | None) -> str:
        if value is None:
            return "–"
        if key == "rate":
            return f"{value:.1%}"
        return fmt_money(value) if key == "cost" else f"{int(value):,}"

    boxes = [
        ("runs", "runs", "kpi-runs"),
        ("failed", "failed runs", "kpi-failed"),
        ("rate", "success rate", "kpi-rate"),
        ("cost", "cost (list price)", "kpi-cost"),
    ]
    out = []
    for key, label, css in boxes:
        change = ""
        if before is not None:
            previous_text = f"{compared_to.removeprefix('vs ')}: {shown(key, before[key])}"
            change = change_html(key, now[key], before[key], short_span(compared_to), previous_text)
        out.append(
            f'<div class="kpi-box"><div class="kpi {css}">{esc(shown(key, now[key]))}</div>'
            f'<div class="kpi-label">{esc(label)}</div>{change}</div>'
        )
    if count_teams:
        out.append(
            f'<div class="kpi-box"><div class="kpi kpi-teams">{len(teams):,}</div>'
            '<div class="kpi-label">teams</div></div>'
        )
    return '<div class="kpis">' + "".join(out) + "</div>"


def _threshold(rates: Any, column: str, name: str) -> float:
    """The threshold the rates were computed with (configured in monitor.yaml or the default); the
    labels say what the SQL compares (a rate above it)."""
    if column in rates and len(rates):
        return float(rates[column].iloc[0])
    return float(health.DEFAULTS[name])


def broke_html(data: Headline) -> str:
    """Jobs failing now (2+ failures in a row, P1) and jobs at critical failure rate."""
    streaks = data.streaks.sort_values("streak_length", ascending=False)
    lines = [
        f"<b>{esc(r.job_name)}</b> ({esc(r.team)}): {int(r.streak_length)} failures in a row"
        for r in streaks.head(GLANCE_ITEMS).itertuples()
    ]
    critical = data.rates[data.rates["status"] == "critical"]
    limit = _pct(_threshold(data.rates, "critical_threshold", "critical_failure_rate"))
    # the streak's severity as the alert engine gives it, its length as the metric defines it
    severity = data.streak_severity
    at_least = int(_threshold(streaks, "threshold", "min_streak"))
    return (
        f'<section class="broke"><h4>What broke</h4>'
        f'<p class="broke-summary">{len(streaks):,} jobs failing now ({esc(severity)}: {at_least}+ failures '
        "in a row); "
        f"{len(critical):,} jobs at a critical failure rate (&gt; {limit}).</p>"
        + _items(lines, "No job is failing repeatedly.")
        + "</section>"
    )


def risk_html(data: Headline) -> str:
    """Jobs at warn failure rate: not broken yet, heading there."""
    warn = data.rates[data.rates["status"] == "warn"].sort_values("failure_rate", ascending=False)
    lines = [
        f"<b>{esc(r.job_name)}</b> ({esc(r.team)}): {_pct(r.failure_rate)} of runs failed"
        for r in warn.head(GLANCE_ITEMS).itertuples()
    ]
    limit = _pct(_threshold(data.rates, "warn_threshold", "warn_failure_rate"))
    return (
        f'<section class="risk"><h4>At risk</h4>'
        f'<p class="risk-summary">{len(warn):,} jobs at a warning failure rate (&gt; {limit}).</p>'
        + _items(lines, "No job at a warning failure rate.")
        + "</section>"
    )


def spend_html(data: Headline) -> str:
    """The costliest jobs of the window and the biggest rises week over week (list price)."""
    top = [
        f"<b>{esc(r.job_name)}</b> ({esc(r.team)}): {esc(fmt_money(r.list_cost_usd))}"
        for r in data.job_costs.head(3).itertuples()
    ]
    rises = data.movers[data.movers["change_list_cost_usd"] > 0].head(3)
    risen = [
        f"<b>{esc(r.job_name)}</b>: +{esc(fmt_money(r.change_list_cost_usd))}"
        + ("" if pd.isna(r.change_pct) else f" (+{float(r.change_pct):.0f}%)")
        for r in rises.itertuples()
    ]
    return (
        '<section class="spend"><h4>Costs most (list price)</h4>'
        + _items(top, "No job spend in this window.")
        + f'<p class="spend-rises">Biggest rises, {esc(_rises_span(data.rises_to))} vs the 7 before:</p>'
        + _items(risen, "No job's spend rose week over week.")
        + "</section>"
    )


def _rises_span(rises_to: str) -> str:
    # which week, said: with a date range the week is the range's last, not the last 7 days to now
    return f"the 7 days to {rises_to}" if rises_to else "last 7 days"


def headline_html(data: Headline) -> str:
    """The whole headline (every workspace name escaped)."""
    glance = broke_html(data) + risk_html(data) + spend_html(data)
    return kpis_html(data.teams, data.previous, data.compared_to) + f'<div class="glance">{glance}</div>'


class OverviewView(Viewer):
    """Totals of the window and what broke, what is at risk and what costs most: one HTML pane."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        # refilled in place: a new pane per filter change was a re-layout of the page in the browser
        self._box = HtmlBox(
            sizing_mode="stretch_width", stylesheets=[PANE_CSS, GLANCE_CSS], css_classes=["headline"]
        )
        self._panel = DataPanel(
            state,
            "Overview",
            lambda: headline(state),
            self._render,
            watch=WINDOW_PARAMS,
            active=lambda: state.page == "overview",
            css_class="overview-kpis",
            priority=PRIMARY,
        )

    def _render(self, data: Headline) -> InPlace:
        html = headline_html(data)
        return InPlace(self._box, lambda: setattr(self._box, "html", html))

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel
