-- How much of the window's job spend (list price) is attributed to a team, by how it was attributed
-- (monitor.job_teams.attributed_by: job_tag:<key>, billing_tag:<key>, rule:<name>, none). spend_share is
-- the fraction of the window's spend; attributed_share (same on every row) is the fraction attributed by
-- any method: the coverage headline. Usage without a job run id is not job-run spend (see cost_trust).
-- Costed runs come from monitor.run_spend, summed per job first (one row per run: the job's run count),
-- then per attribution method of the job.
WITH per_job AS (
  SELECT
    r.workspace_id,
    r.billed_job_id AS job_id,
    COUNT(*) AS runs,
    SUM(r.dbus) AS dbus,
    SUM(r.list_cost_usd) AS list_cost_usd
  FROM monitor.run_spend AS r
  WHERE r.is_costed
    AND r.start_time >= :start_time
    AND r.start_time < :end_time
    AND {{ in_scope(workspace_id=r.workspace_id, job_id=r.billed_job_id) }}
  GROUP BY r.workspace_id, r.billed_job_id
),
costed AS (
  SELECT
    p.*,
    COALESCE(jt.attributed_by, 'none') AS attributed_by,
    {{ team_of(jt.team) }} AS team
  FROM per_job AS p
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = p.workspace_id AND jt.job_id = p.job_id
  WHERE {{ in_scope(team=jt.team) }}
),
per_method AS (
  SELECT
    CASE WHEN attributed_by = 'none' THEN 'none' ELSE split_part(attributed_by, ':', 1) END AS method,
    attributed_by,
    COUNT(DISTINCT CONCAT(workspace_id, '/', job_id)) AS jobs,
    CAST(SUM(runs) AS BIGINT) AS runs,
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
