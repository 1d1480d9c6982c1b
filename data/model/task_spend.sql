-- monitor.task_spend: the estimated cost of each task run of a costed job run, rebuilt in full on every
-- refresh after monitor.run_spend. Billing is per job run (usage carries no task key), so each job run's
-- DBUs and list-price $ are apportioned to its task runs by task-run duration (tasks share the job
-- cluster); a job run whose task runs all have no duration is split evenly. Doubles (an estimate): exact
-- money is per job run (monitor.run_costs).
--
-- job_id is the task run's job (monitor.task_runs); billed_job_id and run_start_time are its job run's
-- (monitor.run_spend: billing's job id, and the start that places the run in a window). Stored in
-- run_start_time order: a window filter reads only the row groups of the window. The job run's task seconds
-- are a grouped sum joined back (a hash aggregate), not a window over 3.5M rows (a sort): 19.6 s -> 13.1 s on
-- the large workspace.
WITH costed_runs AS (
  SELECT workspace_id, billed_job_id, run_id, dbus, list_cost_usd, start_time AS run_start_time
  FROM monitor.run_spend
  WHERE is_costed
),

run_totals AS (
  SELECT t.workspace_id, t.job_run_id, SUM(COALESCE(t.duration_seconds, 0)) AS task_seconds, COUNT(*) AS task_count
  FROM monitor.task_runs AS t
  GROUP BY t.workspace_id, t.job_run_id
)

SELECT
  t.workspace_id,
  t.job_id,
  c.billed_job_id,
  t.job_run_id,
  t.task_run_id,
  t.task_key,
  t.attempt_number,
  c.run_start_time,
  t.start_time,
  t.duration_seconds,
  t.result_state,
  CAST(CASE WHEN r.task_seconds > 0 THEN COALESCE(t.duration_seconds, 0) / r.task_seconds ELSE 1.0 / r.task_count END AS DOUBLE) AS cost_share,
  CAST(c.dbus AS DOUBLE) * CASE WHEN r.task_seconds > 0 THEN COALESCE(t.duration_seconds, 0) / r.task_seconds ELSE 1.0 / r.task_count END AS dbus,
  CAST(c.list_cost_usd AS DOUBLE) * CASE WHEN r.task_seconds > 0 THEN COALESCE(t.duration_seconds, 0) / r.task_seconds ELSE 1.0 / r.task_count END AS list_cost_usd
FROM monitor.task_runs AS t
INNER JOIN costed_runs AS c
  ON c.workspace_id = t.workspace_id AND c.run_id = t.job_run_id
INNER JOIN run_totals AS r
  ON r.workspace_id = t.workspace_id AND r.job_run_id = t.job_run_id
ORDER BY c.run_start_time
