-- Runs and failed runs of each job in scope per UTC day of the window: the jobs table's sparklines.
-- Days without a run have no row (the caller fills them with zeros).
SELECT
  r.workspace_id,
  r.job_id,
  CAST(r.start_time AS DATE) AS day,
  CAST(COUNT(*) AS BIGINT) AS runs,
  CAST(COUNT_IF(r.outcome = 'failure') AS BIGINT) AS failed
FROM monitor.job_runs AS r
JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
WHERE r.start_time >= :start_time AND r.start_time < :end_time
  AND {{ in_scope(team=t.team, workspace_id=r.workspace_id, job_id=r.job_id) }}
GROUP BY r.workspace_id, r.job_id, CAST(r.start_time AS DATE)
ORDER BY r.workspace_id, r.job_id, day
