-- JOB-04: task retries and repairs per job over the window (runs by start time), what they cost, and
-- how flaky the job is.
-- Retry cost of a run = run cost x wasted share, where the wasted share is the task-seconds of the
-- superseded task attempts (an attempt followed by a later attempt of the same task_key in the same job
-- run: a task retry or a repair re-ran it, so it did not end in the final result) over the task-seconds
-- of all attempts of the run. A repaired run with no task rows falls back to
-- repair_count / (repair_count + 1) (every attempt assumed equally long). Same for DBUs. The per-run
-- retries, repairs and retry DBUs / $ are materialized by the refresh in monitor.run_health.
-- Flakiness = runs that succeeded only after a task retry or a repair / decided runs (success or failure).
-- Task retries are the attempts a task retry started; the task runs a repair re-ran count as the repair
-- only (monitor.run_health).
-- retry_heavy: task retries >= :min_retries (retries and repairs are distinct signals: repairs are
-- counted apart and weigh through the retry cost) in runs making up at least :min_retry_run_share of the
-- job's runs (an hourly job's routine blips are not 'heavy'), or retry cost >= :retry_cost_floor_usd
-- (list price, task retries and repairs together).
WITH per_run AS (
  SELECT
    h.workspace_id,
    h.job_id,
    h.run_id,
    h.run_name,
    h.outcome,
    h.repair_count,
    h.task_retries,
    h.retry_dbus,
    h.retry_cost_usd,
    CAST(h.dbus AS DOUBLE) AS dbus,
    CAST(h.list_cost_usd AS DOUBLE) AS cost_usd
  FROM monitor.run_health AS h
  LEFT JOIN monitor.job_teams AS t ON t.workspace_id = h.workspace_id AND t.job_id = h.job_id
  WHERE h.start_time >= :start_time
    AND h.start_time < :end_time
    AND {{ in_scope(team=t.team, workspace_id=h.workspace_id, job_id=h.job_id) }}
),
per_job_counts AS (
  SELECT
    workspace_id,
    job_id,
    COUNT(*) AS runs,
    COUNT(CASE WHEN outcome IN ('success', 'failure') THEN 1 END) AS decided_runs,
    CAST(SUM(task_retries) AS BIGINT) AS task_retries,
    CAST(SUM(repair_count) AS BIGINT) AS repairs,
    COUNT(CASE WHEN task_retries > 0 THEN 1 END) AS runs_with_task_retries,
    COUNT(CASE WHEN repair_count > 0 THEN 1 END) AS runs_with_repairs,
    COUNT(CASE WHEN task_retries > 0 OR repair_count > 0 THEN 1 END) AS runs_needing_retry,
    COUNT(CASE WHEN outcome = 'success' AND (task_retries > 0 OR repair_count > 0) THEN 1 END) AS flaky_runs,
    SUM(retry_dbus) AS retry_dbus,
    SUM(retry_cost_usd) AS retry_cost_usd,
    SUM(dbus) AS dbus,
    SUM(cost_usd) AS cost_usd,
    MAX_BY(run_name, run_id) AS latest_run_name
  FROM per_run
  GROUP BY workspace_id, job_id
),
per_job AS (
  SELECT
    c.*,
    c.task_retries >= :min_retries AND c.runs_with_task_retries >= :min_retry_run_share * c.runs AS count_heavy,
    COALESCE(c.retry_cost_usd >= :retry_cost_floor_usd, FALSE) AS cost_heavy
  FROM per_job_counts AS c
)
SELECT
  p.workspace_id,
  p.job_id,
  COALESCE(j.name, p.latest_run_name, p.job_id) AS job_name,
  {{ team_of(t.team) }} AS team,
  p.runs,
  p.decided_runs,
  p.task_retries,
  p.repairs,
  p.task_retries + p.repairs AS total_retries,
  p.runs_with_task_retries,
  p.runs_with_repairs,
  p.runs_needing_retry,
  p.flaky_runs,
  CAST(p.flaky_runs AS DOUBLE) / NULLIF(p.decided_runs, 0) AS flakiness,
  p.retry_dbus,
  p.retry_cost_usd,
  p.dbus,
  p.cost_usd,
  p.retry_cost_usd / NULLIF(p.cost_usd, 0) AS retry_cost_share,
  CAST(:min_retries AS BIGINT) AS retries_threshold,
  CAST(:min_retry_run_share AS DOUBLE) AS retry_run_share_threshold,
  CAST(p.runs_with_task_retries AS DOUBLE) / p.runs AS retry_run_share,
  CAST(:retry_cost_floor_usd AS DOUBLE) AS retry_cost_floor_usd,
  (p.count_heavy OR p.cost_heavy) AS retry_heavy,
  CASE
    WHEN p.count_heavy AND p.cost_heavy THEN 'retry count and retry cost over thresholds'
    WHEN p.count_heavy THEN 'retry count over threshold'
    WHEN p.cost_heavy THEN 'retry cost over the floor'
    ELSE ''
  END AS reason
FROM per_job AS p
LEFT JOIN monitor.jobs AS j ON j.workspace_id = p.workspace_id AND j.job_id = p.job_id
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = p.workspace_id AND t.job_id = p.job_id
ORDER BY p.retry_cost_usd DESC, total_retries DESC, p.workspace_id, p.job_id
