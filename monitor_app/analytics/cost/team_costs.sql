-- Spend per team over the window (list price), its trend against the previous window of the same length
-- (:previous_start_time to :start_time) and the team's most expensive job. Runs are placed by start time;
-- a job's team is monitor.job_teams ('unattributed' when no rule applies), joined once per job. Costed runs
-- come from monitor.run_spend (one row per (workspace_id, run_id): counting rows per job counts its runs).
WITH job_spend AS (
  SELECT
    r.workspace_id,
    r.billed_job_id AS job_id,
    COUNT(CASE WHEN r.start_time >= :start_time THEN 1 END) AS runs,
    COALESCE(SUM(CASE WHEN r.start_time >= :start_time THEN r.dbus END), 0) AS dbus,
    COALESCE(SUM(CASE WHEN r.start_time >= :start_time THEN r.list_cost_usd END), 0) AS list_cost_usd,
    COALESCE(SUM(CASE WHEN r.start_time < :start_time THEN r.list_cost_usd END), 0) AS previous_list_cost_usd
  FROM monitor.run_spend AS r
  WHERE r.is_costed
    AND r.start_time >= :previous_start_time
    AND r.start_time < :end_time
    AND {{ in_scope(workspace_id=r.workspace_id, job_id=r.billed_job_id) }}
  GROUP BY r.workspace_id, r.billed_job_id
),
per_job AS (
  SELECT {{ team_of(jt.team) }} AS team, s.*
  FROM job_spend AS s
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = s.workspace_id AND jt.job_id = s.job_id
  WHERE {{ in_scope(team=jt.team) }}
),
ranked_jobs AS (
  SELECT
    per_job.*,
    ROW_NUMBER() OVER (PARTITION BY team ORDER BY list_cost_usd DESC, workspace_id, job_id) AS cost_rank
  FROM per_job
),
per_team AS (
  SELECT
    team,
    COUNT(CASE WHEN runs > 0 THEN 1 END) AS jobs,
    SUM(runs) AS runs,
    SUM(dbus) AS dbus,
    SUM(list_cost_usd) AS list_cost_usd,
    SUM(previous_list_cost_usd) AS previous_list_cost_usd
  FROM per_job
  GROUP BY team
)
SELECT
  t.team,
  t.jobs,
  t.runs,
  t.dbus,
  t.list_cost_usd,
  t.previous_list_cost_usd,
  t.list_cost_usd - t.previous_list_cost_usd AS change_list_cost_usd,
  CASE
    WHEN t.previous_list_cost_usd > 0
      THEN 100.0 * CAST(t.list_cost_usd - t.previous_list_cost_usd AS DOUBLE) / CAST(t.previous_list_cost_usd AS DOUBLE)
  END AS change_pct,
  CASE
    WHEN SUM(t.list_cost_usd) OVER () > 0
      THEN CAST(t.list_cost_usd AS DOUBLE) / CAST(SUM(t.list_cost_usd) OVER () AS DOUBLE)
  END AS spend_share,
  top.workspace_id AS top_job_workspace_id,
  top.job_id AS top_job_id,
  j.name AS top_job_name,
  top.list_cost_usd AS top_job_list_cost_usd
FROM per_team AS t
LEFT JOIN ranked_jobs AS top
  ON top.team = t.team AND top.cost_rank = 1 AND top.list_cost_usd > 0
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = top.workspace_id AND j.job_id = top.job_id
ORDER BY t.list_cost_usd DESC, t.team
