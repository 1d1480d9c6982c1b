-- Loopback Jobs API: the task-run timeline slices of one job run, in start order.
SELECT run_id, task_key, period_start_time, period_end_time, result_state, termination_code
FROM system.lakeflow.job_task_run_timeline
WHERE workspace_id = :workspace_id AND job_run_id = :job_run_id
ORDER BY period_start_time, run_id
