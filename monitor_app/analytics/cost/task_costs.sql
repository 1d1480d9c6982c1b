-- Estimated cost of each task run: billing is per job run (usage carries no task key), so each job run's
-- DBUs and list-price $ are apportioned to its task runs by task-run duration (tasks share the job
-- cluster). A job run whose task runs all have no duration is split evenly. is_estimate is always true.
WITH costed_runs AS (
  SELECT
    rc.workspace_id,
    rc.job_id,
    rc.run_id,
    rc.dbus,
    rc.list_cost_usd,
    COALESCE(jr.start_time, rc.usage_start_time) AS run_start_time
  FROM monitor.run_costs AS rc
  LEFT JOIN monitor.job_runs AS jr
    ON jr.workspace_id = rc.workspace_id AND jr.run_id = rc.run_id
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = rc.workspace_id AND jt.job_id = rc.job_id
  WHERE COALESCE(jr.start_time, rc.usage_start_time) >= :start_time
    AND COALESCE(jr.start_time, rc.usage_start_time) < :end_time
    AND (:workspace_id IS NULL OR rc.workspace_id = :workspace_id)
    AND (:job_id IS NULL OR rc.job_id = :job_id)
    AND (:team IS NULL OR COALESCE(jt.team, 'unattributed') = :team)
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
  j.name AS job_name,
  s.job_run_id,
  s.task_run_id,
  s.task_key,
  s.attempt_number,
  s.start_time,
  s.duration_seconds,
  s.result_state,
  CAST(s.cost_share AS DOUBLE) AS cost_share,
  CAST(c.dbus AS DOUBLE) * s.cost_share AS dbus,
  CAST(c.list_cost_usd AS DOUBLE) * s.cost_share AS list_cost_usd,
  TRUE AS is_estimate
FROM task_shares AS s
INNER JOIN costed_runs AS c
  ON c.workspace_id = s.workspace_id AND c.run_id = s.job_run_id
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = s.workspace_id AND j.job_id = s.job_id
ORDER BY c.run_start_time DESC, s.job_run_id, s.start_time, s.task_run_id
