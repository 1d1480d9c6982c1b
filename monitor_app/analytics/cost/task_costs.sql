-- Estimated cost of each task run: billing is per job run (usage carries no task key), so each job run's
-- DBUs and list-price $ are apportioned to its task runs by task-run duration (tasks share the job
-- cluster); a job run whose task runs all have no duration is split evenly. The apportionment is done at
-- refresh (monitor.task_spend); is_estimate is always true. A task run is in the window when its job run
-- started in it; the job run's billed job (monitor.run_costs.job_id) decides the job and team filters.
-- Newest job run first (its task runs together, by start), at most :row_limit rows.
SELECT
  t.workspace_id,
  t.job_id,
  j.name AS job_name,
  t.job_run_id,
  t.task_run_id,
  t.task_key,
  t.attempt_number,
  t.start_time,
  t.duration_seconds,
  t.result_state,
  t.cost_share,
  t.dbus,
  t.list_cost_usd,
  TRUE AS is_estimate
FROM monitor.task_spend AS t
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = t.workspace_id AND j.job_id = t.job_id
LEFT JOIN monitor.job_teams AS jt
  ON jt.workspace_id = t.workspace_id AND jt.job_id = t.billed_job_id
WHERE t.run_start_time >= :start_time
  AND t.run_start_time < :end_time
  AND (:workspace_id IS NULL OR t.workspace_id = :workspace_id)
  AND (:job_id IS NULL OR t.billed_job_id = :job_id)
  AND (:team IS NULL OR COALESCE(jt.team, 'unattributed') = :team)
ORDER BY t.run_start_time DESC, t.job_run_id, t.start_time, t.task_run_id
LIMIT :row_limit
