-- SLA-02: the runs of the jobs that have an SLA target, with what the check needs: times, outcome, queue
-- time, the job's schedule, list cost, and the job's recent normal duration (median and p90 of its
-- successful runs started in the :baseline_us microseconds, the baseline days, before the run;
-- :min_baseline_runs to count). :job_keys is a comma-separated list of 'workspace_id:job_id' ('*:job_id'
-- for any workspace); the deadline arithmetic (time zones, DST) happens in Python on this small result.
-- Newest first (start time, then run id, descending): the metrics keep the first Filters.row_limit rows
-- in Python, after dropping the runs whose target was cleared (not known here).
--
-- Runs checked: completed runs started in [:start_time, :end_time). Only the target jobs' completed runs
-- started from :history_start (no later than :start_time minus the baseline days) are read, once. The baseline is
-- a window function over that one stream (each run's frame: the job's runs started in
-- [start - :baseline_us microseconds, start), so a run never counts itself), not a join of every run with
-- its history. A run whose baseline reaches before :history_start gets a partial one (the summary reads
-- its previous window so: it only counts breaches there, which do not depend on the baseline).
WITH target_keys AS (
  SELECT explode(split(:job_keys, ',')) AS job_key
),
job_stream AS (
  SELECT
    r.workspace_id,
    r.job_id,
    r.run_id,
    r.run_name,
    r.start_time,
    r.end_time,
    r.duration_seconds,
    r.outcome,
    r.queue_duration_seconds,
    unix_micros(r.start_time) AS start_us,
    CASE WHEN r.outcome = 'success' THEN r.duration_seconds END AS normal_seconds
  FROM monitor.job_runs AS r
  WHERE r.start_time >= :history_start
    AND r.start_time < :end_time
    AND r.outcome IN ('success', 'failure')
    -- the job id alone first: a plain semi-join the engine can push into the scan
    AND r.job_id IN (SELECT split_part(job_key, ':', 2) FROM target_keys)
    AND (
      array_contains(split(:job_keys, ','), concat(r.workspace_id, ':', r.job_id))
      OR array_contains(split(:job_keys, ','), concat('*:', r.job_id))
    )
    AND {{ in_scope(workspace_id=r.workspace_id, job_id=r.job_id) }}
),
with_baseline AS (
  SELECT
    s.*,
    -- both quantiles from one window aggregate (one sorted frame state instead of two)
    percentile(s.normal_seconds, array(0.5, 0.9)) OVER baseline_frame AS baseline_quantiles,
    COUNT(s.normal_seconds) OVER baseline_frame AS baseline_runs
  FROM job_stream AS s
  WINDOW baseline_frame AS (
    PARTITION BY s.workspace_id, s.job_id
    ORDER BY s.start_us
    -- a frame bound cannot be NULL: 30 days when no baseline is given
    RANGE BETWEEN COALESCE(:baseline_us, 2592000000000) PRECEDING AND 1 PRECEDING
  )
)
SELECT
  r.workspace_id,
  r.job_id,
  COALESCE(j.name, r.run_name, r.job_id) AS job_name,
  {{ team_of(t.team) }} AS team,
  r.run_id,
  r.start_time,
  r.end_time,
  r.duration_seconds,
  r.outcome,
  r.queue_duration_seconds,
  j.schedule_cron,
  j.schedule_timezone,
  CASE WHEN r.baseline_runs >= :min_baseline_runs THEN r.baseline_quantiles[0] END AS baseline_p50_seconds,
  CASE WHEN r.baseline_runs >= :min_baseline_runs THEN r.baseline_quantiles[1] END AS baseline_p90_seconds,
  r.baseline_runs,
  CAST(c.list_cost_usd AS DOUBLE) AS list_cost_usd
FROM with_baseline AS r
LEFT JOIN monitor.jobs AS j ON j.workspace_id = r.workspace_id AND j.job_id = r.job_id
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
LEFT JOIN (
  -- only the target jobs' costs (the job id filter prunes the scan; the join keys alone would not)
  SELECT c.workspace_id, c.run_id, c.list_cost_usd
  FROM monitor.run_costs AS c
  WHERE c.job_id IN (SELECT split_part(job_key, ':', 2) FROM target_keys)
) AS c ON c.workspace_id = r.workspace_id AND c.run_id = r.run_id
WHERE r.start_time >= :start_time
  AND {{ in_scope(team=t.team) }}
ORDER BY r.start_time DESC, r.run_id DESC
