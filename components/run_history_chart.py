"""The job page's run history chart: duration per run coloured by outcome, the baseline band (median to
p90), retried runs circled and the SLA maximum duration as a line.

Plain Bokeh, not HoloViews, because it is on the drill-down's hot path: the figure is built for the first
job shown and kept, and the next job's runs only replace its data sources (one change per layer). A new
HoloViews plot per job click cost about 0.3 s of server time, and streaming into a HoloViews plot more
(HoloViews re-walks the whole session document on every update), before the browser laid it out again.
The data (``run_history_data``) is a pure function of the runs, tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import panel as pn

OUTCOME_COLOURS = {
    "success": "#2e7d32",
    "failure": "#c62828",
    "cancelled": "#757575",
    "skipped": "#9e9e9e",
    "running": "#1565c0",
    "other": "#6d4c41",
}
BAND_COLOUR = "#1565c0"
RETRY_COLOUR = "#ef6c00"
SLA_COLOUR = "#c62828"
_POINT_COLUMNS = ("start", "duration_min", "run_id", "outcome", "status")


def run_history_data(runs: pd.DataFrame, max_duration_seconds: float | None = None) -> dict[str, Any]:
    """The chart's layers from ``health.run_durations`` rows of one job.

    Returns ``{"points": columns, "band": columns, "retried": columns, "sla_min": float}``: the points
    in start order (outcomes outside OUTCOME_COLOURS as "other"; runs without a duration left out), the band over the runs with a baseline in start order, the runs with a task retry or a
    repair, and the SLA maximum in minutes (NaN: none). Times are naive UTC, durations in minutes.
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
    )
    frame.loc[~frame["outcome"].isin(list(OUTCOME_COLOURS)), "outcome"] = "other"
    done = frame[frame["duration_min"].notna()]
    points = _columns(done.sort_values("start", kind="stable"), _POINT_COLUMNS)
    band = frame[frame["median_min"].notna()].sort_values("start", kind="stable")
    retried = done[(done["task_retries"] > 0) | (done["repair_count"] > 0)]
    return {
        "points": points,
        "band": _columns(band, ("start", "median_min", "p90_min")),
        "retried": _columns(retried, ("start", "duration_min", "run_id", "task_retries", "repair_count")),
        "sla_min": float(max_duration_seconds) / 60 if max_duration_seconds else float("nan"),
    }


def _columns(frame: pd.DataFrame, names: tuple[str, ...]) -> dict[str, list[Any]]:
    return {name: frame[name].tolist() for name in names}


class RunHistoryChart:
    """The kept figure: ``prepare(runs, max)`` (in a worker) returns the update that shows them."""

    def __init__(self) -> None:
        self.figure: Any = None
        self._points: Any = None
        self._band: Any = None
        self._retried: Any = None
        self._sla: Any = None
        self.pane = pn.Column(sizing_mode="stretch_width", css_classes=["run-history-chart"])

    def _build(self) -> None:
        from bokeh.models import ColumnDataSource, HoverTool, Span
        from bokeh.plotting import figure
        from bokeh.transform import factor_cmap

        fig = figure(
            x_axis_type="datetime",
            height=320,
            sizing_mode="stretch_width",
            x_axis_label="run start (UTC)",
            y_axis_label="duration (min)",
            tools="pan,wheel_zoom,box_zoom,reset",
            toolbar_location="right",
        )
        self._band = ColumnDataSource({"start": [], "median_min": [], "p90_min": []})
        fig.varea(
            x="start",
            y1="median_min",
            y2="p90_min",
            source=self._band,
            fill_color=BAND_COLOUR,
            fill_alpha=0.2,
            legend_label="baseline median-p90",
        )
        # One renderer for every outcome, coloured by a mapper and named in the legend from the data in
        # the browser: a visual per outcome would be a dozen more CSS lookups on every repaint.
        self._points = ColumnDataSource({name: [] for name in _POINT_COLUMNS})
        points = fig.scatter(
            "start",
            "duration_min",
            source=self._points,
            size=7,
            color=factor_cmap("outcome", list(OUTCOME_COLOURS.values()), list(OUTCOME_COLOURS)),
            legend_field="outcome",
        )
        self._retried = ColumnDataSource(
            {name: [] for name in ("start", "duration_min", "run_id", "task_retries", "repair_count")}
        )
        retried = fig.scatter(
            "start",
            "duration_min",
            source=self._retried,
            marker="circle",
            size=14,
            fill_alpha=0,
            line_color=RETRY_COLOUR,
            line_width=2,
            legend_label="retried",
        )
        self._sla = Span(
            location=float("nan"), dimension="width", line_color=SLA_COLOUR, line_dash="dashed", line_width=2
        )
        fig.add_layout(self._sla)
        fig.add_tools(
            HoverTool(
                renderers=[points],
                tooltips=[
                    ("run", "@run_id"),
                    ("start (UTC)", "@start{%F %H:%M}"),
                    ("duration (min)", "@duration_min{0,0.0}"),
                    ("outcome", "@outcome"),
                    ("status", "@status"),
                ],
                formatters={"@start": "datetime"},
            ),
            HoverTool(
                renderers=[retried],
                tooltips=[
                    ("run", "@run_id"),
                    ("task retries", "@task_retries"),
                    ("repairs", "@repair_count"),
                ],
            ),
        )
        fig.legend.location = "top_left"
        fig.legend.click_policy = "hide"
        self.figure = fig

    def _show(self, data: dict[str, Any]) -> None:
        self._points.data = data["points"]
        self._band.data = data["band"]
        self._retried.data = data["retried"]
        sla = data["sla_min"]
        current = self._sla.location
        if not (np.isnan(sla) and current is not None and np.isnan(current)) and current != sla:
            self._sla.location = sla

    def prepare(self, runs: pd.DataFrame, max_duration_seconds: float | None) -> Callable[[], None]:
        data = run_history_data(runs, max_duration_seconds)

        def update() -> None:
            if self.figure is None:
                self._build()
                self._show(data)  # not in the document yet: set directly, then show
                self.pane.objects = [pn.pane.Bokeh(self.figure, sizing_mode="stretch_width")]
            else:
                # Bokeh models (unlike Panel's) change only under the document's lock: on its loop.
                pn.state.execute(lambda: self._show(data))

        return update
