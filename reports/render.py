"""One renderer for every report: a single self-contained HTML file.

CSS, Bokeh's JavaScript and every chart's data are inline (``bokeh.resources.INLINE``): the file makes no
request when opened, reads offline and prints cleanly (print CSS: no toolbars, sections not split across
pages). Every name from the workspace is escaped: a job called ``<script>`` is text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from reports.models import DailyReport, MonthlyReport, Report, WeeklyReport

EXTERNAL = re.compile(r"<script[^>]*\bsrc=[^>]*>\s*</script>|<link[^>]*\bhref=[^>]*>", re.IGNORECASE)
CSS = """
body { font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; color: #1f2328;
  margin: 24px auto; max-width: 1100px; padding: 0 16px; line-height: 1.4; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px;
  border-bottom: 2px solid #0b6bcb; padding-bottom: 4px; }
.meta { color: #57606a; font-size: 13px; margin: 2px 0; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.kpi { border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.kpi .label { font-size: 12px; color: #57606a; } .kpi .value { font-size: 22px; font-weight: 600; }
.kpi .change { font-size: 12px; } .up { color: #b42318; } .down { color: #1a7f37; } .flat { color: #57606a; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 12px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #d8dee4; vertical-align: top; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: #57606a; font-style: italic; } .nodata { border: 1px dashed #d0d7de; padding: 16px;
  border-radius: 6px; background: #f6f8fa; } .chart { margin: 8px 0 16px; }
.sev-P1 { color: #b42318; font-weight: 600; } .sev-P2 { color: #9a6700; font-weight: 600; }
@page { margin: 14mm; }
@media print { body { margin: 0; max-width: none; } section, table, .chart { break-inside: avoid; }
  .bk-toolbar, .bk-Toolbar { display: none !important; } h2 { break-after: avoid; } }
"""


def esc(value: Any) -> str:
    if value is None or (not isinstance(value, str | list | tuple) and pd.isna(value)):
        return "–"
    return html.escape(str(value))


def money(value: Any) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"-${-float(value):,.2f}" if float(value) < 0 else f"${float(value):,.2f}"


def pct(value: Any, digits: int = 1) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value) * 100:.{digits}f} %"


def _change(
    now: float | None, before: float | None, money_like: bool = True, good_when_down: bool = True
) -> str:
    if now is None or before is None:
        return '<span class="change flat">no comparison</span>'
    diff = now - before
    if abs(diff) < 1e-9:
        return '<span class="change flat">= same as before</span>'
    worse = diff > 0 if good_when_down else diff < 0
    arrow = "▲" if diff > 0 else "▼"
    shown = money(abs(diff)) if money_like else f"{abs(diff):,.0f}"
    ratio = f" ({diff / before * 100:+.1f} %)" if before else ""
    return (
        f'<span class="change {"up" if worse else "down"}">{arrow} {shown}{ratio} vs previous period</span>'
    )


def kpis(items: list[tuple[str, str, str]]) -> str:
    cells = "".join(
        f'<div class="kpi"><div class="label">{esc(label)}</div><div class="value">{esc(value)}</div>{change}</div>'
        for label, value, change in items
    )
    return f'<div class="kpis">{cells}</div>'


def table(
    frame: pd.DataFrame,
    columns: dict[str, tuple[str, Callable[[Any], str] | None]],
    empty: str,
    limit: int = 25,
) -> str:
    """``columns``: name -> (title, formatter or None for escaped text); numbers right-aligned."""
    if frame is None or frame.empty:
        return f'<p class="empty">{esc(empty)}</p>'
    shown = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{esc(columns[c][0])}</th>" for c in shown)
    rows = []
    for _, row in frame.head(limit).iterrows():
        cells = []
        for c in shown:
            fmt = columns[c][1]
            if fmt is None:
                value = row[c]
                text = "; ".join(str(v) for v in value) if isinstance(value, list | tuple) else value
                cells.append(f"<td>{esc(text)}</td>")
            else:
                cells.append(f'<td class="num">{esc(fmt(row[c]))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f'<p class="meta">and {len(frame) - limit:,} more</p>' if len(frame) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def holoviews() -> Any:
    """HoloViews with its Bokeh backend loaded (options can be set only then)."""
    import holoviews as hv
    import holoviews.plotting.bokeh  # noqa: F401  (registers the backend)

    return hv


class Charts:
    """HoloViews charts rendered to Bokeh models, embedded with one copy of Bokeh's inline resources."""

    def __init__(self) -> None:
        self.models: list[Any] = []

    def add(self, element: Any) -> str:
        hv = holoviews()
        plot = hv.render(
            element.opts(toolbar=None, responsive=False, width=1000, height=280), backend="bokeh"
        )
        self.models.append(plot)
        return f'<div class="chart" data-chart="{len(self.models) - 1}"></div>'

    def embed(self, body: str) -> tuple[str, str]:
        """(the head's resources and scripts, the body with each chart's div in place)."""
        if not self.models:
            return "", body
        from bokeh.embed import components
        from bokeh.resources import Resources

        script, divs = components(self.models)
        for i, div in enumerate(divs):
            body = body.replace(
                f'<div class="chart" data-chart="{i}"></div>', f'<div class="chart">{div}</div>'
            )
        # Bokeh's core library only, inline (the charts use no widgets, tables or WebGL): ~1 MB, not 4.
        # Only the inline parts: Panel (imported by HoloViews, and by the app around it) registers files of
        # its own (an ES-module shim, Tabulator's CSS on a CDN) that a file opened offline cannot load.
        resources = Resources(mode="inline", components=["bokeh"])
        head = "".join(f"<style>{css}</style>" for css in resources.css_raw)
        head += "".join(f"<script>{js}</script>" for js in resources.js_raw)
        head = EXTERNAL.sub("", head)
        return head + script, body


def render(report: Report) -> str:
    """The report as one HTML document."""
    charts = Charts()
    sections = {DailyReport: _daily, WeeklyReport: _weekly, MonthlyReport: _monthly}[type(report)]
    body = (
        sections(report, charts)
        if report.has_data
        else (
            '<section class="nodata"><h2>No data for this period</h2><p>No job run or spend falls in '
            f"{esc(report.period.describe())}. Check the period (--now) and that the data is fresh "
            "(below).</p></section>"
        )
    )
    head_extra, body = charts.embed(body)
    scope = f"team {report.team}" if report.team else "all teams"
    fresh = "; ".join(
        f"{r.source}: {'no rows' if pd.isna(r.newest_time) else pd.Timestamp(r.newest_time).strftime('%Y-%m-%d %H:%M UTC')}"
        for r in report.freshness.itertuples()
    )
    notes = "".join(f'<p class="meta">{esc(n)}</p>' for n in report.notes)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(report.title)} {esc(report.period.label)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{CSS}</style>{head_extra}</head><body>"
        f"<header><h1>{esc(report.title)}: {esc(report.period.label)}</h1>"
        f'<p class="meta">Period: {esc(report.period.describe())} ({esc(scope)}); compared with '
        f"{esc(report.previous.describe())}.</p>"
        f'<p class="meta">Made {report.generated_at:%Y-%m-%d %H:%M} UTC from data as of: {esc(fresh)}.</p>'
        f'<p class="meta">Costs at {esc(report.price_basis)}.</p>{notes}</header>'
        f"<main>{body}</main></body></html>\n"
    )


def _daily(r: DailyReport, charts: Charts) -> str:
    out = [
        kpis(
            [
                (
                    "Runs",
                    f"{r.runs:,}",
                    _change(r.runs, r.previous_runs, money_like=False, good_when_down=False),
                ),
                (
                    "Failed runs",
                    f"{len(r.failures):,}",
                    _change(len(r.failures), r.previous_failures, money_like=False),
                ),
                (
                    "SLA breaches",
                    f"{len(r.sla_breaches):,}",
                    _change(len(r.sla_breaches), r.previous_sla_breaches, money_like=False),
                ),
                ("Runs at risk now", f"{len(r.at_risk):,}", ""),
                (
                    "Open P1/P2 alerts",
                    f"{len(r.open_alerts):,}",
                    f'<span class="change flat">{r.opened_alerts} opened, {r.resolved_alerts} resolved in the period</span>',
                ),
                ("Spend", money(r.spend_usd), _change(r.spend_usd, r.previous_spend_usd)),
            ]
        ),
        "<section><h2>Open P1/P2 alerts: what to do</h2>",
        table(
            r.open_alerts,
            {
                "severity": ("Sev.", None),
                "title": ("Alert", None),
                "team": ("Team", None),
                "remediation": ("What to do", None),
            },
            "No open P1 or P2 alert.",
        ),
        "</section><section><h2>Failures in the last 24 hours</h2>",
        table(
            r.failures,
            {
                "job_name": ("Job", None),
                "team": ("Team", None),
                "run_id": ("Run", None),
                "start_time": ("Started (UTC)", _time),
                "termination_code": ("Why", None),
            },
            "No run failed.",
        ),
        "</section><section><h2>SLA breaches</h2>",
        table(
            r.sla_breaches,
            {
                "job_name": ("Job", None),
                "team": ("Team", None),
                "run_id": ("Run", None),
                "primary_cause": ("Cause", None),
                "late_by_seconds": ("Late by", _minutes),
            },
            "No SLA breach.",
        ),
        "</section><section><h2>Runs at risk now</h2>",
        table(
            r.at_risk,
            {
                "job_name": ("Job", None),
                "team": ("Team", None),
                "run_id": ("Run", None),
                "reason": ("Why", None),
            },
            "No run in progress is at risk.",
        ),
        "</section>",
    ]
    return "".join(out)


def _weekly(r: WeeklyReport, charts: Charts) -> str:
    hv = holoviews()

    out = [
        kpis(
            [
                ("Spend this week", money(r.total_usd), _change(r.total_usd, r.previous_total_usd)),
                ("Teams", f"{len(r.teams):,}", ""),
                ("DBU spikes", f"{len(r.spikes):,}", ""),
                ("Zombie jobs", f"{len(r.zombies):,}", ""),
            ]
        ),
        "<section><h2>Spend per team</h2>",
    ]
    if not r.spend_by_day.empty:
        frame = r.spend_by_day.assign(
            day=pd.to_datetime(r.spend_by_day["period_start"]).dt.strftime("%a %d"),
            usd=r.spend_by_day["list_cost_usd"].astype(float),
        )
        out.append(
            charts.add(
                hv.Bars(frame, ["day", "team"], "usd").opts(
                    stacked=True,
                    title="Spend per day, stacked by team (list price, $)",
                    ylabel="$",
                    xlabel="day (UTC)",
                    legend_position="right",
                )
            )
        )
    out.append(
        table(
            r.teams,
            {
                "team": ("Team", None),
                "list_cost_usd": ("This week", money),
                "previous_list_cost_usd": ("Week before", money),
                "change_pct": ("Change", lambda v: "–" if pd.isna(v) else f"{float(v):+.1f} %"),
                "top_job_name": ("Top job", None),
            },
            "No spend this week.",
        )
    )
    out += [
        "</section><section><h2>Top movers (this week against the week before)</h2>",
        table(
            r.movers,
            {
                "job_name": ("Job", None),
                "team": ("Team", None),
                "list_cost_usd": ("This week", money),
                "previous_list_cost_usd": ("Week before", money),
                "change_list_cost_usd": ("Change", money),
            },
            "No job changed its spend.",
        ),
        "</section><section><h2>DBU spikes</h2>",
        table(
            r.spikes,
            {
                "job_name": ("Job", None),
                "run_id": ("Run", None),
                "ratio": ("x usual", lambda v: f"{float(v):.1f}x"),
                "excess_list_cost_usd": ("Extra cost", money),
            },
            "No run spiked.",
        ),
        "</section><section><h2>Zombie jobs</h2>",
        table(
            r.zombies,
            {
                "job_name": ("Job", None),
                "team": ("Team", None),
                "reason": ("Why", None),
                "list_cost_usd": ("Cost this week", money),
                "monthly_wasted_list_cost_usd": ("Wasted a month", money),
            },
            "No zombie job.",
        ),
        "</section><section><h2>Budgets</h2>",
        table(
            r.budgets,
            {
                "scope_name": ("Budget", None),
                "team": ("Team", None),
                "monthly_usd": ("Monthly", money),
                "spent_usd": ("Spent", money),
                "forecast_usd": ("Forecast", money),
                "status": ("Status", None),
            },
            "No budget is set (Teams page, monitor.yaml or `budgets set`).",
        ),
        "</section>",
    ]
    return "".join(out)


def _monthly(r: MonthlyReport, charts: Charts) -> str:
    hv = holoviews()

    out = [
        kpis(
            [
                ("Total cost of ownership", money(r.total_usd), _change(r.total_usd, r.previous_total_usd)),
                ("Success rate", pct(r.success_rate), _rate_change(r.success_rate, r.previous_success_rate)),
                (
                    "SLA attainment",
                    pct(r.sla_attainment),
                    f'<span class="change flat">{r.sla_checked_runs:,} checked runs</span>',
                ),
                ("Cost per successful run", money(r.cost_per_successful_run_usd), ""),
                ("P1/P2 incidents", f"{len(r.incidents):,}", ""),
                (
                    "Savings realized",
                    money(r.realized_savings_usd),
                    f'<span class="change flat">{money(r.open_savings_usd)} a month still open</span>',
                ),
                ("Next month (forecast)", money(r.forecast_usd), ""),
            ]
        ),
        "<section><h2>Cost by team and by compute</h2>",
    ]
    if not r.teams.empty:
        teams = r.teams.assign(usd=r.teams["list_cost_usd"].astype(float)).sort_values("usd", ascending=False)
        out.append(
            charts.add(
                hv.Bars(teams, "team", "usd").opts(
                    title="Spend per team (list price, $)", ylabel="$", xrotation=30
                )
            )
        )
    if not r.compute.empty:
        out.append(
            charts.add(
                hv.Bars(r.compute, "compute", "list_cost_usd").opts(
                    title="Spend per compute kind ($)", ylabel="$"
                )
            )
        )
    out.append(
        table(
            r.teams,
            {
                "team": ("Team", None),
                "list_cost_usd": ("This month", money),
                "previous_list_cost_usd": ("Month before", money),
                "spend_share": ("Share", pct),
                "top_job_name": ("Top job", None),
            },
            "No spend.",
        )
    )
    out.append("</section><section><h2>Spend over the month and next month's forecast</h2>")
    if not r.spend_by_day.empty:
        daily = r.spend_by_day.groupby("period_start", as_index=False)["list_cost_usd"].sum()
        daily["day"] = pd.to_datetime(daily["period_start"])
        daily["usd"] = daily["list_cost_usd"].astype(float)
        out.append(
            charts.add(
                hv.Curve(daily, "day", "usd").opts(title="Spend per day ($)", ylabel="$", xlabel="day (UTC)")
            )
        )
    out.append(f'<p class="meta">Forecast: {esc(money(r.forecast_usd))}, {esc(r.forecast_method)}.</p>')
    out += [
        "</section><section><h2>Reliability: P1/P2 incidents</h2>",
        table(
            r.incidents,
            {
                "severity": ("Sev.", None),
                "title": ("Incident", None),
                "team": ("Team", None),
                "status": ("Now", None),
                "first_seen": ("First seen", _time),
            },
            "No P1 or P2 alert in the month.",
        ),
        "</section><section><h2>Optimization return: the savings ledger</h2>",
        f'<p class="meta">Realized: jobs whose daily spend fell after an over-provisioning or zombie '
        f"recommendation raised before the month (daily spend in the 30 days before it against the month's). "
        f"Still open: {esc(money(r.open_savings_usd))} a month (rightsizing savings and zombie jobs' spend).</p>",
        table(
            r.ledger,
            {
                "job_name": ("Job", None),
                "team": ("Team", None),
                "rule": ("Recommendation", None),
                "recommended_at": ("Raised", _time),
                "before_usd_per_day": ("$/day before", money),
                "month_usd_per_day": ("$/day this month", money),
                "realized_usd": ("Realized this month", money),
            },
            "No recommendation raised before this month yet.",
        ),
        "</section>",
    ]
    return "".join(out)


def _rate_change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return '<span class="change flat">no comparison</span>'
    diff = (now - before) * 100
    cls = "down" if diff >= 0 else "up"  # a higher success rate is good (green)
    return f'<span class="change {cls}">{"▲" if diff >= 0 else "▼"} {abs(diff):.1f} points vs previous month</span>'


def _time(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _minutes(value: Any) -> str:
    """Lateness in minutes; a run that ended before its deadline (a failure) was not late: "–"."""
    return "–" if value is None or pd.isna(value) or float(value) <= 0 else f"{float(value) / 60:,.0f} min"
