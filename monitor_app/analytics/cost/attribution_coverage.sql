-- How much of the window's job spend (list price) is attributed to a team, by how it was attributed
-- (monitor.job_teams.attributed_by: job_tag:<key>, billing_tag:<key>, rule:<name>, none). spend_share is
-- the fraction of the window's spend; attributed_share (same on every row) is the fraction attributed by
-- any method: the coverage headline. Usage without a job run id is not job-run spend (see cost_trust).
WITH costed AS (
  SELECT
    rc.workspace_id,
    rc.job_id,
    rc.run_id,
    COALESCE(jt.attributed_by, 'none') AS attributed_by,
    COALESCE(jt.team, 'unattributed') AS team,
    rc.dbus,
    rc.list_cost_usd
  FROM monitor.run_costs AS rc
  LEFT JOIN monitor.job_runs AS jr
    ON jr.workspace_id = rc.workspace_id AND jr.run_id = rc.run_id
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = rc.workspace_id AND jt.job_id = rc.job_id
  WHERE COALESCE(jr.start_time, rc.usage_start_time) >= :start_time
    AND COALESCE(jr.start_time, rc.usage_start_time) < :end_time
    AND (:workspace_id IS NULL OR rc.workspace_id = :workspace_id)
    AND (:job_id IS NULL OR rc.job_id = :job_id)
    AND (:team IS NULL OR COALESCE(jt.team, 'unattributed') = :team)
),
per_method AS (
  SELECT
    CASE WHEN attributed_by = 'none' THEN 'none' ELSE split_part(attributed_by, ':', 1) END AS method,
    attributed_by,
    COUNT(DISTINCT CONCAT(workspace_id, '/', job_id)) AS jobs,
    COUNT(DISTINCT CONCAT(workspace_id, '/', run_id)) AS runs,
    COUNT(DISTINCT team) AS teams,
    SUM(dbus) AS dbus,
    SUM(list_cost_usd) AS list_cost_usd
  FROM costed
  GROUP BY attributed_by
)
SELECT
  method,
  attributed_by,
  jobs,
  runs,
  teams,
  dbus,
  list_cost_usd,
  CASE
    WHEN SUM(list_cost_usd) OVER () > 0
      THEN CAST(list_cost_usd AS DOUBLE) / CAST(SUM(list_cost_usd) OVER () AS DOUBLE)
  END AS spend_share,
  CASE
    WHEN SUM(list_cost_usd) OVER () > 0
      THEN CAST(SUM(CASE WHEN method <> 'none' THEN list_cost_usd ELSE 0 END) OVER () AS DOUBLE)
        / CAST(SUM(list_cost_usd) OVER () AS DOUBLE)
  END AS attributed_share
FROM per_method
ORDER BY CASE method WHEN 'job_tag' THEN 1 WHEN 'billing_tag' THEN 2 WHEN 'rule' THEN 3 ELSE 4 END,
  list_cost_usd DESC, attributed_by
