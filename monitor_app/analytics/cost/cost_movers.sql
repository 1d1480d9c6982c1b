-- Top movers week over week: each job's list-price spend in the last 7 days of the window
-- (:week_start_time to :end_time) against the 7 days before (:previous_week_start_time to
-- :week_start_time), largest absolute change first. Runs are placed by start time.
WITH costed AS (
  SELECT
    rc.workspace_id,
    rc.job_id,
    rc.run_id,
    COALESCE(jt.team, 'unattributed') AS team,
    COALESCE(jr.start_time, rc.usage_start_time) AS start_time,
    rc.dbus,
    rc.list_cost_usd
  FROM monitor.run_costs AS rc
  LEFT JOIN monitor.job_runs AS jr
    ON jr.workspace_id = rc.workspace_id AND jr.run_id = rc.run_id
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = rc.workspace_id AND jt.job_id = rc.job_id
  WHERE COALESCE(jr.start_time, rc.usage_start_time) >= :previous_week_start_time
    AND COALESCE(jr.start_time, rc.usage_start_time) < :end_time
    AND (:workspace_id IS NULL OR rc.workspace_id = :workspace_id)
    AND (:job_id IS NULL OR rc.job_id = :job_id)
    AND (:team IS NULL OR COALESCE(jt.team, 'unattributed') = :team)
),
per_job AS (
  SELECT
    workspace_id,
    job_id,
    MAX(team) AS team,
    COUNT(DISTINCT CASE WHEN start_time >= :week_start_time THEN run_id END) AS runs,
    COUNT(DISTINCT CASE WHEN start_time < :week_start_time THEN run_id END) AS previous_runs,
    COALESCE(SUM(CASE WHEN start_time >= :week_start_time THEN list_cost_usd END), 0) AS list_cost_usd,
    COALESCE(SUM(CASE WHEN start_time < :week_start_time THEN list_cost_usd END), 0) AS previous_list_cost_usd
  FROM costed
  GROUP BY workspace_id, job_id
)
SELECT
  p.workspace_id,
  p.job_id,
  j.name AS job_name,
  p.team,
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
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = p.workspace_id AND j.job_id = p.job_id
WHERE p.list_cost_usd <> p.previous_list_cost_usd
ORDER BY ABS(p.list_cost_usd - p.previous_list_cost_usd) DESC, p.workspace_id, p.job_id
