-- JOB-02: jobs whose latest completed runs, ordered by end time, all failed (streak >= :min_streak: P1).
-- A completed run is one with a decided final outcome (success or failure). Cancelled and skipped runs
-- neither break nor extend a streak (a user cancelling a broken job's run must not hide the streak);
-- runs still in progress have no end time and are not counted (running_runs shows them). Deleted jobs
-- are left out. The streak is read as of :end_time over the whole history, and reported when its latest
-- failure ended inside the window. The refresh materializes each failure's streak in monitor.run_health
-- (data/model/run_health.sql): a job's streak as of :end_time is the one of its latest decided run ending
-- before :end_time, i.e. the decided run whose next decided run ends at or after :end_time (or none yet).
WITH streaks AS (
  SELECT
    h.workspace_id,
    h.job_id,
    h.failure_streak AS streak_length,
    h.failing_since,
    h.end_time AS last_failure_time,
    h.streak_first_run_id AS first_failed_run_id,
    h.run_id AS last_failed_run_id,
    h.termination_code AS last_termination_code,
    h.last_success_time,
    h.run_name AS latest_run_name
  FROM monitor.run_health AS h
  LEFT JOIN monitor.job_teams AS t ON t.workspace_id = h.workspace_id AND t.job_id = h.job_id
  WHERE h.outcome = 'failure'
    AND h.failure_streak >= :min_streak
    AND h.end_time >= :start_time
    AND h.end_time < :end_time
    AND (h.next_decided_end_time IS NULL OR h.next_decided_end_time >= :end_time)
    AND {{ in_scope(team=t.team, workspace_id=h.workspace_id, job_id=h.job_id) }}
),
in_progress AS (
  SELECT workspace_id, job_id, COUNT(*) AS running_runs
  FROM monitor.run_health
  WHERE outcome = 'running' AND start_time < :end_time AND start_time >= :start_time
  GROUP BY workspace_id, job_id
)
SELECT
  s.workspace_id,
  s.job_id,
  COALESCE(j.name, s.latest_run_name, s.job_id) AS job_name,
  {{ team_of(t.team) }} AS team,
  s.streak_length,
  CAST(:min_streak AS BIGINT) AS threshold,
  s.failing_since,
  s.last_failure_time,
  s.first_failed_run_id,
  s.last_failed_run_id,
  s.last_termination_code,
  s.last_success_time,
  s.last_success_time IS NOT NULL AS has_succeeded,
  COALESCE(p.running_runs, 0) AS running_runs
FROM streaks AS s
LEFT JOIN in_progress AS p ON p.workspace_id = s.workspace_id AND p.job_id = s.job_id
LEFT JOIN monitor.jobs AS j ON j.workspace_id = s.workspace_id AND j.job_id = s.job_id
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = s.workspace_id AND t.job_id = s.job_id
WHERE NOT COALESCE(j.is_deleted, FALSE)
ORDER BY s.streak_length DESC, s.failing_since, s.workspace_id, s.job_id
