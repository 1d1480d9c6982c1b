"""The run page's task timeline (HTML): bar positions, a running attempt, escaped task keys."""

from __future__ import annotations

import re

import pandas as pd

from components.run_history_chart import OUTCOME_COLOURS
from components.task_timeline import TaskTimeline, timeline_html


def _tasks() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "task_key": ["ingest", "<img src=x onerror=alert(1)>", "ingest"],
            "attempt_number": [0, 0, 1],
            "outcome": ["failure", "success", None],
            "start_time": pd.to_datetime(
                ["2026-11-01 10:00:00", "2026-11-01 10:00:30", "2026-11-01 10:01:00"], utc=True
            ),
            "end_time": pd.to_datetime(["2026-11-01 10:00:30", "2026-11-01 10:01:40", None], utc=True),
        }
    )


def _bars(html: str) -> list[tuple[float, float, str]]:
    return [
        (float(left), float(width), colour)
        for left, width, colour in re.findall(r"left:([\d.]+)%;width:([\d.]+)%;background:(#\w+)", html)
    ]


def test_bars_span_each_attempt_as_a_share_of_the_run():
    html = timeline_html(_tasks())
    # the run spans 10:00:00 to 10:01:40 (100 s); the running attempt runs to that last end
    assert _bars(html) == [
        (0.0, 30.0, OUTCOME_COLOURS["failure"]),
        (30.0, 70.0, OUTCOME_COLOURS["success"]),
        (60.0, 40.0, OUTCOME_COLOURS["running"]),
    ]
    assert "ingest #1: running, 2026-11-01 10:01:00 to still running UTC (40s)" in html
    assert "2026-11-01 10:00:00" in html and "10:01:40 UTC" in html


def test_task_keys_are_text_never_html():
    html = timeline_html(_tasks())
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; #0" in html


def test_an_empty_run_and_a_run_of_one_instant():
    assert "No task attempts" in timeline_html(_tasks().head(0))
    instant = _tasks().head(1).assign(end_time=_tasks()["start_time"].head(1))
    assert _bars(timeline_html(instant)) == [(0.0, 0.0, OUTCOME_COLOURS["failure"])]  # drawn 2px wide by CSS


def test_the_kept_pane_takes_the_next_runs_html():
    timeline = TaskTimeline()
    timeline.prepare(_tasks())()
    first = timeline.pane.object
    timeline.prepare(_tasks().head(1))()
    assert timeline.pane.object != first and len(_bars(timeline.pane.object)) == 1
