-- JOB-02: jobs whose latest completed runs, ordered by end time, all failed (streak >= :min_streak: P1).
-- A completed run is one with a decided final outcome (success or failure). Cancelled and skipped runs
-- neither break nor extend a streak (a user cancelling a broken job's run must not hide the streak);
-- runs still in progress have no end time and are not counted (running_runs shows them). Deleted jobs
-- are left out. The streak is read as of :end_time over
-- the whole history, and reported when its latest failure ended inside the window.
WITH decided AS (
  SELECT
    r.workspace_id,
    r.job_id,
    r.run_id,
    r.run_name,
    r.end_time,
    r.outcome,
    r.termination_code,
    ROW_NUMBER() OVER (PARTITION BY r.workspace_id, r.job_id ORDER BY r.end_time DESC, r.run_id DESC) AS recency
  FROM monitor.job_runs AS r
  LEFT JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
  WHERE r.outcome IN ('success', 'failure')
    AND r.end_time < :end_time
    AND (:team IS NULL OR COALESCE(t.team, 'unattributed') = :team)
    AND (:workspace_id IS NULL OR r.workspace_id = :workspace_id)
    AND (:job_id IS NULL OR r.job_id = :job_id)
),
last_success AS (
  SELECT workspace_id, job_id, MIN(recency) AS success_recency, MAX(end_time) AS last_success_time
  FROM decided
  WHERE outcome = 'success'
  GROUP BY workspace_id, job_id
),
streaks AS (
  SELECT
    d.workspace_id,
    d.job_id,
    COUNT(*) AS streak_length,
    MIN(d.end_time) AS failing_since,
    MAX(d.end_time) AS last_failure_time,
    MIN_BY(d.run_id, d.recency) AS last_failed_run_id,
    MIN_BY(d.termination_code, d.recency) AS last_termination_code,
    MAX_BY(d.run_id, d.recency) AS first_failed_run_id,
    MIN_BY(d.run_name, d.recency) AS latest_run_name
  FROM decided AS d
  LEFT JOIN last_success AS s ON s.workspace_id = d.workspace_id AND s.job_id = d.job_id
  WHERE d.recency < COALESCE(s.success_recency, 2147483647)
  GROUP BY d.workspace_id, d.job_id
),
in_progress AS (
  SELECT workspace_id, job_id, COUNT(*) AS running_runs
  FROM monitor.job_runs
  WHERE outcome = 'running' AND start_time < :end_time AND start_time >= :start_time
  GROUP BY workspace_id, job_id
)
SELECT
  s.workspace_id,
  s.job_id,
  COALESCE(j.name, s.latest_run_name, s.job_id) AS job_name,
  COALESCE(t.team, 'unattributed') AS team,
  s.streak_length,
  CAST(:min_streak AS BIGINT) AS threshold,
  'P1' AS severity,
  s.failing_since,
  s.last_failure_time,
  s.first_failed_run_id,
  s.last_failed_run_id,
  s.last_termination_code,
  ls.last_success_time,
  ls.last_success_time IS NOT NULL AS has_succeeded,
  COALESCE(p.running_runs, 0) AS running_runs
FROM streaks AS s
LEFT JOIN last_success AS ls ON ls.workspace_id = s.workspace_id AND ls.job_id = s.job_id
LEFT JOIN in_progress AS p ON p.workspace_id = s.workspace_id AND p.job_id = s.job_id
LEFT JOIN monitor.jobs AS j ON j.workspace_id = s.workspace_id AND j.job_id = s.job_id
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = s.workspace_id AND t.job_id = s.job_id
WHERE s.streak_length >= :min_streak
  AND NOT COALESCE(j.is_deleted, FALSE)
  AND s.last_failure_time >= :start_time
ORDER BY s.streak_length DESC, s.failing_since, s.workspace_id, s.job_id
