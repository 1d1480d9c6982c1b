-- Cost of each job over the window: runs, DBUs and list-price $ (net of corrections), $ per costed run.
-- Runs are the job's runs that started in the window (timeline), plus runs billing knows but the timeline
-- does not (yet); costed runs are those with billing rows.
WITH runs_in_window AS (
  SELECT
    COALESCE(jr.workspace_id, rc.workspace_id) AS workspace_id,
    COALESCE(jr.job_id, rc.job_id) AS job_id,
    COALESCE(jr.run_id, rc.run_id) AS run_id,
    COALESCE(jr.start_time, rc.usage_start_time) AS start_time,
    rc.run_id IS NOT NULL AS is_costed,
    rc.dbus,
    rc.list_cost_usd,
    rc.retracted_dbus,
    rc.restated_dbus,
    rc.unpriced_dbus
  FROM monitor.job_runs AS jr
  FULL OUTER JOIN monitor.run_costs AS rc
    ON rc.workspace_id = jr.workspace_id AND rc.run_id = jr.run_id
),
scoped AS (
  SELECT r.*, COALESCE(jt.team, 'unattributed') AS team
  FROM runs_in_window AS r
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = r.workspace_id AND jt.job_id = r.job_id
  WHERE r.start_time >= :start_time
    AND r.start_time < :end_time
    AND (:workspace_id IS NULL OR r.workspace_id = :workspace_id)
    AND (:job_id IS NULL OR r.job_id = :job_id)
    AND (:team IS NULL OR COALESCE(jt.team, 'unattributed') = :team)
),
per_job AS (
  SELECT
    workspace_id,
    job_id,
    MAX(team) AS team,
    COUNT(DISTINCT run_id) AS runs,
    COUNT(DISTINCT CASE WHEN is_costed THEN run_id END) AS costed_runs,
    COALESCE(SUM(dbus), 0) AS dbus,
    COALESCE(SUM(list_cost_usd), 0) AS list_cost_usd,
    COALESCE(SUM(retracted_dbus), 0) AS retracted_dbus,
    COALESCE(SUM(restated_dbus), 0) AS restated_dbus,
    COALESCE(SUM(unpriced_dbus), 0) AS unpriced_dbus,
    MIN(start_time) AS first_run_time,
    MAX(start_time) AS last_run_time
  FROM scoped
  GROUP BY workspace_id, job_id
)
SELECT
  p.workspace_id,
  p.job_id,
  j.name AS job_name,
  p.team,
  p.runs,
  p.costed_runs,
  p.dbus,
  p.list_cost_usd,
  CASE WHEN p.costed_runs > 0 THEN CAST(p.list_cost_usd AS DOUBLE) / p.costed_runs END AS list_cost_usd_per_run,
  CASE WHEN p.costed_runs > 0 THEN CAST(p.dbus AS DOUBLE) / p.costed_runs END AS dbus_per_run,
  p.retracted_dbus,
  p.restated_dbus,
  p.unpriced_dbus,
  p.first_run_time,
  p.last_run_time
FROM per_job AS p
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = p.workspace_id AND j.job_id = p.job_id
ORDER BY p.list_cost_usd DESC, p.dbus DESC, p.workspace_id, p.job_id
