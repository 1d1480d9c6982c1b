-- The task runs of one job run, in start order: each attempt of a task is its own row (attempt 0 first).
SELECT
  task_key,
  attempt_number,
  is_retry,
  task_run_id,
  start_time,
  end_time,
  duration_seconds,
  outcome,
  result_state,
  termination_code,
  ARRAY_JOIN(compute_ids, ', ') AS compute_ids
FROM monitor.task_runs
WHERE job_run_id = :run_id AND {{ in_scope(workspace_id=workspace_id) }}
ORDER BY start_time, task_key, attempt_number
