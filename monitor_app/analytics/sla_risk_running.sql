-- SLA-03: runs in progress according to the job timeline (a run whose latest row has no result yet),
-- started in the window: the at-risk check's source when the Jobs API cannot be reached (an imported
-- workspace has no API at all).
SELECT
  h.workspace_id,
  h.job_id,
  h.run_id,
  h.start_time,
  h.queue_duration_seconds
FROM monitor.run_health AS h
WHERE h.outcome = 'running'
  AND h.start_time >= :start_time
  AND h.start_time < :end_time
  AND {{ in_scope(workspace_id=h.workspace_id, job_id=h.job_id) }}
ORDER BY h.start_time, h.run_id
