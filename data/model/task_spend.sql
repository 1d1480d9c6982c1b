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
-- the large workspace. The share is computed once per task run and the job run's DBUs and $ are made
-- DOUBLE once per job run (the same products as share x CAST(... AS DOUBLE) per task run).
WITH costed_runs AS (
  SELECT
    workspace_id,
    billed_job_id,
    run_id,
    CAST(dbus AS DOUBLE) AS run_dbus,
    CAST(list_cost_usd AS DOUBLE) AS run_list_cost_usd,
    start_time AS run_start_time
  FROM monitor.run_spend
  WHERE is_costed
),

run_totals AS (
  SELECT t.workspace_id, t.job_run_id, SUM(COALESCE(t.duration_seconds, 0)) AS task_seconds, COUNT(*) AS task_count
  FROM monitor.task_runs AS t
  GROUP BY t.workspace_id, t.job_run_id
),

task_shares AS (
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
    c.run_dbus,
    c.run_list_cost_usd,
    CASE WHEN r.task_seconds > 0 THEN COALESCE(t.duration_seconds, 0) / r.task_seconds ELSE 1.0 / r.task_count END AS share
  FROM monitor.task_runs AS t
  INNER JOIN costed_runs AS c
    ON c.workspace_id = t.workspace_id AND c.run_id = t.job_run_id
  INNER JOIN run_totals AS r
    ON r.workspace_id = t.workspace_id AND r.job_run_id = t.job_run_id
)

SELECT
  workspace_id,
  job_id,
  billed_job_id,
  job_run_id,
  task_run_id,
  task_key,
  attempt_number,
  run_start_time,
  start_time,
  duration_seconds,
  result_state,
  CAST(share AS DOUBLE) AS cost_share,
  run_dbus * share AS dbus,
  run_list_cost_usd * share AS list_cost_usd
FROM task_shares
ORDER BY run_start_time
