-- SLA-01: the job an SLA target is set for (does it exist, in which workspace, is it deleted, its schedule
-- time zone). :workspace_id NULL matches the job id in every workspace.
SELECT
  j.workspace_id,
  j.job_id,
  j.name,
  j.is_deleted,
  j.schedule_timezone
FROM monitor.jobs AS j
WHERE j.job_id = :job_id
  AND {{ in_scope(workspace_id=j.workspace_id) }}
ORDER BY j.workspace_id
