-- SLA-03: the jobs with an SLA target, with what an at-risk check needs: schedule, name, team, and the
-- p90 duration of the job's recent successful runs (the baseline monitor.run_health holds for its latest
-- run: successful runs of the 30 days before it).
WITH target_keys AS (
  SELECT explode(split(:job_keys, ',')) AS job_key
),
latest AS (
  SELECT
    h.workspace_id,
    h.job_id,
    h.prior_success_p90_seconds,
    h.prior_success_runs,
    row_number() OVER (PARTITION BY h.workspace_id, h.job_id ORDER BY h.start_time DESC, h.run_id DESC) AS n
  FROM monitor.run_health AS h
  WHERE h.job_id IN (SELECT split_part(job_key, ':', 2) FROM target_keys)
    AND h.start_time < :end_time
)
SELECT
  j.workspace_id,
  j.job_id,
  COALESCE(j.name, j.job_id) AS job_name,
  {{ team_of(t.team) }} AS team,
  j.schedule_cron,
  j.schedule_timezone,
  CASE WHEN l.prior_success_runs >= :min_baseline_runs THEN l.prior_success_p90_seconds END
    AS baseline_p90_seconds,
  COALESCE(l.prior_success_runs, 0) AS baseline_runs
FROM monitor.jobs AS j
LEFT JOIN latest AS l ON l.workspace_id = j.workspace_id AND l.job_id = j.job_id AND l.n = 1
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = j.workspace_id AND t.job_id = j.job_id
WHERE j.job_id IN (SELECT split_part(job_key, ':', 2) FROM target_keys)
  AND (
    array_contains(split(:job_keys, ','), concat(j.workspace_id, ':', j.job_id))
    OR array_contains(split(:job_keys, ','), concat('*:', j.job_id))
  )
  AND {{ in_scope(workspace_id=j.workspace_id, job_id=j.job_id, team=t.team) }}
ORDER BY j.workspace_id, j.job_id
