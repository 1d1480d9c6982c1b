-- Top movers week over week: each job's list-price spend in the last 7 days of the window
-- (:week_start_time to :end_time) against the 7 days before (:previous_week_start_time to
-- :week_start_time), largest absolute change first. Runs are placed by start time (monitor.run_spend,
-- costed runs: one row per run, so counting rows per job counts its runs); the team is joined once per job.
WITH per_job AS (
  SELECT
    r.workspace_id,
    r.billed_job_id AS job_id,
    COUNT(CASE WHEN r.start_time >= :week_start_time THEN 1 END) AS runs,
    COUNT(CASE WHEN r.start_time < :week_start_time THEN 1 END) AS previous_runs,
    COALESCE(SUM(CASE WHEN r.start_time >= :week_start_time THEN r.list_cost_usd END), 0) AS list_cost_usd,
    COALESCE(SUM(CASE WHEN r.start_time < :week_start_time THEN r.list_cost_usd END), 0) AS previous_list_cost_usd
  FROM monitor.run_spend AS r
  WHERE r.is_costed
    AND r.start_time >= :previous_week_start_time
    AND r.start_time < :end_time
    AND {{ in_scope(workspace_id=r.workspace_id, job_id=r.billed_job_id) }}
  GROUP BY r.workspace_id, r.billed_job_id
)
SELECT
  p.workspace_id,
  p.job_id,
  j.name AS job_name,
  {{ team_of(jt.team) }} AS team,
  p.runs,
  p.previous_runs,
  p.list_cost_usd,
  p.previous_list_cost_usd,
  p.list_cost_usd - p.previous_list_cost_usd AS change_list_cost_usd,
  CASE
    WHEN p.previous_list_cost_usd > 0
      THEN 100.0 * CAST(p.list_cost_usd - p.previous_list_cost_usd AS DOUBLE) / CAST(p.previous_list_cost_usd AS DOUBLE)
  END AS change_pct
FROM per_job AS p
LEFT JOIN monitor.job_teams AS jt
  ON jt.workspace_id = p.workspace_id AND jt.job_id = p.job_id
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = p.workspace_id AND j.job_id = p.job_id
WHERE p.list_cost_usd <> p.previous_list_cost_usd
  AND {{ in_scope(team=jt.team) }}
ORDER BY ABS(p.list_cost_usd - p.previous_list_cost_usd) DESC, p.workspace_id, p.job_id
