-- monitor.task_spend: the estimated cost of each task run of a costed job run, rebuilt in full on every
-- refresh after monitor.run_spend. Billing is per job run (usage carries no task key), so each job run's
-- DBUs and list-price $ are apportioned to its task runs by task-run duration (tasks share the job
-- cluster); a job run whose task runs all have no duration is split evenly. Doubles (an estimate): exact
-- money is per job run (monitor.run_costs).
--
-- job_id is the task run's job (monitor.task_runs); billed_job_id and run_start_time are its job run's
-- (monitor.run_spend: billing's job id, and the start that places the run in a window). Stored in
-- run_start_time order: a window filter reads only the row groups of the window.
WITH costed_runs AS (
  SELECT workspace_id, billed_job_id, run_id, dbus, list_cost_usd, start_time AS run_start_time
  FROM monitor.run_spend
  WHERE is_costed
),

task_shares AS (
  SELECT
    t.workspace_id,
    t.job_id,
    t.job_run_id,
    t.task_run_id,
    t.task_key,
    t.attempt_number,
    t.start_time,
    t.duration_seconds,
    t.result_state,
    CASE
      WHEN SUM(COALESCE(t.duration_seconds, 0)) OVER (PARTITION BY t.workspace_id, t.job_run_id) > 0
        THEN COALESCE(t.duration_seconds, 0)
          / SUM(COALESCE(t.duration_seconds, 0)) OVER (PARTITION BY t.workspace_id, t.job_run_id)
      ELSE 1.0 / COUNT(*) OVER (PARTITION BY t.workspace_id, t.job_run_id)
    END AS cost_share
  FROM monitor.task_runs AS t
  INNER JOIN costed_runs AS c
    ON c.workspace_id = t.workspace_id AND c.run_id = t.job_run_id
)

SELECT
  s.workspace_id,
  s.job_id,
  c.billed_job_id,
  s.job_run_id,
  s.task_run_id,
  s.task_key,
  s.attempt_number,
  c.run_start_time,
  s.start_time,
  s.duration_seconds,
  s.result_state,
  CAST(s.cost_share AS DOUBLE) AS cost_share,
  CAST(c.dbus AS DOUBLE) * s.cost_share AS dbus,
  CAST(c.list_cost_usd AS DOUBLE) * s.cost_share AS list_cost_usd
FROM task_shares AS s
INNER JOIN costed_runs AS c
  ON c.workspace_id = s.workspace_id AND c.run_id = s.job_run_id
ORDER BY c.run_start_time, s.job_run_id, s.start_time, s.task_run_id
