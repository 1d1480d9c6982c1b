-- SLA-02: the runs of the jobs that have an SLA target, with what the check needs: times, outcome, queue
-- time, the job's schedule, list cost, and the job's recent normal duration (median and p90 of its
-- successful runs started in the :baseline_days days before the run; :min_baseline_runs to count).
-- :job_keys is a comma-separated list of 'workspace_id:job_id' ('*:job_id' for any workspace); the
-- deadline arithmetic (time zones, DST) happens in Python on this small result.
WITH target_runs AS (
  SELECT
    r.workspace_id,
    r.job_id,
    r.run_id,
    r.run_name,
    r.start_time,
    r.end_time,
    r.duration_seconds,
    r.outcome,
    r.queue_duration_seconds
  FROM monitor.job_runs AS r
  LEFT JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
  WHERE r.start_time >= :start_time
    AND r.start_time < :end_time
    AND r.outcome IN ('success', 'failure')
    AND (
      array_contains(split(:job_keys, ','), concat(r.workspace_id, ':', r.job_id))
      OR array_contains(split(:job_keys, ','), concat('*:', r.job_id))
    )
    AND (:team IS NULL OR COALESCE(t.team, 'unattributed') = :team)
    AND (:workspace_id IS NULL OR r.workspace_id = :workspace_id)
    AND (:job_id IS NULL OR r.job_id = :job_id)
),
history AS (
  SELECT h.workspace_id, h.job_id, h.start_time, h.duration_seconds
  FROM monitor.job_runs AS h
  WHERE h.outcome = 'success'
    AND h.duration_seconds IS NOT NULL
    AND h.start_time >= timestampadd(DAY, -:baseline_days, :start_time)
    AND h.start_time < :end_time
    AND (
      array_contains(split(:job_keys, ','), concat(h.workspace_id, ':', h.job_id))
      OR array_contains(split(:job_keys, ','), concat('*:', h.job_id))
    )
),
baseline AS (
  SELECT
    r.workspace_id,
    r.run_id,
    percentile(h.duration_seconds, 0.5) AS baseline_p50_seconds,
    percentile(h.duration_seconds, 0.9) AS baseline_p90_seconds,
    COUNT(*) AS baseline_runs
  FROM target_runs AS r
  JOIN history AS h
    ON h.workspace_id = r.workspace_id
    AND h.job_id = r.job_id
    AND h.start_time < r.start_time
    AND h.start_time >= timestampadd(DAY, -:baseline_days, r.start_time)
  GROUP BY r.workspace_id, r.run_id
)
SELECT
  r.workspace_id,
  r.job_id,
  COALESCE(j.name, r.run_name, r.job_id) AS job_name,
  COALESCE(t.team, 'unattributed') AS team,
  r.run_id,
  r.start_time,
  r.end_time,
  r.duration_seconds,
  r.outcome,
  r.queue_duration_seconds,
  j.schedule_cron,
  j.schedule_timezone,
  CASE WHEN b.baseline_runs >= :min_baseline_runs THEN b.baseline_p50_seconds END AS baseline_p50_seconds,
  CASE WHEN b.baseline_runs >= :min_baseline_runs THEN b.baseline_p90_seconds END AS baseline_p90_seconds,
  COALESCE(b.baseline_runs, 0) AS baseline_runs,
  CAST(c.list_cost_usd AS DOUBLE) AS list_cost_usd
FROM target_runs AS r
LEFT JOIN baseline AS b ON b.workspace_id = r.workspace_id AND b.run_id = r.run_id
LEFT JOIN monitor.jobs AS j ON j.workspace_id = r.workspace_id AND j.job_id = r.job_id
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
LEFT JOIN monitor.run_costs AS c ON c.workspace_id = r.workspace_id AND c.run_id = r.run_id
ORDER BY r.workspace_id, r.job_id, r.start_time, r.run_id
