"""The run history chart from hand-built runs: its layers, the SVG's coordinates, escaping, the kept pane."""

from __future__ import annotations

import math
import re

import pandas as pd

from components.run_history_chart import (
    BOTTOM,
    LEFT,
    OUTCOME_COLOURS,
    RIGHT,
    TOP,
    RunHistoryChart,
    nice_step,
    run_history_data,
    run_history_svg,
)


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


def _circles(svg: str, css: str) -> list[tuple[float, float]]:
    return [
        (float(cx), float(cy)) for cx, cy in re.findall(rf'class="{css}" cx="([\d.]+)" cy="([\d.]+)"', svg)
    ]


def test_the_svg_places_each_run_and_marks_retries_and_the_sla_line():
    svg = run_history_svg(_runs(), 1500)
    # x: the first start (11-01 10:00) at the left edge, the last (11-05 10:00) at the right;
    # y: 0 at the bottom, the top a round number above the largest value (30 min -> 35, step 5)
    bottom, height = TOP + (320 - TOP - BOTTOM), 320 - TOP - BOTTOM
    assert nice_step(31.5) == 10.0 and nice_step(30.0 * 1.05, 4) == 10.0
    top = 40.0  # ceil(30 x 1.05 / 10) x 10
    points = _circles(svg, "run-point")
    assert [round(cx, 1) for cx, _ in points] == [LEFT, LEFT + 230.0, LEFT + 460.0, 1000 - RIGHT]
    assert [round(cy, 1) for _, cy in points] == [
        round(bottom - v / top * height, 1) for v in (2.0, 30.0, 10.0, 5.0)
    ]
    assert len(_circles(svg, "retried-mark")) == 2
    assert 'class="sla-line"' in svg and 'class="baseline-band"' in svg
    assert "run r3 · 2026-11-02 10:00 UTC · 30.0 min · failure · not_evaluated" in svg
    assert "SLA max duration" in svg
    assert 'class="sla-line"' not in run_history_svg(_runs(), None)


def test_run_ids_and_statuses_are_escaped():
    runs = _runs().assign(run_id=["<img src=x onerror=alert(1)>", "r2", "r3", "r4", "r5"])
    svg = run_history_svg(runs)
    assert "<img" not in svg and "&lt;img src=x onerror=alert(1)&gt;" in svg


def test_the_kept_pane_takes_the_next_jobs_runs():
    chart = RunHistoryChart()
    chart.prepare(_runs(), 1500)()
    first = chart.pane.object
    assert len(_circles(first, "run-point")) == 4
    chart.prepare(_runs().head(1).assign(run_id=["x9"]), None)()
    assert len(_circles(chart.pane.object, "run-point")) == 1 and "run x9" in chart.pane.object
