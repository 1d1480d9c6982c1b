-- Runs started in the window, newest first (at most :row_limit; the Runs page asks for 500), of one job when :job_id is set, else of every
-- job in scope (team, workspace). Cost is list price, net of billing corrections.
SELECT
  r.workspace_id,
  r.job_id,
  j.name AS job_name,
  t.team,
  r.run_id,
  r.start_time,
  r.end_time,
  r.duration_seconds,
  r.queue_duration_seconds,
  r.outcome,
  r.result_state,
  r.termination_code,
  r.repair_count,
  r.trigger_type,
  CAST(c.dbus AS DOUBLE) AS dbus,
  CAST(c.list_cost_usd AS DOUBLE) AS list_cost_usd
FROM monitor.job_runs AS r
JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
LEFT JOIN monitor.jobs AS j ON j.workspace_id = r.workspace_id AND j.job_id = r.job_id
LEFT JOIN monitor.run_costs AS c ON c.workspace_id = r.workspace_id AND c.run_id = r.run_id
WHERE r.start_time >= :start_time AND r.start_time < :end_time
  AND {{ in_scope(workspace_id=r.workspace_id, job_id=r.job_id, team=t.team) }}
ORDER BY r.start_time DESC, r.run_id
LIMIT :row_limit
