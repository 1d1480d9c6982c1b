"""The hand-built data of ``test_sla_equivalence.py``, shared with the tests that reuse it (a test module
imports no other test module)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from monitor_app.sla_targets import TARGET_COLUMNS

END = datetime(2026, 11, 10, tzinfo=UTC)


# Deadlines picked to land on DST edges: 02:30 Paris and 01:30 New York are repeated hours on the days
# the clocks go back; 02:30 Sydney does not exist on 2026-10-04.
DEADLINES = [
    ("02:30", "Europe/Paris"),
    ("01:30", "America/New_York"),
    ("02:30", "Australia/Sydney"),
    ("06:00", "Europe/London"),
    ("00:00", "UTC"),
    ("23:59", "Asia/Kolkata"),
    ("09:15", "America/Los_Angeles"),
]


def _targets(jobs: pd.DataFrame) -> pd.DataFrame:
    """Target versions of every kind over the simulated jobs (the frame sla_target_history returns).

    Jobs running more than every few hours get no target (they would only slow the oracle), except two
    hourly ones whose zones repeat an hour in the window (Paris on 2026-10-25, Los Angeles on 2026-11-01).
    """
    rows: list[dict[str, Any]] = []

    def add(
        ws: Any,
        job: str,
        deadline: str | None,
        zone: str | None,
        max_s: int | None,
        at: datetime | None,
        by: str = "ana",
        active: bool = True,
    ) -> None:
        source = "monitor.yaml" if at is None else "app"
        rows.append(
            dict(zip(TARGET_COLUMNS, (ws, job, deadline, zone, max_s, by, at, active, source), strict=True))
        )

    busy = jobs[jobs["runs"] > 200]
    hourly = {
        busy[busy["schedule_timezone"] == zone].index[0] for zone in ("Europe/Paris", "America/Los_Angeles")
    }
    for i, job in enumerate(jobs.itertuples(index=False)):
        if job.runs > 200 and i not in hourly:
            continue
        ws, job_id = job.workspace_id, job.job_id
        deadline, zone = DEADLINES[i % len(DEADLINES)]
        kind = i % 7
        if kind == 0:  # deadline only, set before every run
            add(ws, job_id, deadline, zone, None, END - timedelta(days=90))
        elif kind == 1:  # maximum only, set mid-window: the runs before are checked against it too
            add(ws, job_id, None, None, 900 + 300 * (i % 5), END - timedelta(days=12, hours=5))
        elif kind == 2:  # both, then changed to another zone and maximum
            other, other_zone = DEADLINES[(i + 3) % len(DEADLINES)]
            add(ws, job_id, deadline, zone, 1200, END - timedelta(days=60))
            add(ws, job_id, other, other_zone, 600, END - timedelta(days=9, minutes=7), by="bo")
        elif kind == 3:  # monitor.yaml for the job id in any workspace, then cleared in the app
            add(None, job_id, deadline, zone, None, None, by="monitor.yaml")
            add(ws, job_id, None, None, None, END - timedelta(days=15), by="bo", active=False)
        elif kind == 4:  # set, cleared, set again
            add(ws, job_id, deadline, zone, 1800, END - timedelta(days=20))
            add(ws, job_id, None, None, None, END - timedelta(days=8), active=False)
            add(ws, job_id, deadline, zone, 300, END - timedelta(days=3), by="cy")
        elif kind == 5:  # a deadline without a zone (only the maximum applies) over a monitor.yaml target
            add(None, job_id, None, None, 3600, None, by="monitor.yaml")
            add(ws, job_id, deadline, None, 2400, END - timedelta(days=25))
        # kind 6: no target
    frame = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    frame["set_at"] = pd.to_datetime(frame["set_at"], utc=True)
    frame["max_duration_seconds"] = frame["max_duration_seconds"].astype("Int64")
    return frame.sort_values(["job_id", "set_at"], na_position="first", kind="stable").reset_index(drop=True)
