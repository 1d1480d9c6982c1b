"""A tiny hand-made workspace: the raw system tables plus the derived ``monitor.*`` relations, a few rows each.

Used by the drill-down SQL tests (tests/monitor_app/test_drilldown.py: exact values); the browser tests run
on a generated demo instead (tests/ui/conftest.py). It holds the hostile names the app must render as
text: a job named ``<img src=x onerror=alert(1)>`` and a team named ``O'Brien "ops"``.

Every number below is chosen so the tests can assert exact values:

=========  ===========  ==========================  =============================================
job        team         runs in the window          cost (list price)
=========  ===========  ==========================  =============================================
101 etl    data-eng     r1 success 600 s (repair),  r1 $5.50 / 10 DBU, r2 $2.20 / 4 DBU,
                        r2 failure 300 s,           r3 $3.30 / 6 DBU
                        r3 success 900 s
                        (r0: 40 days old, outside)
102 XSS    O'Brien      r4 failure, r5 failure      r4 $1.00 / 2 DBU
103 report data-eng     r6 running                  none
104 old    unattr.      none (deleted job)          none
=========  ===========  ==========================  =============================================
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from data.dialects import to_duckdb
from data.engines import DuckDBEngine
from data.schema import create_tables

# End of the fixture's history; the app anchors its window at the newest job-timeline row.
END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WS = "1001"
XSS_JOB = "<img src=x onerror=alert(1)>"
OBRIEN = 'O\'Brien "ops"'

MONITOR_DDL = """
CREATE TABLE monitor.jobs (workspace_id STRING, job_id STRING, name STRING, description STRING,
  creator_user_name STRING, run_as_user_name STRING, run_as STRING, tags MAP<STRING, STRING>,
  change_time TIMESTAMP, create_time TIMESTAMP, is_deleted BOOLEAN, delete_time TIMESTAMP, paused BOOLEAN,
  schedule_cron STRING, schedule_timezone STRING, trigger_type STRING, timeout_seconds BIGINT,
  name_versions BIGINT);
CREATE TABLE monitor.job_tasks (workspace_id STRING, job_id STRING, task_key STRING,
  depends_on_keys ARRAY<STRING>, timeout_seconds BIGINT, is_deleted BOOLEAN, change_time TIMESTAMP);
CREATE TABLE monitor.job_teams (workspace_id STRING, job_id STRING, team STRING, attributed_by STRING);
CREATE TABLE monitor.job_runs (workspace_id STRING, job_id STRING, run_id STRING, run_name STRING,
  trigger_type STRING, run_type STRING, start_time TIMESTAMP, end_time TIMESTAMP, last_seen_time TIMESTAMP,
  duration_seconds DOUBLE, wall_seconds DOUBLE, queue_duration_seconds BIGINT, setup_duration_seconds BIGINT,
  execution_duration_seconds BIGINT, result_state STRING, termination_code STRING, termination_type STRING,
  first_result_state STRING, outcome STRING, first_outcome STRING, repair_count BIGINT, slice_count BIGINT,
  compute_ids ARRAY<STRING>, run_date DATE);
CREATE TABLE monitor.task_runs (workspace_id STRING, job_id STRING, job_run_id STRING, task_run_id STRING,
  parent_run_id STRING, task_key STRING, start_time TIMESTAMP, end_time TIMESTAMP, duration_seconds DOUBLE,
  result_state STRING, termination_code STRING, outcome STRING, attempt_number BIGINT, is_retry BOOLEAN,
  compute_ids ARRAY<STRING>);
CREATE TABLE monitor.run_costs (workspace_id STRING, job_id STRING, run_id STRING, dbus DECIMAL(38, 18),
  list_cost_usd DECIMAL(38, 18), original_dbus DECIMAL(38, 18), retracted_dbus DECIMAL(38, 18),
  restated_dbus DECIMAL(38, 18), unpriced_dbus DECIMAL(38, 18), usage_start_time TIMESTAMP,
  usage_end_time TIMESTAMP, sku_names ARRAY<STRING>, is_serverless BOOLEAN);
CREATE TABLE monitor.job_daily (workspace_id STRING, job_id STRING, run_date DATE, runs BIGINT,
  succeeded BIGINT, failed BIGINT, cancelled BIGINT, skipped BIGINT, running BIGINT,
  p50_duration_seconds DOUBLE, p90_duration_seconds DOUBLE, dbus DECIMAL(38, 18),
  list_cost_usd DECIMAL(38, 18));
CREATE TABLE monitor.refresh_log (refreshed_at TIMESTAMP, mode STRING, since TIMESTAMP, table_name STRING,
  row_count BIGINT)
"""


def _t(hours_before_end: float) -> datetime:
    return END - timedelta(hours=hours_before_end)


def _outcome(state: str | None) -> str:
    return {
        "SUCCEEDED": "success",
        "FAILED": "failure",
        None: "running",
    }[state]


# (job_id, run_id, start hours before END, duration s or None while running, result_state, repair_count)
RUNS = [
    ("101", "r0", 40 * 24, 500.0, "SUCCEEDED", 0),
    ("101", "r1", 50, 600.0, "SUCCEEDED", 1),
    ("101", "r2", 26, 300.0, "FAILED", 0),
    ("101", "r3", 2, 900.0, "SUCCEEDED", 0),
    ("102", "r4", 30, 120.0, "FAILED", 0),
    ("102", "r5", 5, 60.0, "FAILED", 0),
    ("103", "r6", 0.5, None, None, 0),
]

# (run_id, dbus, list $)
COSTS = [
    ("r0", "8", "4.00"),
    ("r1", "10", "5.50"),
    ("r2", "4", "2.20"),
    ("r3", "6", "3.30"),
    ("r4", "2", "1.00"),
]

# tasks of r1: extract failed then retried, then load (task_run_id, task_key, start offset s, duration s, state, attempt)
TASKS_R1 = [
    ("t1", "extract", 0, 100.0, "FAILED", 0),
    ("t2", "extract", 120, 200.0, "SUCCEEDED", 1),
    ("t3", "load", 330, 270.0, "SUCCEEDED", 0),
]


def build_fixture(path: str | Path) -> Path:
    """Write the hand-made workspace to ``path`` (replacing it) and return the path."""
    path = Path(path)
    if path.exists():
        path.unlink()
    eng = DuckDBEngine(path)
    con = eng.raw()
    try:
        create_tables(con)
        con.execute("CREATE SCHEMA IF NOT EXISTS monitor")
        for ddl in MONITOR_DDL.split(";"):
            if ddl.strip():
                con.execute(to_duckdb(ddl))
        _fill(con)
    finally:
        eng.close()
    return path


def _fill(con) -> None:
    jobs = [
        ("101", "nightly_etl", {"team": "data-eng"}, False, "0 0 2 * * ?"),
        ("102", XSS_JOB, {"team": OBRIEN}, False, None),
        ("103", "reporting", {"team": "data-eng"}, False, None),
        ("104", "old job", {}, True, None),
    ]
    for job_id, name, tags, deleted, cron in jobs:
        con.execute(
            "INSERT INTO monitor.jobs (workspace_id, job_id, name, tags, change_time, is_deleted, paused,"
            " schedule_cron, schedule_timezone, trigger_type, name_versions) VALUES (?, ?, ?, MAP(?, ?), ?, ?,"
            " false, ?, 'UTC', 'CRON', 1)",
            [WS, job_id, name, list(tags), list(tags.values()), _t(24 * 60), deleted, cron],
        )
        con.execute(
            "INSERT INTO lakeflow.jobs (account_id, workspace_id, job_id, name, tags, change_time) "
            "VALUES ('acc', ?, ?, ?, MAP(?, ?), ?)",
            [WS, job_id, name, list(tags), list(tags.values()), _t(24 * 60)],
        )
        team = tags.get("team", "unattributed")
        con.execute(
            "INSERT INTO monitor.job_teams VALUES (?, ?, ?, ?)",
            [WS, job_id, team, "job_tag:team" if tags else "none"],
        )
    for job_id, run_id, hours, duration, state, repairs in RUNS:
        start = _t(hours)
        end = start + timedelta(seconds=duration) if duration is not None else None
        con.execute(
            "INSERT INTO monitor.job_runs (workspace_id, job_id, run_id, run_name, trigger_type, run_type,"
            " start_time, end_time, last_seen_time, duration_seconds, wall_seconds, queue_duration_seconds,"
            " result_state, termination_code, first_result_state, outcome, first_outcome, repair_count,"
            " slice_count, compute_ids, run_date) VALUES (?, ?, ?, ?, 'PERIODIC', 'JOB_RUN', ?, ?, ?, ?, ?, 0,"
            " ?, ?, ?, ?, ?, ?, 1, ['c-1'], ?)",
            [
                WS,
                job_id,
                run_id,
                f"run {run_id}",
                start,
                end,
                end or _t(0),
                duration,
                duration,
                state,
                None if state is None else ("SUCCESS" if state == "SUCCEEDED" else "RUN_EXECUTION_ERROR"),
                state,
                _outcome(state),
                _outcome(state),
                repairs,
                start.date(),
            ],
        )
        con.execute(
            "INSERT INTO lakeflow.job_run_timeline (account_id, workspace_id, job_id, run_id,"
            " period_start_time, period_end_time, result_state) VALUES ('acc', ?, ?, ?, ?, ?, ?)",
            [WS, job_id, run_id, start, end or _t(0), state],
        )
    for run_id, dbus, usd in COSTS:
        job_id = next(j for j, r, *_ in RUNS if r == run_id)
        start = _t(next(h for _, r, h, *_ in RUNS if r == run_id))
        con.execute(
            "INSERT INTO monitor.run_costs VALUES (?, ?, ?, CAST(? AS DECIMAL(38, 18)), CAST(? AS DECIMAL(38, 18)),"
            " CAST(? AS DECIMAL(38, 18)), 0, 0, 0, ?, ?, ['JOBS_COMPUTE'], false)",
            [WS, job_id, run_id, dbus, usd, dbus, start, start + timedelta(hours=1)],
        )
        con.execute(
            "INSERT INTO billing.usage (record_id, account_id, workspace_id, sku_name, usage_start_time,"
            " usage_end_time, usage_date, usage_unit, usage_quantity, record_type, billing_origin_product)"
            " VALUES (?, 'acc', ?, 'JOBS_COMPUTE', ?, ?, ?, 'DBU', CAST(? AS DECIMAL(38, 18)), 'ORIGINAL', 'JOBS')",
            [f"u-{run_id}", WS, start, start + timedelta(hours=1), start.date(), dbus],
        )
    r1_start = _t(50)
    for task_run_id, key, offset, duration, state, attempt in TASKS_R1:
        start = r1_start + timedelta(seconds=offset)
        con.execute(
            "INSERT INTO monitor.task_runs VALUES (?, '101', 'r1', ?, 'r1', ?, ?, ?, ?, ?, ?, ?, ?, ?, ['c-1'])",
            [
                WS,
                task_run_id,
                key,
                start,
                start + timedelta(seconds=duration),
                duration,
                state,
                "SUCCESS" if state == "SUCCEEDED" else "RUN_EXECUTION_ERROR",
                _outcome(state),
                attempt,
                attempt > 0,
            ],
        )
    con.execute(
        "INSERT INTO compute.node_timeline (account_id, workspace_id, cluster_id, instance_id, start_time,"
        " end_time, driver) VALUES ('acc', ?, 'c-1', 'i-1', ?, ?, true)",
        [WS, _t(3), _t(2)],
    )
    con.execute(
        "INSERT INTO monitor.refresh_log VALUES (?, 'full', NULL, 'job_runs', 7)",
        [_t(0) + timedelta(minutes=5)],
    )
