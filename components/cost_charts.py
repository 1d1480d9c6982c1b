"""The cost charts (HoloViews): spend per day stacked by team, a job's run costs with its spikes marked."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from components.charts import CONNECTOR, FAILED, MEASURED, holoviews, naive_utc
from components.cost_formats import MONEY

if TYPE_CHECKING:
    import holoviews as hv


def spend_chart(frame: pd.DataFrame) -> hv.Bars:
    """Spend per period, stacked by team (list price)."""
    hv = holoviews()
    data = pd.DataFrame(
        {
            "period": pd.to_datetime(frame["period_start"]).dt.strftime("%Y-%m-%d"),
            "team": frame["team"].astype(str),
            "cost": frame["list_cost_usd"].astype(float),
        }
    )
    return hv.Bars(data, ["period", "team"], "cost").opts(
        stacked=True,
        tools=["hover"],
        responsive=True,
        height=300,
        xlabel="period (UTC)",
        ylabel=f"cost ({MONEY})",
        xrotation=45,
        legend_position="right",
        title=f"Spend by team ({MONEY})",
    )


def run_cost_chart(runs: pd.DataFrame, spikes: pd.DataFrame) -> hv.Overlay:
    """A job's run costs over start time; DBU spikes marked in red."""
    hv = holoviews()
    data = pd.DataFrame(
        {
            "start": naive_utc(runs["start_time"]),
            "cost": runs["list_cost_usd"].astype(float),
            "dbus": runs["dbus"].astype(float),
            "run_id": runs["run_id"].astype(str),
        }
    ).sort_values("start")
    line = hv.Curve(data, "start", ["cost", "dbus", "run_id"]).opts(color=CONNECTOR)
    points = hv.Scatter(data, "start", ["cost", "dbus", "run_id"]).opts(
        size=6, color=MEASURED, tools=["hover"]
    )
    marked = data[data["run_id"].isin(spikes["run_id"].astype(str))] if not spikes.empty else data.iloc[0:0]
    spike_points = hv.Scatter(marked, "start", ["cost", "dbus", "run_id"], label="DBU spike").opts(
        size=12, color=FAILED, marker="triangle", tools=["hover"]
    )
    return (line * points * spike_points).opts(
        responsive=True,
        height=280,
        xlabel="run start (UTC)",
        ylabel=f"run cost ({MONEY})",
        title=f"Run cost ({MONEY}); red: DBU spikes",
        legend_position="top_left",
    )
