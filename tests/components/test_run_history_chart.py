"""The run history chart's layers from hand-built runs, and the kept figure taking the next job's runs."""

from __future__ import annotations

import math

import pandas as pd

from components.run_history_chart import OUTCOME_COLOURS, RunHistoryChart, run_history_data


def _runs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": ["r1", "r2", "r3", "r4", "r5"],
            "start_time": pd.to_datetime(
                [
                    "2026-11-03 10:00",
                    "2026-11-01 10:00",
                    "2026-11-02 10:00",
                    "2026-11-04 10:00",
                    "2026-11-05 10:00",
                ],
                utc=True,
            ),
            "duration_seconds": [600.0, 120.0, 1800.0, None, 300.0],
            "baseline_median_seconds": [300.0, None, 600.0, None, 360.0],
            "baseline_p90_seconds": [420.0, None, 900.0, None, 480.0],
            "outcome": ["success", "success", "failure", "running", "weird"],
            "status": ["critical", "insufficient_history", "not_evaluated", None, "ok"],
            "task_retries": [0, 0, 2, 0, 0],
            "repair_count": [0, 1, 0, 0, 0],
        }
    )


def test_layers_split_runs_by_outcome_and_mark_retries_and_the_band():
    data = run_history_data(_runs(), 1500)
    points = data["points"]
    # start order; r4 (running, no duration yet) has no point; an unknown outcome is drawn as "other"
    assert points["run_id"] == ["r2", "r3", "r1", "r5"]
    assert points["duration_min"] == [2.0, 30.0, 10.0, 5.0]
    assert points["outcome"] == ["success", "failure", "success", "other"]
    assert points["status"] == ["insufficient_history", "not_evaluated", "critical", "ok"]
    assert set(points["outcome"]) <= set(OUTCOME_COLOURS)
    # the band: runs with a baseline, in start order (r3 started before r1)
    assert [t.day for t in data["band"]["start"]] == [2, 3, 5]
    assert data["band"]["median_min"] == [10.0, 5.0, 6.0]
    assert data["band"]["p90_min"] == [15.0, 7.0, 8.0]
    assert data["retried"]["run_id"] == ["r2", "r3"]  # a repair, task retries
    assert data["sla_min"] == 25.0
    assert points["start"][0] == pd.Timestamp("2026-11-01 10:00")  # naive UTC


def test_no_sla_maximum_draws_no_line():
    assert math.isnan(run_history_data(_runs(), None)["sla_min"])


def test_the_kept_figure_takes_the_next_jobs_runs_without_a_new_plot():
    chart = RunHistoryChart()
    chart.prepare(_runs(), 1500)()
    figure = chart.figure
    assert chart.pane.objects[0].object is figure
    assert chart._points.data["run_id"] == ["r2", "r3", "r1", "r5"]
    assert chart._sla.location == 25.0

    other = _runs().head(1).assign(run_id=["x9"])
    chart.prepare(other, None)()  # outside a server pn.state.execute runs at once
    assert chart.figure is figure and len(chart.pane.objects) == 1
    assert chart._points.data["run_id"] == ["x9"]
    assert math.isnan(chart._sla.location)
