"""Shortcuts of the model SQL give exactly what the plain formulation gives, on awkward data.

- job_runs / task_runs project a single-slice run row by row and group only the runs with several slices
  (data/model/job_runs.sql): checked against one grouped aggregation over every slice.
- job_teams takes each job's latest usage row with max_by instead of a row number over a window sort:
  checked against the row number.

The timelines mix single- and multi-slice runs (the same run id in two workspaces, a NULL run id), compute
id lists that are NULL, empty, unsorted, duplicated or hold a NULL, several terminal rows with tied end
times, and task retries across single- and multi-slice task runs with tied start times.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from data.dialects import to_duckdb
from data.engines import DuckDBEngine
from data.refresh import refresh

T0 = datetime(2025, 3, 1, tzinfo=UTC)
COMPUTE_LISTS = [None, [], ["c-1"], ["c-2"], ["c-2", "c-1", "c-2"], [None], ["c-3", None], ["c-1", "c-3"]]
STATES = [None, None, "SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT"]

# The plain formulations (the model before its shortcuts), in Databricks SQL like the model.
JOB_RUNS_GROUPED = """
WITH runs AS (
  SELECT
    workspace_id, run_id, MAX(job_id) AS job_id,
    MIN(named_struct('start_time', period_start_time, 'end_time', period_end_time, 'run_name', run_name,
      'trigger_type', trigger_type, 'run_type', run_type)) AS first_slice,
    MAX(named_struct('end_time', period_end_time, 'start_time', period_start_time, 'result_state', result_state,
      'termination_code', termination_code, 'termination_type', termination_type,
      'queue_duration_seconds', queue_duration_seconds, 'setup_duration_seconds', setup_duration_seconds,
      'execution_duration_seconds', execution_duration_seconds)) FILTER (WHERE result_state IS NOT NULL)
      AS last_terminal,
    MIN(named_struct('end_time', period_end_time, 'result_state', result_state))
      FILTER (WHERE result_state IS NOT NULL) AS first_terminal,
    COUNT(result_state) AS terminal_rows,
    COUNT(*) AS slice_count,
    MIN(period_start_time) AS start_time,
    MAX(period_end_time) AS last_seen_time,
    SUM(timestampdiff(MICROSECOND, period_start_time, period_end_time)) AS slice_microseconds,
    CASE WHEN COUNT(compute_ids) > 0 THEN array_sort(array_distinct(flatten(collect_list(compute_ids)))) END
      AS compute_ids
  FROM system.lakeflow.job_run_timeline
  GROUP BY workspace_id, run_id
)
SELECT
  workspace_id, job_id, run_id, first_slice.run_name, first_slice.trigger_type, first_slice.run_type,
  start_time, last_terminal.end_time, last_seen_time,
  CASE WHEN terminal_rows > 0 THEN CAST(slice_microseconds AS DOUBLE) / 1000000 END,
  CAST(timestampdiff(MICROSECOND, start_time, last_terminal.end_time) AS DOUBLE) / 1000000,
  last_terminal.queue_duration_seconds, last_terminal.setup_duration_seconds,
  last_terminal.execution_duration_seconds, last_terminal.result_state, last_terminal.termination_code,
  last_terminal.termination_type, first_terminal.result_state,
  CAST(GREATEST(terminal_rows - 1, 0) AS BIGINT), CAST(slice_count AS BIGINT), compute_ids,
  CAST(start_time AS DATE)
FROM runs
"""

TASK_RUNS_GROUPED = """
WITH task_runs AS (
  SELECT
    workspace_id, run_id AS task_run_id, MAX(job_id) AS job_id, MAX(job_run_id) AS job_run_id,
    MAX(parent_run_id) AS parent_run_id, MAX(task_key) AS task_key, MIN(period_start_time) AS start_time,
    MAX(named_struct('end_time', period_end_time, 'result_state', result_state, 'termination_code', termination_code))
      FILTER (WHERE result_state IS NOT NULL) AS last_terminal,
    COUNT(result_state) AS terminal_rows,
    SUM(timestampdiff(MICROSECOND, period_start_time, period_end_time)) AS slice_microseconds,
    CASE WHEN COUNT(compute_ids) > 0 THEN array_sort(array_distinct(flatten(collect_list(compute_ids)))) END
      AS compute_ids
  FROM system.lakeflow.job_task_run_timeline
  GROUP BY workspace_id, run_id
)
SELECT
  workspace_id, job_id, job_run_id, task_run_id, parent_run_id, task_key, start_time, last_terminal.end_time,
  CASE WHEN terminal_rows > 0 THEN CAST(slice_microseconds AS DOUBLE) / 1000000 END,
  last_terminal.result_state, last_terminal.termination_code,
  CAST(ROW_NUMBER() OVER (PARTITION BY workspace_id, job_run_id, task_key ORDER BY start_time, task_run_id) - 1
    AS BIGINT) AS attempt_number,
  compute_ids
FROM task_runs
"""

LATEST_USAGE_ROW_NUMBER = """
SELECT workspace_id, job_id, custom_tags
FROM (
  SELECT
    u.workspace_id, u.usage_metadata.job_id AS job_id, u.custom_tags,
    ROW_NUMBER() OVER (
      PARTITION BY u.workspace_id, u.usage_metadata.job_id
      ORDER BY u.usage_start_time DESC, u.usage_end_time DESC, u.record_id DESC
    ) AS rn
  FROM system.billing.usage AS u
  WHERE u.usage_metadata.job_id IS NOT NULL
) AS ranked
WHERE rn = 1
"""


def fetch(engine: DuckDBEngine, databricks_sql: str) -> list[tuple[Any, ...]]:
    """Exact Python values of a Databricks SQL query, sorted (None first)."""
    cur = engine.cursor()
    found = cur.execute(to_duckdb(databricks_sql)).fetchall()
    cur.close()
    return sorted(found, key=lambda r: tuple((v is not None, repr(v)) for v in r))


def slices(
    rng: random.Random, count: int, start: datetime
) -> list[tuple[datetime, datetime | None, Any, Any]]:
    """``count`` hourly slices: (start, end, compute ids, result state); a tie of end times now and then."""
    out = []
    for i in range(count):
        begin = start + timedelta(hours=i)
        end = begin + timedelta(minutes=rng.choice([20, 60, 60]))
        if i and rng.random() < 0.2:
            end = out[-1][1]
        out.append((begin, end, rng.choice(COMPUTE_LISTS), rng.choice(STATES)))
    return out


@pytest.fixture
def timelines(engine: DuckDBEngine) -> DuckDBEngine:
    rng = random.Random(11)
    con = engine.raw()
    run_rows, task_rows = [], []
    for n in range(300):
        workspace = "w1" if n % 7 else "w2"
        run_id = None if n == 5 else str(1000 + n % 250)  # a NULL run id; run ids shared by w1 and w2
        job_id = str(n % 9)
        start = T0 + timedelta(hours=n * 3)
        for begin, end, ids, state in slices(rng, rng.choice([1, 1, 1, 2, 3]), start):
            run_rows.append(
                (workspace, job_id, run_id, begin, end, ids, state, rng.choice(["SUCCESS", None, "ERR"]),
                 rng.choice(["CRON", "ONETIME"]), "JOB_RUN", f"run {n % 4}", rng.choice([None, 1, 2]))
            )  # fmt: skip
        for task in range(rng.choice([1, 2, 3])):
            task_key = None if n == 9 else rng.choice(["ingest", "transform"])
            task_start = start + timedelta(minutes=rng.choice([0, 0, 5, 10]))  # ties broken by task run id
            for begin, end, ids, state in slices(rng, rng.choice([1, 1, 2, 3]), task_start):
                task_rows.append(
                    (workspace, job_id, f"t{n}-{task}", run_id, run_id, task_key, begin, end, ids, state,
                     rng.choice(["SUCCESS", None]))
                )  # fmt: skip
    con.executemany(
        "INSERT INTO lakeflow.job_run_timeline (workspace_id, job_id, run_id, period_start_time, period_end_time, "
        "compute_ids, result_state, termination_code, trigger_type, run_type, run_name, queue_duration_seconds) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        run_rows,
    )
    # A task run whose slices disagree on job run and task key: grouped, its key is ('B', 'x') (the MAXes),
    # which none of its slices has; a later single-slice task run under ('B', 'x') is its retry. And a task
    # run without a run id beside another task run of the same key.
    late = T0 + timedelta(days=60)
    task_rows += [
        ("w1", "9", "odd", "A", "A", "x", late, late + timedelta(hours=1), ["c-9"], None, None),
        ("w1", "9", "odd", "B", "B", "w", late + timedelta(hours=1), late + timedelta(hours=2), None, "FAILED", None),
        ("w1", "9", "odd-retry", "B", "B", "x", late + timedelta(hours=3), late + timedelta(hours=4), [], "SUCCEEDED", None),
        ("w1", "9", None, "C", "C", "y", late, late + timedelta(hours=1), ["c-1"], "FAILED", None),
        ("w1", "9", "c-retry", "C", "C", "y", late + timedelta(hours=2), late + timedelta(hours=3), ["c-1"], "SUCCEEDED", None),
    ]  # fmt: skip
    con.executemany(
        "INSERT INTO lakeflow.job_task_run_timeline (workspace_id, job_id, run_id, job_run_id, parent_run_id, "
        "task_key, period_start_time, period_end_time, compute_ids, result_state, termination_code) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        task_rows,
    )
    usage_rows = []
    for n in range(400):
        start = T0 + timedelta(hours=rng.choice([0, 1, 2, 2]))
        usage_rows.append(
            (f"r{n % 390}", rng.choice(["w1", "w2", None]), str(n % 13), rng.choice([start, None]),
             rng.choice([start + timedelta(hours=1), None]),
             rng.choice([None, {"team": "a"}, {"team": "b"}, {}]))
        )  # fmt: skip
    con.executemany(
        "INSERT INTO billing.usage (record_id, workspace_id, usage_start_time, usage_end_time, custom_tags, "
        "usage_metadata, billing_origin_product, usage_quantity) "
        "VALUES (?, ?, ?, ?, ?, {'job_id': ?}, 'JOBS', 1)",
        [(r, w, s, e, tags, job) for r, w, job, s, e, tags in usage_rows],
    )
    return engine


def test_job_and_task_runs_equal_one_grouped_aggregation(timelines: DuckDBEngine) -> None:
    refresh(timelines)
    job_runs = fetch(timelines, "SELECT * EXCEPT (outcome, first_outcome) FROM monitor.job_runs")
    assert len(job_runs) == len(fetch(timelines, JOB_RUNS_GROUPED)) > 250
    assert job_runs == fetch(timelines, JOB_RUNS_GROUPED)
    multi = fetch(timelines, "SELECT run_id FROM monitor.job_runs WHERE slice_count > 1")
    assert 50 < len(multi) < 250  # both paths are exercised
    task_runs = fetch(
        timelines,
        "SELECT workspace_id, job_id, job_run_id, task_run_id, parent_run_id, task_key, start_time, end_time, "
        "duration_seconds, result_state, termination_code, attempt_number, compute_ids FROM monitor.task_runs",
    )
    assert task_runs == fetch(timelines, TASK_RUNS_GROUPED)
    assert any(r[11] > 0 for r in task_runs)  # retries numbered
    attempts = {r[3]: r[11] for r in task_runs if r[2] in ("B", "C")}
    assert attempts == {"odd": 0, "odd-retry": 1, None: 0, "c-retry": 1}


def test_job_teams_latest_usage_equals_row_number(timelines: DuckDBEngine) -> None:
    from data.attribution import MODEL_SQL
    from data.sql_files import load_sql

    text = load_sql(MODEL_SQL)
    start = text.index("latest_usage AS (")
    end = text.index("\n),", start)
    latest = text[start + len("latest_usage AS (") : end]
    assert "max_by" in latest
    assert fetch(timelines, latest) == fetch(timelines, LATEST_USAGE_ROW_NUMBER)
