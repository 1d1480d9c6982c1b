-- JOB-01 per team: the same rates as health_success_rates.sql, over every run of the team's jobs, plus how
-- many of the team's jobs are at warning or critical failure rates. Runs count once each, by start time;
-- the per-run facts come from monitor.run_health.
WITH runs AS (
  SELECT
    h.workspace_id,
    h.job_id,
    h.run_id,
    h.outcome,
    CASE WHEN h.first_attempt_success THEN 1 ELSE 0 END AS first_attempt_success,
    {{ team_of(t.team) }} AS team
  FROM monitor.run_health AS h
  LEFT JOIN monitor.job_teams AS t ON t.workspace_id = h.workspace_id AND t.job_id = h.job_id
  WHERE h.start_time >= :start_time
    AND h.start_time < :end_time
    AND {{ in_scope(team=t.team, workspace_id=h.workspace_id, job_id=h.job_id) }}
),
per_job AS (
  SELECT
    team,
    workspace_id,
    job_id,
    COUNT(CASE WHEN outcome = 'success' THEN 1 END) AS succeeded,
    COUNT(CASE WHEN outcome = 'failure' THEN 1 END) AS failed
  FROM runs
  GROUP BY team, workspace_id, job_id
),
job_status AS (
  SELECT
    team,
    COUNT(CASE WHEN failed > 0 AND CAST(failed AS DOUBLE) / NULLIF(succeeded + failed, 0) > :critical_failure_rate THEN 1 END) AS jobs_critical,
    COUNT(CASE WHEN failed > 0 AND CAST(failed AS DOUBLE) / NULLIF(succeeded + failed, 0) > :warn_failure_rate
                AND CAST(failed AS DOUBLE) / NULLIF(succeeded + failed, 0) <= :critical_failure_rate THEN 1 END) AS jobs_warn
  FROM per_job
  GROUP BY team
),
per_team AS (
  SELECT
    team,
    COUNT(DISTINCT CONCAT(workspace_id, ':', job_id)) AS jobs,
    COUNT(*) AS runs,
    COUNT(CASE WHEN outcome = 'success' THEN 1 END) AS succeeded,
    COUNT(CASE WHEN outcome = 'failure' THEN 1 END) AS failed,
    COUNT(CASE WHEN outcome = 'cancelled' THEN 1 END) AS cancelled,
    COUNT(CASE WHEN outcome = 'skipped' THEN 1 END) AS skipped,
    COUNT(CASE WHEN outcome = 'running' THEN 1 END) AS running,
    COUNT(CASE WHEN outcome NOT IN ('success', 'failure', 'cancelled', 'skipped', 'running') THEN 1 END) AS other,
    COUNT(CASE WHEN first_attempt_success = 1 THEN 1 END) AS first_attempt_succeeded
  FROM runs
  GROUP BY team
)
SELECT
  p.team,
  p.jobs,
  p.runs,
  p.succeeded + p.failed AS decided_runs,
  p.succeeded,
  p.failed,
  p.cancelled,
  p.skipped,
  p.running,
  p.other,
  p.first_attempt_succeeded,
  CAST(p.succeeded AS DOUBLE) / NULLIF(p.succeeded + p.failed, 0) AS success_rate,
  CAST(p.first_attempt_succeeded AS DOUBLE) / NULLIF(p.succeeded + p.failed, 0) AS first_attempt_success_rate,
  CAST(p.failed AS DOUBLE) / NULLIF(p.succeeded + p.failed, 0) AS failure_rate,
  s.jobs_warn,
  s.jobs_critical,
  CAST(:warn_failure_rate AS DOUBLE) AS warn_threshold,
  CAST(:critical_failure_rate AS DOUBLE) AS critical_threshold,
  CASE
    WHEN p.succeeded + p.failed = 0 THEN 'no_data'
    WHEN CAST(p.failed AS DOUBLE) / (p.succeeded + p.failed) > :critical_failure_rate THEN 'critical'
    WHEN CAST(p.failed AS DOUBLE) / (p.succeeded + p.failed) > :warn_failure_rate THEN 'warn'
    ELSE 'ok'
  END AS status
FROM per_team AS p
JOIN job_status AS s ON s.team = p.team
ORDER BY failure_rate DESC NULLS LAST, p.runs DESC, p.team
