-- Loopback Jobs API: runs of one workspace, the timeline slices collapsed per run (no terminal row: active),
-- newest first, one page (:row_limit, :row_offset) of those matching the optional filters.
WITH slices AS (
  SELECT * FROM system.lakeflow.job_run_timeline WHERE workspace_id = :workspace_id
),
runs AS (
  SELECT job_id, run_id,
    MIN(period_start_time) AS start_time,
    COUNT(result_state) AS terminal_rows,
    MIN_BY(run_name, period_start_time) AS run_name,
    MIN_BY(trigger_type, period_start_time) AS trigger_type,
    MIN_BY(run_type, period_start_time) AS run_type
  FROM slices
  GROUP BY job_id, run_id
),
terminal AS (
  SELECT run_id, result_state, termination_code, termination_type, period_end_time AS end_time,
    queue_duration_seconds, setup_duration_seconds, execution_duration_seconds, cleanup_duration_seconds,
    run_duration_seconds,
    ROW_NUMBER() OVER (PARTITION BY run_id ORDER BY period_end_time DESC) AS terminal_rank
  FROM slices
  WHERE result_state IS NOT NULL
)
SELECT r.job_id, r.run_id, r.run_name, r.trigger_type, r.run_type, r.start_time, r.terminal_rows,
  t.end_time, t.result_state, t.termination_code, t.termination_type, t.queue_duration_seconds,
  t.setup_duration_seconds, t.execution_duration_seconds, t.cleanup_duration_seconds, t.run_duration_seconds
FROM runs AS r
LEFT JOIN terminal AS t ON t.run_id = r.run_id AND t.terminal_rank = 1
WHERE (CAST(:job_id AS STRING) IS NULL OR r.job_id = :job_id)
  AND (CAST(:run_id AS STRING) IS NULL OR r.run_id = :run_id)
  AND (CAST(:active AS BOOLEAN) IS NULL OR (r.terminal_rows = 0) = :active)
  AND (CAST(:start_from AS TIMESTAMP) IS NULL OR r.start_time >= :start_from)
  AND (CAST(:start_to AS TIMESTAMP) IS NULL OR r.start_time <= :start_to)
ORDER BY r.start_time DESC, r.run_id DESC
LIMIT :row_limit OFFSET :row_offset
