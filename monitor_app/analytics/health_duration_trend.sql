-- JOB-03 chart: per job per UTC day (of run start), median and p90 duration of successful runs, with the
-- run counts behind them (runs read from monitor.run_health, stored in start_time order). At most
-- :row_limit job-days, the newest days kept (a month of a large workspace is 130,000+ job-days).
WITH runs AS (
  SELECT
    r.workspace_id,
    r.job_id,
    r.run_name,
    CAST(r.start_time AS DATE) AS run_date,
    r.outcome,
    r.duration_seconds
  FROM monitor.run_health AS r
  LEFT JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
  WHERE r.start_time >= :start_time
    AND r.start_time < :end_time
    AND {{ in_scope(team=t.team, workspace_id=r.workspace_id, job_id=r.job_id) }}
),
daily AS (
  SELECT
    workspace_id,
    job_id,
    run_date,
    COUNT(*) AS runs,
    COUNT(CASE WHEN outcome = 'success' THEN 1 END) AS succeeded,
    COUNT(CASE WHEN outcome = 'failure' THEN 1 END) AS failed,
    percentile(CASE WHEN outcome = 'success' THEN duration_seconds END, 0.5) AS p50_duration_seconds,
    percentile(CASE WHEN outcome = 'success' THEN duration_seconds END, 0.9) AS p90_duration_seconds,
    MAX(CASE WHEN outcome = 'success' THEN duration_seconds END) AS max_duration_seconds,
    MAX_BY(run_name, run_date) AS latest_run_name
  FROM runs
  GROUP BY workspace_id, job_id, run_date
),
newest AS (
  SELECT *
  FROM daily
  ORDER BY run_date DESC, workspace_id, job_id
  LIMIT :row_limit
)
SELECT
  d.workspace_id,
  d.job_id,
  COALESCE(j.name, d.latest_run_name, d.job_id) AS job_name,
  {{ team_of(t.team) }} AS team,
  d.run_date,
  d.runs,
  d.succeeded,
  d.failed,
  d.p50_duration_seconds,
  d.p90_duration_seconds,
  d.max_duration_seconds
FROM newest AS d
LEFT JOIN monitor.jobs AS j ON j.workspace_id = d.workspace_id AND j.job_id = d.job_id
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = d.workspace_id AND t.job_id = d.job_id
ORDER BY d.workspace_id, d.job_id, d.run_date
