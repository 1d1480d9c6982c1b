-- One row per team: its jobs, their runs started in the window, outcomes and list-price cost.
-- Jobs count when they are live or ran in the window (a deleted job's runs and cost still count).
WITH runs AS (
  SELECT r.workspace_id, r.job_id, r.run_id, r.outcome, r.start_time
  FROM monitor.job_runs AS r
  WHERE r.start_time >= :start_time AND r.start_time < :end_time
    AND {{ in_scope(workspace_id=r.workspace_id) }}
),
per_job AS (
  SELECT
    t.team,
    t.workspace_id,
    t.job_id,
    j.is_deleted,
    COUNT(r.run_id) AS runs,
    COUNT_IF(r.outcome = 'success') AS succeeded,
    COUNT_IF(r.outcome = 'failure') AS failed,
    COUNT_IF(r.outcome = 'running') AS running,
    SUM(c.dbus) AS dbus,
    SUM(c.list_cost_usd) AS list_cost_usd,
    MAX(r.start_time) AS last_run_time
  FROM monitor.job_teams AS t
  JOIN monitor.jobs AS j ON j.workspace_id = t.workspace_id AND j.job_id = t.job_id
  LEFT JOIN runs AS r ON r.workspace_id = t.workspace_id AND r.job_id = t.job_id
  LEFT JOIN monitor.run_costs AS c ON c.workspace_id = r.workspace_id AND c.run_id = r.run_id
  WHERE {{ in_scope(team=t.team, workspace_id=t.workspace_id) }}
  GROUP BY t.team, t.workspace_id, t.job_id, j.is_deleted
)
SELECT
  team,
  COUNT(*) AS jobs,
  CAST(SUM(runs) AS BIGINT) AS runs,
  CAST(SUM(succeeded) AS BIGINT) AS succeeded,
  CAST(SUM(failed) AS BIGINT) AS failed,
  CAST(SUM(running) AS BIGINT) AS running,
  CAST(SUM(succeeded) AS DOUBLE) / NULLIF(SUM(succeeded) + SUM(failed), 0) AS success_rate,
  CAST(COALESCE(SUM(dbus), 0) AS DOUBLE) AS dbus,
  CAST(COALESCE(SUM(list_cost_usd), 0) AS DOUBLE) AS list_cost_usd,
  MAX(last_run_time) AS last_run_time
FROM per_job
WHERE NOT COALESCE(is_deleted, FALSE) OR runs > 0
GROUP BY team
ORDER BY list_cost_usd DESC, team
