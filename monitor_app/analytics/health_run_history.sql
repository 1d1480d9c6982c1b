-- The runs data/model/run_health.sql reads when a call's duration thresholds differ from the refresh's:
-- health.py runs that model inline over these rows instead of all of monitor.job_runs. They are the scoped
-- jobs' runs started in [:history_start, :end_time), :history_start being the window's start minus twice
-- the baseline days: a run's baseline pools the clean runs of the baseline days before it, and whether a
-- run is clean depends on the baseline days before that one, so no earlier run changes a verdict.
SELECT r.*
FROM monitor.job_runs AS r
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
WHERE r.start_time >= :history_start
  AND r.start_time < :end_time
  AND {{ in_scope(team=t.team, workspace_id=r.workspace_id, job_id=r.job_id) }}
