-- monitor.job_runs: one row per job run, the hourly slices of system.lakeflow.job_run_timeline collapsed.
--
-- A run longer than an hour has one timeline row per hourly slice; result_state is set only on a row that
-- ends the run, and a repaired run emits one more such terminal row per repair. So, per (workspace_id, run_id):
--   final outcome   = the latest terminal row (by period_end_time)
--   first outcome   = the earliest terminal row (the first attempt)
--   repair_count    = terminal rows - 1 (0 while running)
--   a run with no terminal row is in progress: result_state, end_time and duration_seconds are NULL.
-- "Earliest"/"latest" row are taken with MIN/MAX over a struct whose first field is the ordering time and
-- whose other fields are the values wanted: one hash aggregation, and deterministic even on ties.
-- Durations are summed in whole microseconds (exact, order-independent) and only then made DOUBLE, so
-- that two refreshes of the same data give bit-identical values.
--
-- Scope: :full_refresh = TRUE reads every run; FALSE only the runs listed in monitor.refresh_scope_runs
-- (runs with a slice ending at or after the incremental refresh's :since, see refresh_scope.sql).
WITH slices AS (
  SELECT t.*
  FROM system.lakeflow.job_run_timeline AS t
  LEFT JOIN monitor.refresh_scope_runs AS s
    ON s.workspace_id = t.workspace_id AND s.run_id = t.run_id
  WHERE :full_refresh OR s.run_id IS NOT NULL
),

runs AS (
  SELECT
    workspace_id,
    run_id,
    MAX(job_id) AS job_id,
    MIN(
      named_struct(
        'start_time', period_start_time, 'end_time', period_end_time, 'run_name', run_name,
        'trigger_type', trigger_type, 'run_type', run_type
      )
    ) AS first_slice,
    MAX(
      named_struct(
        'end_time', period_end_time, 'start_time', period_start_time, 'result_state', result_state,
        'termination_code', termination_code, 'termination_type', termination_type,
        'queue_duration_seconds', queue_duration_seconds, 'setup_duration_seconds', setup_duration_seconds,
        'execution_duration_seconds', execution_duration_seconds
      )
    ) FILTER (WHERE result_state IS NOT NULL) AS last_terminal,
    MIN(named_struct('end_time', period_end_time, 'result_state', result_state))
      FILTER (WHERE result_state IS NOT NULL) AS first_terminal,
    COUNT(result_state) AS terminal_rows,
    COUNT(*) AS slice_count,
    MIN(period_start_time) AS start_time,
    MAX(period_end_time) AS last_seen_time,
    SUM(timestampdiff(MICROSECOND, period_start_time, period_end_time)) AS slice_microseconds,
    CASE WHEN COUNT(compute_ids) > 0 THEN array_sort(array_distinct(flatten(collect_list(compute_ids)))) END
      AS compute_ids
  FROM slices
  GROUP BY workspace_id, run_id
)

SELECT
  r.workspace_id,
  r.job_id,
  r.run_id,
  r.first_slice.run_name AS run_name,
  r.first_slice.trigger_type AS trigger_type,
  r.first_slice.run_type AS run_type,
  r.start_time,
  r.last_terminal.end_time AS end_time,
  r.last_seen_time,
  CASE WHEN r.terminal_rows > 0 THEN CAST(r.slice_microseconds AS DOUBLE) / 1000000 END AS duration_seconds,
  CAST(timestampdiff(MICROSECOND, r.start_time, r.last_terminal.end_time) AS DOUBLE) / 1000000 AS wall_seconds,
  r.last_terminal.queue_duration_seconds AS queue_duration_seconds,
  r.last_terminal.setup_duration_seconds AS setup_duration_seconds,
  r.last_terminal.execution_duration_seconds AS execution_duration_seconds,
  r.last_terminal.result_state AS result_state,
  r.last_terminal.termination_code AS termination_code,
  r.last_terminal.termination_type AS termination_type,
  r.first_terminal.result_state AS first_result_state,
  CASE
    WHEN r.last_terminal.result_state IS NULL THEN 'running'
    WHEN r.last_terminal.result_state = 'SUCCEEDED' THEN 'success'
    WHEN r.last_terminal.result_state IN ('FAILED', 'ERROR', 'TIMED_OUT') THEN 'failure'
    WHEN r.last_terminal.result_state IN ('CANCELLED', 'CANCELED') THEN 'cancelled'
    WHEN r.last_terminal.result_state = 'SKIPPED' THEN 'skipped'
    ELSE 'other'
  END AS outcome,
  CASE
    WHEN r.first_terminal.result_state IS NULL THEN 'running'
    WHEN r.first_terminal.result_state = 'SUCCEEDED' THEN 'success'
    WHEN r.first_terminal.result_state IN ('FAILED', 'ERROR', 'TIMED_OUT') THEN 'failure'
    WHEN r.first_terminal.result_state IN ('CANCELLED', 'CANCELED') THEN 'cancelled'
    WHEN r.first_terminal.result_state = 'SKIPPED' THEN 'skipped'
    ELSE 'other'
  END AS first_outcome,
  CAST(GREATEST(r.terminal_rows - 1, 0) AS BIGINT) AS repair_count,
  CAST(r.slice_count AS BIGINT) AS slice_count,
  r.compute_ids,
  CAST(r.start_time AS DATE) AS run_date
FROM runs AS r
