-- SLA-02 with the default baseline days: sla_runs.sql's rows (same columns, same order) read from the
-- per-run facts the refresh materialized. monitor.run_health's prior_success_* columns are the median, p90
-- and count of the job's successful runs started in the 30 days before each run (data/model/run_health.sql,
-- the same frame as sla_runs.sql's window), so no window runs here. sla.py uses this file only when the
-- call's baseline_days equals data/baselines.py's duration baseline days; otherwise sla_runs.sql.
--
-- One difference, by design: a run started before :start_time minus the baseline days (only the summary's
-- previous window reads such runs, for breaches that do not depend on the baseline) gets its full baseline
-- here, where sla_runs.sql gives it the part after its :history_start.
WITH target_keys AS (
  SELECT explode(split(:job_keys, ',')) AS job_key
)
SELECT
  h.workspace_id,
  h.job_id,
  COALESCE(j.name, h.run_name, h.job_id) AS job_name,
  {{ team_of(t.team) }} AS team,
  h.run_id,
  h.start_time,
  h.end_time,
  h.duration_seconds,
  h.outcome,
  h.queue_duration_seconds,
  j.schedule_cron,
  j.schedule_timezone,
  CASE WHEN h.prior_success_runs >= :min_baseline_runs THEN h.prior_success_p50_seconds END
    AS baseline_p50_seconds,
  CASE WHEN h.prior_success_runs >= :min_baseline_runs THEN h.prior_success_p90_seconds END
    AS baseline_p90_seconds,
  h.prior_success_runs AS baseline_runs,
  CAST(h.list_cost_usd AS DOUBLE) AS list_cost_usd
FROM monitor.run_health AS h
LEFT JOIN monitor.jobs AS j ON j.workspace_id = h.workspace_id AND j.job_id = h.job_id
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = h.workspace_id AND t.job_id = h.job_id
WHERE h.start_time >= :start_time
  AND h.start_time < :end_time
  AND h.outcome IN ('success', 'failure')
  -- the job id alone first: a plain semi-join the engine can push into the scan
  AND h.job_id IN (SELECT split_part(job_key, ':', 2) FROM target_keys)
  AND (
    array_contains(split(:job_keys, ','), concat(h.workspace_id, ':', h.job_id))
    OR array_contains(split(:job_keys, ','), concat('*:', h.job_id))
  )
  AND {{ in_scope(workspace_id=h.workspace_id, job_id=h.job_id, team=t.team) }}
ORDER BY h.start_time DESC, h.run_id DESC
