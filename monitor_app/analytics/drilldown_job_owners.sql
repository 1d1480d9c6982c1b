-- Who owns each job in scope: its creator and the identity it runs as (latest job version), for the
-- "who to ask" of an alert's remediation.
SELECT
  j.workspace_id,
  j.job_id,
  j.creator_user_name,
  COALESCE(j.run_as_user_name, j.creator_user_name) AS run_as_user_name
FROM monitor.jobs AS j
WHERE {{ in_scope(workspace_id=j.workspace_id, job_id=j.job_id) }}
