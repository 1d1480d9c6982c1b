-- Cost of each job run in the window: DBUs and list-price $ net of billing corrections (ORIGINAL +
-- RETRACTION + RESTATEMENT), from monitor.run_costs. A run is in the window when it started in it
-- (first timeline row; runs billing knows but the timeline does not yet are placed by their first usage).
WITH job_runs_in_scope AS (
  SELECT
    rc.workspace_id,
    rc.job_id,
    rc.run_id,
    COALESCE(jr.start_time, rc.usage_start_time) AS start_time,
    jr.end_time,
    jr.duration_seconds,
    jr.result_state,
    rc.dbus,
    rc.list_cost_usd,
    rc.original_dbus,
    rc.retracted_dbus,
    rc.restated_dbus,
    rc.unpriced_dbus,
    rc.is_serverless,
    rc.sku_names
  FROM monitor.run_costs AS rc
  LEFT JOIN monitor.job_runs AS jr
    ON jr.workspace_id = rc.workspace_id AND jr.run_id = rc.run_id
)
SELECT
  r.workspace_id,
  r.job_id,
  j.name AS job_name,
  COALESCE(jt.team, 'unattributed') AS team,
  r.run_id,
  r.start_time,
  r.end_time,
  r.duration_seconds,
  r.result_state,
  r.dbus,
  r.list_cost_usd,
  r.original_dbus,
  r.retracted_dbus,
  r.restated_dbus,
  r.unpriced_dbus,
  r.is_serverless,
  r.sku_names
FROM job_runs_in_scope AS r
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = r.workspace_id AND j.job_id = r.job_id
LEFT JOIN monitor.job_teams AS jt
  ON jt.workspace_id = r.workspace_id AND jt.job_id = r.job_id
WHERE r.start_time >= :start_time
  AND r.start_time < :end_time
  AND (:workspace_id IS NULL OR r.workspace_id = :workspace_id)
  AND (:job_id IS NULL OR r.job_id = :job_id)
  AND (:team IS NULL OR COALESCE(jt.team, 'unattributed') = :team)
ORDER BY r.start_time DESC, r.run_id
