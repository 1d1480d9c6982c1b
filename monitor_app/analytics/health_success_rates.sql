-- JOB-01: final-outcome and first-attempt success rates per job over the window.
-- Runs count once each (monitor.job_runs has one row per run) and belong to the window of their start.
-- Rates are over decided runs (final outcome success or failure); cancelled, skipped and running runs
-- are counted apart, never as failures. A first-attempt success is a success that needed no repair and
-- no task retry (monitor.run_health.first_attempt_success, per run). The previous window (same length,
-- just before) gives the job's own baseline rate.
WITH runs AS (
  SELECT
    h.workspace_id,
    h.job_id,
    h.run_id,
    h.run_name,
    h.start_time,
    h.outcome,
    CASE WHEN h.first_attempt_success THEN 1 ELSE 0 END AS first_attempt_success,
    CASE WHEN h.start_time >= :start_time THEN 1 ELSE 0 END AS is_current
  FROM monitor.run_health AS h
  LEFT JOIN monitor.job_teams AS t ON t.workspace_id = h.workspace_id AND t.job_id = h.job_id
  WHERE h.start_time >= :previous_start_time
    AND h.start_time < :end_time
    AND {{ in_scope(team=t.team, workspace_id=h.workspace_id, job_id=h.job_id) }}
),
per_job AS (
  SELECT
    workspace_id,
    job_id,
    COUNT(CASE WHEN is_current = 1 THEN 1 END) AS runs,
    COUNT(CASE WHEN is_current = 1 AND outcome = 'success' THEN 1 END) AS succeeded,
    COUNT(CASE WHEN is_current = 1 AND outcome = 'failure' THEN 1 END) AS failed,
    COUNT(CASE WHEN is_current = 1 AND outcome = 'cancelled' THEN 1 END) AS cancelled,
    COUNT(CASE WHEN is_current = 1 AND outcome = 'skipped' THEN 1 END) AS skipped,
    COUNT(CASE WHEN is_current = 1 AND outcome = 'running' THEN 1 END) AS running,
    COUNT(CASE WHEN is_current = 1 AND outcome NOT IN ('success', 'failure', 'cancelled', 'skipped', 'running') THEN 1 END) AS other,
    COUNT(CASE WHEN is_current = 1 AND first_attempt_success = 1 THEN 1 END) AS first_attempt_succeeded,
    COUNT(CASE WHEN is_current = 0 AND outcome IN ('success', 'failure') THEN 1 END) AS previous_decided_runs,
    COUNT(CASE WHEN is_current = 0 AND outcome = 'failure' THEN 1 END) AS previous_failed,
    MAX(CASE WHEN is_current = 1 THEN start_time END) AS last_run_start,
    MAX_BY(CASE WHEN is_current = 1 THEN outcome END, CASE WHEN is_current = 1 THEN start_time END) AS last_outcome,
    MAX_BY(run_name, start_time) AS latest_run_name
  FROM runs
  GROUP BY workspace_id, job_id
),
rated AS (
  SELECT
    p.*,
    p.succeeded + p.failed AS decided_runs,
    CAST(p.succeeded AS DOUBLE) / NULLIF(p.succeeded + p.failed, 0) AS success_rate,
    CAST(p.first_attempt_succeeded AS DOUBLE) / NULLIF(p.succeeded + p.failed, 0) AS first_attempt_success_rate,
    CAST(p.failed AS DOUBLE) / NULLIF(p.succeeded + p.failed, 0) AS failure_rate,
    CAST(p.previous_failed AS DOUBLE) / NULLIF(p.previous_decided_runs, 0) AS previous_failure_rate
  FROM per_job AS p
  WHERE p.runs > 0
)
SELECT
  r.workspace_id,
  r.job_id,
  COALESCE(j.name, r.latest_run_name, r.job_id) AS job_name,
  {{ team_of(t.team) }} AS team,
  r.runs,
  r.decided_runs,
  r.succeeded,
  r.failed,
  r.cancelled,
  r.skipped,
  r.running,
  r.other,
  r.first_attempt_succeeded,
  r.success_rate,
  r.first_attempt_success_rate,
  r.success_rate - r.first_attempt_success_rate AS flaky_gap,
  r.failure_rate,
  r.previous_decided_runs,
  r.previous_failure_rate,
  r.failure_rate - r.previous_failure_rate AS failure_rate_change,
  CAST(:warn_failure_rate AS DOUBLE) AS warn_threshold,
  CAST(:critical_failure_rate AS DOUBLE) AS critical_threshold,
  CAST(:failure_rate_jump AS DOUBLE) AS jump_threshold,
  CASE
    WHEN r.decided_runs = 0 THEN 'no_data'
    WHEN r.failure_rate > :critical_failure_rate THEN 'critical'
    WHEN r.failure_rate > :warn_failure_rate THEN 'warn'
    WHEN r.previous_decided_runs > 0 AND r.failure_rate - r.previous_failure_rate >= :failure_rate_jump THEN 'warn'
    ELSE 'ok'
  END AS status,
  CASE
    WHEN r.decided_runs = 0 THEN 'no completed run in the window'
    WHEN r.failure_rate > :critical_failure_rate THEN 'failure rate above the critical threshold'
    WHEN r.failure_rate > :warn_failure_rate THEN 'failure rate above the warning threshold'
    WHEN r.previous_decided_runs > 0 AND r.failure_rate - r.previous_failure_rate >= :failure_rate_jump
      THEN 'failure rate jumped over the previous window'
    ELSE ''
  END AS status_reason,
  r.last_run_start,
  r.last_outcome,
  COALESCE(j.is_deleted, FALSE) AS is_deleted
FROM rated AS r
LEFT JOIN monitor.jobs AS j ON j.workspace_id = r.workspace_id AND j.job_id = r.job_id
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
ORDER BY r.failure_rate DESC NULLS LAST, r.runs DESC, r.workspace_id, r.job_id
