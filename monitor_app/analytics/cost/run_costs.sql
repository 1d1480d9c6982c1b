-- Cost of each job run in the window: DBUs and list-price $ net of billing corrections (ORIGINAL +
-- RETRACTION + RESTATEMENT), from monitor.run_spend (the costed runs: monitor.run_costs with the run's
-- timeline facts). A run is in the window when it started in it (first timeline row; runs billing knows but
-- the timeline does not yet are placed by their first usage). Newest run first, at most :row_limit rows
-- (the newest runs: a job's cost history stays contiguous in time when it is cut).
SELECT
  r.workspace_id,
  r.billed_job_id AS job_id,
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
FROM monitor.run_spend AS r
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = r.workspace_id AND j.job_id = r.billed_job_id
LEFT JOIN monitor.job_teams AS jt
  ON jt.workspace_id = r.workspace_id AND jt.job_id = r.billed_job_id
WHERE r.is_costed
  AND r.start_time >= :start_time
  AND r.start_time < :end_time
  AND (:workspace_id IS NULL OR r.workspace_id = :workspace_id)
  AND (:job_id IS NULL OR r.billed_job_id = :job_id)
  AND (:team IS NULL OR COALESCE(jt.team, 'unattributed') = :team)
ORDER BY r.start_time DESC, r.run_id
LIMIT :row_limit
