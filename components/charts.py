"""What every chart shares: HoloViews loading, what each colour means, one colour per team, UTC axes.

- ``holoviews()``: the one place charts get HoloViews from (imported on the first chart, drawn on a canvas).
- Colours say the same thing on every chart, sparkline and SVG trend: red is something that went wrong or
  a limit (failures, breaches, DBU spikes, flagged writes, the 40 % line), blue the measured series, grey a
  baseline or a run that did not decide. Modules name them by what they draw (``FAILED_COLOUR`` in
  trend_svg.py is ``FAILED`` here), so a change of hue happens here once.
- A team keeps its colour wherever it is drawn (the overview's spend chart, its legend, a team page) because
  the colour comes from the team's place among all the workspace's teams, not among those a view shows.
- Times on a chart's axis are UTC without a zone (``naive_utc``); axis titles say "(UTC)".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from bokeh.palettes import Category20_20

from data.sql_fragments import UNATTRIBUTED

# What a colour means.
FAILED = "#c62828"  # a failure, a breach, a spike, a flagged point, a limit line
SUCCEEDED = "#2e7d32"
MEASURED = "#1565c0"  # the series measured: a run's cost, rows written, the duration band, SLA attainment
MEASURED_LIGHT = "#90caf9"  # a second measured series beside MEASURED (the driver beside the workers)
SUCCEEDED_LIGHT = "#a5d6a7"
BASELINE = "#757575"  # a baseline or reference line; a cancelled run
SKIPPED = "#9e9e9e"
RETRIED = "#ef6c00"
OTHER_OUTCOME = "#6d4c41"
CONNECTOR = "#607d8b"  # the line joining a series' points
RUNS = "#90a4ae"  # run counts (bars)
RUNS_SPARK = "#78909c"
GRID = "#e5e7eb"

# An alert's severity: the inbox's counts and the job health table's badge (white text on each).
SEVERITY_COLOURS = {"P1": FAILED, "P2": "#b54708", "P3": "#475467"}

# A run's outcome, wherever runs are drawn by outcome.
OUTCOME_COLOURS = {
    "success": SUCCEEDED,
    "failure": FAILED,
    "cancelled": BASELINE,
    "skipped": SKIPPED,
    "running": MEASURED,
    "other": OTHER_OUTCOME,
}

# Teams whose colour is fixed: the jobs nobody owns are grey everywhere.
FIXED_COLOURS = {UNATTRIBUTED: "#9e9e9e"}
# Category20 without its two greys (grey means "unattributed").
TEAM_PALETTE = tuple(c for c in Category20_20 if c not in ("#7f7f7f", "#c7c7c7"))
OTHER_COLOUR = "#616161"


def team_colours(teams: Iterable[str]) -> dict[str, str]:
    """A colour per team, by the team's place among ``teams`` (all the workspace's teams) in name order."""
    named = sorted({str(t) for t in teams if str(t) not in FIXED_COLOURS})
    colours = {team: TEAM_PALETTE[i % len(TEAM_PALETTE)] for i, team in enumerate(named)}
    return {**colours, **FIXED_COLOURS}


def naive_utc(series: pd.Series) -> pd.Series:
    """Times as UTC without a zone: what a chart's axis shows (its title says "(UTC)")."""
    series = pd.to_datetime(series)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series


def holoviews() -> Any:
    """HoloViews with its Bokeh plotting registered, imported on the first chart (1-2 s of imports the
    server need not pay before it answers), drawing on a canvas."""
    import holoviews as hv
    import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh options the plots use)

    # Canvas, not WebGL (HoloViews' default): these plots hold hundreds of points, and without a GPU
    # (headless browsers, many VMs) WebGL is emulated and each repaint blits a full image.
    hv.renderer("bokeh").webgl = False
    return hv
