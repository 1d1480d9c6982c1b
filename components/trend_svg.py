"""The overview's daily trend charts as SVG markup: spend stacked by team, runs and failures, success rate
and SLA attainment, one column per UTC day of the window.

SVG drawn here rather than Bokeh plots: measured on the 2-core machine, a cross-filter with three Bokeh
figures on the overview took 1.8-5 s to show (each update of the page re-laid out and repainted every
figure, reading its CSS colours again), against a 500 ms budget; this markup is replaced in 20-40 ms.
The markup holds numbers, ISO dates, palette colours and names escaped with ``esc``; every element a user
can point at carries ``data-day`` (and ``data-team``: the team's position in ``teams``, never its name) and
``data-tip`` (the exact numbers, shown as text by ``SelectableChart``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date

import pandas as pd

from components.charts import FAILED, MEASURED, OTHER_COLOUR, RUNS, SUCCEEDED
from components.panes import esc, fmt_money
from components.run_history_chart import nice_step

WIDTH, HEIGHT = 360, 190
LEFT, RIGHT, TOP, BOTTOM = 46, 22, 8, 22
RUNS_COLOUR = RUNS
FAILED_COLOUR = FAILED
SUCCESS_COLOUR = SUCCEEDED
SLA_COLOUR = MEASURED


def _iso(day: object) -> str:
    return pd.Timestamp(day).date().isoformat()


def _short(day: str) -> str:
    return f"{date.fromisoformat(day):%b} {date.fromisoformat(day).day}"


class _Frame:
    """The plotting area: x by day position, y by value between ``low`` and ``high``."""

    def __init__(self, calendar: Sequence[str], low: float, high: float) -> None:
        self.calendar = list(calendar)
        self.low, self.high = low, high if high > low else low + 1
        self.column = (WIDTH - LEFT - RIGHT) / max(len(self.calendar), 1)

    def x(self, i: int) -> float:
        return LEFT + i * self.column

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - share)

    def axes(self, ticks: Sequence[float], label: Callable[[float], str]) -> str:
        """Grid lines with their labels, the day labels (about one a week) and each day's hit column."""
        parts = []
        for value in ticks:
            y = self.y(value)
            parts.append(
                f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
                f'<text class="tick" x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end">{esc(label(value))}</text>'
            )
        every = max(1, math.ceil(len(self.calendar) / 5))
        for i, day in enumerate(self.calendar):
            if i % every == 0:
                parts.append(
                    f'<text class="tick" x="{self.x(i) + self.column / 2:.1f}" y="{HEIGHT - 6}" '
                    f'text-anchor="middle">{_short(day)}</text>'
                )
        hits = "".join(
            f'<rect class="day-hit" data-day="{day}" x="{self.x(i):.1f}" y="{TOP}" '
            f'width="{self.column:.2f}" height="{HEIGHT - TOP - BOTTOM}"/>'
            for i, day in enumerate(self.calendar)
        )
        return "".join(parts) + hits

    def bar(
        self, i: int, low: float, high: float, colour: str, day: str, tip: str, team: int | None = None
    ) -> str:
        width = max(self.column * 0.8, 0.8)
        y_top, y_low = self.y(high), self.y(low)
        team_attr = "" if team is None else f' data-team="{team}"'
        return (
            f'<rect class="bar" x="{self.x(i) + self.column * 0.1:.2f}" y="{y_top:.2f}" width="{width:.2f}" '
            f'height="{max(y_low - y_top, 0):.2f}" fill="{colour}" data-day="{day}"{team_attr} '
            f'data-tip="{esc(tip)}"/>'
        )


def _svg(css_class: str, label: str, body: str) -> str:
    return (
        f'<svg class="trend {css_class}" role="img" aria-label="{esc(label)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet">{body}</svg>'
    )


def _money_tick(value: float) -> str:
    return f"${value:,.0f}"


def spend_svg(
    days: pd.DataFrame, calendar: Sequence[str], teams: Sequence[str], colours: dict[str, str]
) -> str:
    """Spend per day stacked by team, in ``teams`` order from the bottom; a segment's ``data-team`` is the
    team's position in ``teams``."""
    cost = days.assign(day=[_iso(d) for d in days["day"]]).pivot_table(
        index="day", columns="team", values="list_cost_usd", aggfunc="sum"
    )
    cost = cost.reindex(index=list(calendar), columns=list(teams)).fillna(0.0)
    totals = cost.sum(axis=1)
    step = nice_step(float(totals.max()) or 1.0)
    frame = _Frame(calendar, 0.0, step * math.ceil((float(totals.max()) or 1.0) / step))
    ticks = [frame.low + step * k for k in range(int(round(frame.high / step)) + 1)]
    bars = []
    for i, day in enumerate(calendar):
        bottom = 0.0
        for position, team in enumerate(teams):
            value = float(cost.at[day, team])
            if value <= 0:
                continue
            tip = f"{day} (UTC) · {team}: {fmt_money(value)} of {fmt_money(totals[day])}"
            bars.append(
                frame.bar(i, bottom, bottom + value, colours.get(team, OTHER_COLOUR), day, tip, position)
            )
            bottom += value
    label = f"Spend per day by team, {fmt_money(float(totals.sum()))} over {len(calendar)} days"
    return _svg("trend-spend", label, frame.axes(ticks, _money_tick) + "".join(bars))


def runs_svg(totals: pd.DataFrame) -> str:
    """Runs per day as bars (left axis) and failed runs as a red line on their own scale (right axis): a
    few failures a day would not show as a sliver of bars of hundreds of runs."""
    calendar = totals["day"].tolist()
    busiest = float(totals["runs"].max()) or 1.0
    step = nice_step(busiest)
    frame = _Frame(calendar, 0.0, step * math.ceil(busiest / step))
    ticks = [step * k for k in range(int(round(frame.high / step)) + 1)]
    worst = float(totals["failed"].max())
    fail_step = max(1.0, nice_step(worst or 1.0, ticks=len(ticks) - 1))
    failures = _Frame(calendar, 0.0, fail_step * (len(ticks) - 1))
    tips = [
        f"{day} (UTC): {int(runs):,} runs, {int(failed):,} failed"
        for day, runs, failed in totals[["day", "runs", "failed"]].itertuples(index=False)
    ]
    bars = [
        frame.bar(i, 0, runs, RUNS_COLOUR, day, tip)
        for i, (day, runs, tip) in enumerate(zip(calendar, totals["runs"], tips, strict=True))
        if runs > 0
    ]
    right = "".join(
        f'<text class="tick failed-tick" x="{WIDTH - RIGHT + 3}" y="{failures.y(fail_step * k) + 3:.1f}" '
        f'fill="{FAILED_COLOUR}">{fail_step * k:,.0f}</text>'
        for k in range(len(ticks))
    )
    line = _line(failures, [float(f) for f in totals["failed"]], FAILED_COLOUR, tips, "failed-line")
    label = f"Runs per day: {int(totals['runs'].sum()):,} runs, {int(totals['failed'].sum()):,} failed"
    body = frame.axes(ticks, lambda v: f"{v:,.0f}") + "".join(bars) + line + right
    return _svg("trend-runs", label, body)


def _line(frame: _Frame, values: Sequence[float | None], colour: str, tips: Sequence[str], css: str) -> str:
    """A polyline through the days with a value (a day without one breaks it) and a point per day."""
    segments, current, points = [], [], []
    for i, (value, tip) in enumerate(zip(values, tips, strict=True)):
        if value is None or pd.isna(value):
            if current:
                segments.append(current)
            current = []
            continue
        x, y = frame.x(i) + frame.column / 2, frame.y(float(value))
        current.append(f"{x:.1f},{y:.1f}")
        points.append(
            f'<circle class="point {css}" cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{colour}" '
            f'data-day="{frame.calendar[i]}" data-tip="{esc(tip)}"/>'
        )
    if current:
        segments.append(current)
    lines = "".join(
        f'<polyline class="{css}" fill="none" stroke="{colour}" stroke-width="1.8" points="{" ".join(s)}"/>'
        for s in segments
    )
    return lines + "".join(points)


def _pct(value: float | None) -> str:
    return "–" if value is None or pd.isna(value) else f"{100 * float(value):.1f}%"


def rates_svg(totals: pd.DataFrame, sla_days: pd.DataFrame) -> str:
    """Success rate of the finished runs and SLA attainment of the checked runs, per day, on one
    percentage axis starting just under the lowest value."""
    calendar = totals["day"].tolist()
    rate = [None if pd.isna(v) else float(v) for v in totals["success_rate"]]
    if len(sla_days):
        by_day = sla_days.assign(day=[_iso(d) for d in sla_days["day"]]).set_index("day").reindex(calendar)
        sla = [None if pd.isna(v) else float(v) for v in by_day["attainment"]]
        sla_tips = [
            f"{day} (UTC): no run checked against an SLA"
            if pd.isna(c)
            else f"{day} (UTC): SLA met by {int(c) - int(b):,} of {int(c):,} checked runs ({_pct(1 - b / c)})"
            for day, c, b in zip(calendar, by_day["checked_runs"], by_day["breaches"], strict=True)
        ]
    else:
        sla, sla_tips = [None] * len(calendar), [""] * len(calendar)
    seen = [v for v in rate + sla if v is not None]
    lowest = min(seen) if seen else 0.0
    step = nice_step(max(1.0 - lowest, 0.01), ticks=3)
    frame = _Frame(calendar, max(0.0, step * math.floor((lowest - step / 4) / step)), 1.0)
    ticks = []
    value = frame.low
    while value <= 1.0 + 1e-9:
        ticks.append(round(value, 6))
        value += step
    rate_tips = [
        f"{day} (UTC): {int(s):,} of {int(s + f):,} finished runs succeeded ({_pct(r)})"
        for day, s, f, r in zip(calendar, totals["succeeded"], totals["failed"], rate, strict=True)
    ]
    body = _line(frame, rate, SUCCESS_COLOUR, rate_tips, "rate-line") + _line(
        frame, sla, SLA_COLOUR, sla_tips, "sla-line"
    )
    label = "Success rate and SLA attainment per day"
    decimals = 0 if step >= 0.01 else 1
    return _svg("trend-rates", label, frame.axes(ticks, lambda v: f"{100 * v:.{decimals}f}%") + body)
