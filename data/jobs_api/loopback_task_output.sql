-- Loopback Jobs API: one task run (its last timeline slice), for runs/get-output of a task run id.
SELECT run_id, job_run_id, job_id, task_key, period_start_time, period_end_time, result_state, termination_code
FROM system.lakeflow.job_task_run_timeline
WHERE workspace_id = :workspace_id AND run_id = :run_id
ORDER BY period_end_time DESC NULLS LAST
LIMIT 1
