-- One job run with its job, team, task counts and list-price cost (net of RETRACTION / RESTATEMENT rows).
WITH tasks AS (
  SELECT
    CAST(COUNT(*) AS BIGINT) AS task_runs,
    CAST(COUNT(DISTINCT task_key) AS BIGINT) AS tasks,
    CAST(COALESCE(COUNT_IF(is_retry), 0) AS BIGINT) AS task_retries
  FROM monitor.task_runs
  WHERE job_run_id = :run_id AND {{ in_scope(workspace_id=workspace_id) }}
)
SELECT
  r.workspace_id,
  r.job_id,
  j.name AS job_name,
  t.team,
  r.run_id,
  r.run_name,
  r.start_time,
  r.end_time,
  r.duration_seconds,
  r.queue_duration_seconds,
  r.outcome,
  r.result_state,
  r.first_outcome,
  r.termination_code,
  r.repair_count,
  r.trigger_type,
  k.tasks,
  k.task_runs,
  k.task_retries,
  CAST(c.dbus AS DOUBLE) AS dbus,
  CAST(c.list_cost_usd AS DOUBLE) AS list_cost_usd,
  CAST(c.retracted_dbus AS DOUBLE) AS retracted_dbus,
  CAST(c.restated_dbus AS DOUBLE) AS restated_dbus,
  CAST(c.unpriced_dbus AS DOUBLE) AS unpriced_dbus,
  ARRAY_JOIN(c.sku_names, ', ') AS sku_names,
  c.is_serverless
FROM monitor.job_runs AS r
CROSS JOIN tasks AS k
LEFT JOIN monitor.jobs AS j ON j.workspace_id = r.workspace_id AND j.job_id = r.job_id
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
LEFT JOIN monitor.run_costs AS c ON c.workspace_id = r.workspace_id AND c.run_id = r.run_id
WHERE r.run_id = :run_id AND {{ in_scope(workspace_id=r.workspace_id) }}
