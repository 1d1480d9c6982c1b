"""The job page's run history chart: duration per run coloured by outcome, the baseline band (median to
p90), retried runs circled and the SLA maximum duration as a line.

Drawn as an inline SVG built here, not a Bokeh or HoloViews plot, because it is on the drill-down's hot
path. A plot cost most of a job click: a new HoloViews pane per job ~0.3 s of server time, and in the
browser every layout pass of the page (several per click) repainted the plot, whose axes read CSS values
back from the page, each read a style recalculation (~0.3-0.5 s a click on a 2-core machine). The SVG is
one string per job, laid out once; hovering a point shows its run (an SVG ``<title>``). Run ids and
statuses are escaped. The cost views, off the hot path, keep HoloViews.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import panel as pn

from components.charts import FAILED, GRID, MEASURED, OUTCOME_COLOURS, RETRIED
from components.panes import esc
from components.theme import var

BAND_COLOUR = MEASURED
RETRY_COLOUR = RETRIED
SLA_COLOUR = FAILED
# the axis and legend text follow the theme (dark text on a dark page could not be read)
AXIS_TEXT, LEGEND_TEXT = var("muted"), var("text")

# The drawing's own units (scaled to the pane's width, aspect kept): plot area inside the margins.
WIDTH, HEIGHT = 1000, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 34, 40
_PLOT_W, _PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def run_history_data(runs: pd.DataFrame, max_duration_seconds: float | None = None) -> dict[str, Any]:
    """The chart's layers from ``health.run_durations`` rows of one job.

    Returns ``{"points": columns, "band": columns, "retried": columns, "sla_min": float}``: the points
    in start order (outcomes outside OUTCOME_COLOURS as "other"; runs without a duration left out), the
    band over the runs with a baseline in start order, the runs with a task retry or a repair, and the
    SLA maximum in minutes (NaN: none). Times are naive UTC, durations in minutes.
    """
    frame = pd.DataFrame(
        {
            "start": pd.to_datetime(runs["start_time"], utc=True).dt.tz_localize(None),
            "duration_min": runs["duration_seconds"].astype(float) / 60,
            "median_min": runs["baseline_median_seconds"].astype(float) / 60,
            "p90_min": runs["baseline_p90_seconds"].astype(float) / 60,
            "run_id": runs["run_id"].astype(str),
            "outcome": runs["outcome"].fillna("other").astype(str),
            "status": runs["status"].fillna("").astype(str),
            "task_retries": runs["task_retries"].fillna(0).astype(int),
            "repair_count": runs["repair_count"].fillna(0).astype(int),
        }
    ).sort_values("start", kind="stable")
    frame.loc[~frame["outcome"].isin(list(OUTCOME_COLOURS)), "outcome"] = "other"
    done = frame[frame["duration_min"].notna()]
    retried = done[(done["task_retries"] > 0) | (done["repair_count"] > 0)]
    return {
        "points": _columns(done, ("start", "duration_min", "run_id", "outcome", "status")),
        "band": _columns(frame[frame["median_min"].notna()], ("start", "median_min", "p90_min")),
        "retried": _columns(retried, ("start", "duration_min", "run_id", "task_retries", "repair_count")),
        "sla_min": float(max_duration_seconds) / 60 if max_duration_seconds else float("nan"),
    }


def _columns(frame: pd.DataFrame, names: tuple[str, ...]) -> dict[str, list[Any]]:
    return {name: frame[name].tolist() for name in names}


def nice_step(span: float, ticks: int = 4) -> float:
    """A round tick step (1, 2 or 5 x a power of ten) giving about ``ticks`` intervals over ``span``."""
    if span <= 0 or math.isnan(span):
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def run_history_svg(runs: pd.DataFrame, max_duration_seconds: float | None = None) -> str:
    """The chart as an SVG string (see the module docstring); coordinates in WIDTH x HEIGHT units."""
    data = run_history_data(runs, max_duration_seconds)
    points, band, retried, sla = data["points"], data["band"], data["retried"], data["sla_min"]
    times = points["start"] + band["start"]
    if not times:
        return '<div class="run-history-empty">No run with a duration in the window.</div>'
    t0, t1 = min(times), max(times)
    if t1 <= t0:
        t0, t1 = t0 - pd.Timedelta(hours=1), t1 + pd.Timedelta(hours=1)
    values = points["duration_min"] + band["p90_min"] + ([] if math.isnan(sla) else [sla])
    step = nice_step(max(values))
    top = step * math.ceil(max(values) * 1.05 / step)

    span_s = (t1 - t0).total_seconds()

    def x(t: pd.Timestamp) -> float:
        return LEFT + (t - t0).total_seconds() / span_s * _PLOT_W

    def y(v: float) -> float:
        return TOP + _PLOT_H - v / top * _PLOT_H

    # Per run, the same arithmetic on arrays (a job has hundreds of runs: per-point Timestamp arithmetic
    # and strftime were most of a job click's chart).
    t0_us = int(pd.DatetimeIndex([t0]).as_unit("us").asi8[0])
    span_us = span_s * 1_000_000

    def micros(times: list[pd.Timestamp]) -> np.ndarray:
        return pd.DatetimeIndex(times).as_unit("us").asi8

    def xs(us: np.ndarray) -> list[str]:
        return [f"{v:.1f}" for v in (LEFT + (us - t0_us) / span_us * _PLOT_W).tolist()]

    def ys(values: list[float]) -> list[str]:
        return [
            f"{v:.1f}" for v in (TOP + _PLOT_H - np.asarray(values, dtype=float) / top * _PLOT_H).tolist()
        ]

    def minutes(us: np.ndarray) -> list[str]:
        """Each time as 'YYYY-MM-DD HH:MM'."""
        stamps = us.astype("datetime64[us]")
        return [text.replace("T", " ") for text in np.datetime_as_string(stamps, unit="m").tolist()]

    parts = [
        f'<svg class="run-history-svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="Run durations over time" style="font: 12px sans-serif">'
    ]
    # axes: y ticks in minutes, x ticks as UTC times
    v = 0.0
    while v <= top + step / 2:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" style="fill: {AXIS_TEXT}">{v:g}</text>'
        )
        v += step
    for i in range(6):
        t = t0 + (t1 - t0) * i / 5
        anchor = "start" if i == 0 else "end" if i == 5 else "middle"
        parts.append(
            f'<text x="{x(t):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="{anchor}" style="fill: {AXIS_TEXT}">'
            f"{t:%m-%d %H:%M}</text>"
        )
    parts.append(
        f'<text x="{LEFT + _PLOT_W / 2}" y="{HEIGHT - 6}" text-anchor="middle" style="fill: {AXIS_TEXT}">run start (UTC)</text>'
        f'<text x="14" y="{TOP + _PLOT_H / 2}" text-anchor="middle" style="fill: {AXIS_TEXT}" '
        f'transform="rotate(-90 14 {TOP + _PLOT_H / 2})">duration (min)</text>'
    )
    if band["start"]:
        band_x = xs(micros(band["start"]))
        upper = " ".join(f"{bx},{by}" for bx, by in zip(band_x, ys(band["p90_min"]), strict=True))
        lower = " ".join(
            f"{bx},{by}" for bx, by in reversed(list(zip(band_x, ys(band["median_min"]), strict=True)))
        )
        parts.append(
            f'<polygon class="baseline-band" points="{upper} {lower}" fill="{BAND_COLOUR}" opacity="0.2"/>'
        )
    if not math.isnan(sla):
        parts.append(
            f'<line class="sla-line" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(sla):.1f}" y2="{y(sla):.1f}" '
            f'stroke="{SLA_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
    point_us = micros(points["start"])
    point_xy = zip(xs(point_us), ys(points["duration_min"]), minutes(point_us), strict=True)
    for (px, py, at), d, run_id, outcome, status in zip(point_xy, *list(points.values())[1:], strict=True):
        tip = f"run {run_id} · {at} UTC · {d:,.1f} min · {outcome}" + (f" · {status}" if status else "")
        parts.append(
            f'<circle class="run-point" cx="{px}" cy="{py}" r="3.5" '
            f'fill="{OUTCOME_COLOURS[outcome]}"><title>{esc(tip)}</title></circle>'
        )
    retried_xy = zip(xs(micros(retried["start"])), ys(retried["duration_min"]), strict=True)
    for (rx, ry), run_id, task_retries, repairs in zip(retried_xy, *list(retried.values())[2:], strict=True):
        tip = f"run {run_id}: {task_retries} task retries, {repairs} repairs"
        parts.append(
            f'<circle class="retried-mark" cx="{rx}" cy="{ry}" r="7" fill="none" '
            f'stroke="{RETRY_COLOUR}" stroke-width="2"><title>{esc(tip)}</title></circle>'
        )
    parts.append(_legend(sorted(set(points["outcome"])), bool(band["start"]), bool(retried["start"]), sla))
    parts.append("</svg>")
    return "".join(parts)


def _legend(outcomes: list[str], band: bool, retried: bool, sla: float) -> str:
    entries = [(f'<circle r="4" fill="{OUTCOME_COLOURS[o]}"/>', o) for o in outcomes]
    if band:
        entries.append(
            (
                f'<rect x="-6" y="-5" width="12" height="10" fill="{BAND_COLOUR}" opacity="0.2"/>',
                "baseline median-p90",
            )
        )
    if retried:
        entries.append((f'<circle r="5" fill="none" stroke="{RETRY_COLOUR}" stroke-width="2"/>', "retried"))
    if not math.isnan(sla):
        entries.append(
            (
                f'<line x1="-7" x2="7" stroke="{SLA_COLOUR}" stroke-width="2" stroke-dasharray="4 2"/>',
                "SLA max duration",
            )
        )
    out, at = [], LEFT + 8
    for mark, label in entries:
        out.append(
            f'<g transform="translate({at},14)">{mark}<text x="10" y="4" style="fill: {LEGEND_TEXT}">{esc(label)}</text></g>'
        )
        at += 24 + 7 * len(label)
    return f'<g class="legend">{"".join(out)}</g>'


class RunHistoryChart:
    """The kept pane: ``prepare(runs, max)`` (in a worker) returns the update that shows the next job's."""

    def __init__(self) -> None:
        self.pane = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["run-history-chart"])

    def prepare(self, runs: pd.DataFrame, max_duration_seconds: float | None) -> Callable[[], None]:
        svg = run_history_svg(runs, max_duration_seconds)

        def update() -> None:
            if self.pane.object != svg:
                self.pane.object = svg

        return update
