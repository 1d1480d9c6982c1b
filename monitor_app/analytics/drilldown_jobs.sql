-- One row per job in scope (team, workspace, job): runs started in the window, outcomes, the median
-- successful duration, the latest run and list-price cost. Live jobs and jobs that ran in the window.
WITH runs AS (
  SELECT r.workspace_id, r.job_id, r.run_id, r.outcome, r.start_time, r.duration_seconds
  FROM monitor.job_runs AS r
  WHERE r.start_time >= :start_time AND r.start_time < :end_time
    AND {{ in_scope(workspace_id=r.workspace_id, job_id=r.job_id) }}
),
per_job AS (
  SELECT
    t.workspace_id,
    t.job_id,
    t.team,
    CAST(COUNT(r.run_id) AS BIGINT) AS runs,
    CAST(COUNT_IF(r.outcome = 'success') AS BIGINT) AS succeeded,
    CAST(COUNT_IF(r.outcome = 'failure') AS BIGINT) AS failed,
    CAST(COUNT_IF(r.outcome = 'running') AS BIGINT) AS running,
    PERCENTILE(CASE WHEN r.outcome = 'success' THEN r.duration_seconds END, 0.5) AS p50_duration_seconds,
    MAX(r.start_time) AS last_run_time,
    MAX_BY(r.outcome, r.start_time) AS last_outcome,
    SUM(c.dbus) AS dbus,
    SUM(c.list_cost_usd) AS list_cost_usd
  FROM monitor.job_teams AS t
  LEFT JOIN runs AS r ON r.workspace_id = t.workspace_id AND r.job_id = t.job_id
  LEFT JOIN monitor.run_costs AS c ON c.workspace_id = r.workspace_id AND c.run_id = r.run_id
  WHERE {{ in_scope(team=t.team, workspace_id=t.workspace_id, job_id=t.job_id) }}
  GROUP BY t.workspace_id, t.job_id, t.team
)
SELECT
  p.workspace_id,
  p.job_id,
  j.name,
  p.team,
  p.runs,
  p.succeeded,
  p.failed,
  p.running,
  CAST(p.succeeded AS DOUBLE) / NULLIF(p.succeeded + p.failed, 0) AS success_rate,
  p.p50_duration_seconds,
  p.last_run_time,
  p.last_outcome,
  CAST(COALESCE(p.dbus, 0) AS DOUBLE) AS dbus,
  CAST(COALESCE(p.list_cost_usd, 0) AS DOUBLE) AS list_cost_usd,
  j.paused,
  j.schedule_cron,
  j.is_deleted
FROM per_job AS p
JOIN monitor.jobs AS j ON j.workspace_id = p.workspace_id AND j.job_id = p.job_id
WHERE NOT COALESCE(j.is_deleted, FALSE) OR p.runs > 0
ORDER BY p.failed DESC, list_cost_usd DESC, j.name, p.job_id
