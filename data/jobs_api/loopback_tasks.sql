-- Loopback Jobs API: the latest version of every task of one workspace's jobs (deleted tasks left out).
WITH versions AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY job_id, task_key ORDER BY change_time DESC) AS version_rank
  FROM system.lakeflow.job_tasks
  WHERE workspace_id = :workspace_id
)
SELECT job_id, task_key, depends_on_keys, timeout_seconds
FROM versions
WHERE version_rank = 1 AND delete_time IS NULL
ORDER BY job_id, task_key
