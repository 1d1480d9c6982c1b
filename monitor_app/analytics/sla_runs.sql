-- SLA-02: the runs of the jobs that have an SLA target, with what the check needs: times, outcome, queue
-- time, the job's schedule, list cost, and the job's recent normal duration: monitor.run_health's
-- prior_success_* (data/model/run_health.sql: median, p90 and count of the job's successful runs started
-- in the baseline days before the run; :min_baseline_runs to count). With the default baseline days sla.py
-- reads the relation the refresh materialized; with others the same model run inline with those days over
-- the target jobs' runs since :history_start (sla_run_history.sql). :job_keys is a comma-separated list of
-- 'workspace_id:job_id' ('*:job_id' for any workspace); the deadline arithmetic (time zones, DST) happens
-- in Python on this small result. Runs checked: completed runs started in [:start_time, :end_time), newest
-- first (start time, then run id, descending); the metrics keep the first Filters.row_limit rows in
-- Python, after dropping the runs whose target was cleared (not known here).
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
