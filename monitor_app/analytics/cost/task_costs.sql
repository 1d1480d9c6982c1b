-- Estimated cost of each task run: billing is per job run (usage carries no task key), so each job run's
-- DBUs and list-price $ are apportioned to its task runs by task-run duration (tasks share the job
-- cluster); a job run whose task runs all have no duration is split evenly. The apportionment is done at
-- refresh (monitor.task_spend); is_estimate is always true. A task run is in the window when its job run
-- started in it; the job run's billed job (monitor.run_costs.job_id) decides the job and team filters.
-- Newest job run first (its task runs together, by start), at most :row_limit rows.
--
-- Speed (a month of a large workspace is a million task runs): sorting all of them to keep the newest
-- :row_limit costs more than the rest of the query. So the task runs in scope are first counted per hour of
-- their job run's start (hours_in_scope); from_time is the first job-run start of the oldest hour that still
-- holds one of the newest :row_limit task runs (fewer than :row_limit in the later hours), and only the task
-- runs from it on are read in full, sorted and cut (the same rows: every older task run has at least
-- :row_limit newer ones in scope). The scope filter is written twice on purpose: a CTE read twice would be
-- materialized, which costs more than scanning the window's row groups again.
WITH hours_in_scope AS (
  SELECT
    unix_micros(t.run_start_time) DIV 3600000000 AS start_hour,
    MIN(t.run_start_time) AS first_start,
    COUNT(*) AS task_runs
  FROM monitor.task_spend AS t
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = t.workspace_id AND jt.job_id = t.billed_job_id
  WHERE t.run_start_time >= :start_time
    AND t.run_start_time < :end_time
    AND {{ in_scope(workspace_id=t.workspace_id, job_id=t.billed_job_id, team=jt.team) }}
  GROUP BY unix_micros(t.run_start_time) DIV 3600000000
),

newer_task_runs AS (
  SELECT
    first_start,
    COALESCE(SUM(task_runs) OVER (ORDER BY start_hour DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
      AS task_runs_in_later_hours
  FROM hours_in_scope
),

cut AS (
  SELECT MIN(first_start) AS from_time
  FROM newer_task_runs
  WHERE task_runs_in_later_hours < :row_limit
),

newest AS (
  SELECT t.*
  FROM monitor.task_spend AS t
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = t.workspace_id AND jt.job_id = t.billed_job_id
  WHERE t.run_start_time >= :start_time
    AND t.run_start_time < :end_time
    AND {{ in_scope(workspace_id=t.workspace_id, job_id=t.billed_job_id, team=jt.team) }}
    AND t.run_start_time >= (SELECT c.from_time FROM cut AS c)
  ORDER BY t.run_start_time DESC, t.job_run_id, t.start_time, t.task_run_id
  LIMIT :row_limit
)

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
FROM newest AS t
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = t.workspace_id AND j.job_id = t.job_id
ORDER BY t.run_start_time DESC, t.job_run_id, t.start_time, t.task_run_id
