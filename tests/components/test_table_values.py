"""How query values read in tables: flags, percent points, cron, whole numbers, ids, empty columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from components.table_values import cron_text, table_spec, yes_no


def test_every_column_gets_a_reading_by_type_and_name():
    frame = pd.DataFrame(
        {
            "paused": [False, True],
            "reconciles": pd.Series([True, None], dtype=object),
            "worker_cpu_avg_pct": [14.0, 91.5],
            "runs": [112.0, np.nan],
            "run_id": [500000017287, 5],
            "ratio": [2.3712, 1.0],
            "last_breach_time": [np.nan, np.nan],
            "schedule_cron": ["0 0 5 * * ?", None],
            "cost": [1.5, 2.0],
        }
    )
    display, spec = table_spec(frame, money=["cost"])
    assert dict((c, (k, f)) for c, k, f in spec) == {
        "paused": ("text", ""),
        "reconciles": ("text", ""),
        "worker_cpu_avg_pct": ("number", "0.0%"),
        "runs": ("number", "0,0"),
        "run_id": ("number", "0"),
        "ratio": ("number", "0,0.00"),
        "last_breach_time": ("text", ""),
        "schedule_cron": ("text", ""),
        "cost": ("number", "$0,0.00"),
    }
    assert list(display["paused"]) == ["no", "yes"]
    assert display["reconciles"].iloc[0] == "yes" and pd.isna(display["reconciles"].iloc[1])
    assert list(display["worker_cpu_avg_pct"]) == [0.14, 0.915]
    assert list(display["last_breach_time"]) == [None, None]
    assert display["schedule_cron"].iloc[0] == "At 05:00 · 0 0 5 * * ?"
    assert list(frame["paused"]) == [False, True]  # the frame itself (the CSV) is unchanged


def test_cron_and_flags():
    assert cron_text("0 25 2/6 * * ?", "UTC") == (
        "At 25 minutes past the hour, every 6 hours, starting at 02:00 (UTC) · 0 25 2/6 * * ?"
    )
    assert cron_text("not a cron") == "not a cron"
    assert cron_text(None) == "" and cron_text("") == ""
    assert (yes_no(True), yes_no(np.bool_(False)), yes_no(1), yes_no("true")) == ("yes", "no", 1, "true")
