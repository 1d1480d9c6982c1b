"""A run's task timeline: one bar per task attempt from its start to its end, coloured by outcome.

Plain escaped HTML and CSS, not a plot: a run has a few to a few dozen task attempts, and the run page is
on the drill-down's hot path. A Bokeh figure here cost most of a run click in the browser (its axes read
CSS variables back from the page while the tables around it were changing, a style recalculation each).
One HTML string per run is one value sent and laid out once. Task keys are workspace text: escaped.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn

from components.charts import OUTCOME_COLOURS
from components.panes import esc, fmt_duration

TIMELINE_CSS = """
.timeline { font-size: 0.85em; width: 100%; }
.timeline .tl-row { display: grid; grid-template-columns: minmax(120px, 28%) 1fr; align-items: center;
  height: 20px; }
.timeline .tl-label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding-right: 8px; }
.timeline .tl-track { position: relative; height: 14px; background: #f3f4f6; }
.timeline .tl-bar { position: absolute; top: 0; height: 14px; min-width: 2px; }
.timeline .tl-axis { display: grid; grid-template-columns: minmax(120px, 28%) 1fr; color: #555;
  margin-top: 2px; }
.timeline .tl-axis .tl-ends { display: flex; justify-content: space-between; }
.timeline .tl-legend span { margin-right: 12px; }
.timeline .tl-legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
"""


def _utc(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def timeline_html(tasks: pd.DataFrame) -> str:
    """The timeline of ``drilldown.run_tasks`` rows (start order kept, first task on top).

    A bar spans [start, end) as percentages of [first start, last end]; a running attempt (no end) runs
    to the last end (else the first start plus a second). Hovering a bar shows its task, attempt,
    outcome, times and duration.
    """
    if tasks.empty:
        return '<div class="timeline">No task attempts.</div>'
    starts = [_utc(v) for v in tasks["start_time"]]
    ends = [None if pd.isna(v) else _utc(v) for v in tasks["end_time"]]
    first = min(starts)
    last = max([e for e in ends if e is not None] + starts)
    if last <= first:
        last = first + pd.Timedelta(seconds=1)
    span = (last - first).total_seconds()
    rows = []
    for key, attempt, outcome, start, end in zip(
        tasks["task_key"], tasks["attempt_number"], tasks["outcome"], starts, ends, strict=True
    ):
        state = "running" if pd.isna(outcome) else str(outcome)
        colour = OUTCOME_COLOURS.get(state, OUTCOME_COLOURS["other"])
        stop = last if end is None else end
        left = (start - first).total_seconds() / span * 100
        width = (stop - start).total_seconds() / span * 100
        label = f"{key} #{int(attempt)}"
        until = "still running" if end is None else f"{end:%H:%M:%S}"
        tip = (
            f"{label}: {state}, {start:%Y-%m-%d %H:%M:%S} to {until} UTC"
            f" ({fmt_duration((stop - start).total_seconds())})"
        )
        rows.append(
            f'<div class="tl-row" title="{esc(tip)}"><span class="tl-label">{esc(label)}</span>'
            f'<span class="tl-track"><span class="tl-bar" style="left:{left:.2f}%;width:{width:.2f}%;'
            f'background:{colour}"></span></span></div>'
        )
    shown = sorted({("running" if pd.isna(o) else str(o)) for o in tasks["outcome"]})
    legend = "".join(
        f'<span><i style="background:{OUTCOME_COLOURS.get(o, OUTCOME_COLOURS["other"])}"></i>{esc(o)}</span>'
        for o in shown
    )
    axis = (
        f'<div class="tl-axis"><span class="tl-legend">{legend}</span><span class="tl-ends">'
        f"<span>{first:%Y-%m-%d %H:%M:%S}</span><span>{last:%H:%M:%S} UTC</span></span></div>"
    )
    return f'<div class="timeline"><h4>Task timeline</h4>{"".join(rows)}{axis}</div>'


class TaskTimeline:
    """The run page's timeline pane, kept: a new run replaces its HTML."""

    def __init__(self) -> None:
        self.pane = pn.pane.HTML(
            "", sizing_mode="stretch_width", stylesheets=[TIMELINE_CSS], css_classes=["task-timeline"]
        )

    def prepare(self, tasks: pd.DataFrame) -> Any:
        html = timeline_html(tasks)

        def update() -> None:
            if self.pane.object != html:
                self.pane.object = html

        return update
