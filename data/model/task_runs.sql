-- monitor.task_runs: one row per task run, the hourly slices of system.lakeflow.job_task_run_timeline
-- collapsed per (workspace_id, task run_id) the same way as job_runs.sql (latest terminal row = outcome,
-- no terminal row = still running). A task retry is another task run of the same job run and task_key:
-- attempt_number numbers the task runs of one (job run, task_key) by start_time from 0 (ties broken by
-- task run id), is_retry = attempt_number > 0.
--
-- Scope: :full_refresh = TRUE reads every task run; FALSE only the task runs of the job runs listed in
-- monitor.refresh_scope_task_runs (attempt numbers need all task runs of a job run, so the unit of an
-- incremental refresh is the job run).
WITH slices AS (
  SELECT t.*
  FROM system.lakeflow.job_task_run_timeline AS t
  LEFT JOIN monitor.refresh_scope_task_runs AS s
    ON s.workspace_id = t.workspace_id AND s.job_run_id = t.job_run_id
  WHERE :full_refresh OR s.job_run_id IS NOT NULL
),

task_runs AS (
  SELECT
    workspace_id,
    run_id AS task_run_id,
    MAX(job_id) AS job_id,
    MAX(job_run_id) AS job_run_id,
    MAX(parent_run_id) AS parent_run_id,
    MAX(task_key) AS task_key,
    MIN(period_start_time) AS start_time,
    MAX(named_struct('end_time', period_end_time, 'result_state', result_state, 'termination_code', termination_code))
      FILTER (WHERE result_state IS NOT NULL) AS last_terminal,
    COUNT(result_state) AS terminal_rows,
    SUM(timestampdiff(MICROSECOND, period_start_time, period_end_time)) AS slice_microseconds,
    CASE WHEN COUNT(compute_ids) > 0 THEN array_sort(array_distinct(flatten(collect_list(compute_ids)))) END
      AS compute_ids
  FROM slices
  GROUP BY workspace_id, run_id
),

numbered AS (
  SELECT
    tr.*,
    ROW_NUMBER() OVER (
      PARTITION BY tr.workspace_id, tr.job_run_id, tr.task_key ORDER BY tr.start_time, tr.task_run_id
    ) - 1 AS attempt_number
  FROM task_runs AS tr
)

SELECT
  n.workspace_id,
  n.job_id,
  n.job_run_id,
  n.task_run_id,
  n.parent_run_id,
  n.task_key,
  n.start_time,
  n.last_terminal.end_time AS end_time,
  CASE WHEN n.terminal_rows > 0 THEN CAST(n.slice_microseconds AS DOUBLE) / 1000000 END AS duration_seconds,
  n.last_terminal.result_state AS result_state,
  n.last_terminal.termination_code AS termination_code,
  CASE
    WHEN n.last_terminal.result_state IS NULL THEN 'running'
    WHEN n.last_terminal.result_state = 'SUCCEEDED' THEN 'success'
    WHEN n.last_terminal.result_state IN ('FAILED', 'ERROR', 'TIMED_OUT') THEN 'failure'
    WHEN n.last_terminal.result_state IN ('CANCELLED', 'CANCELED') THEN 'cancelled'
    WHEN n.last_terminal.result_state = 'SKIPPED' THEN 'skipped'
    ELSE 'other'
  END AS outcome,
  CAST(n.attempt_number AS BIGINT) AS attempt_number,
  n.attempt_number > 0 AS is_retry,
  n.compute_ids
FROM numbered AS n
