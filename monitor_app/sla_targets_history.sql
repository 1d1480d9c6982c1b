-- SLA-01: every version of every SLA target set in the app, newest last per job.
SELECT
  workspace_id,
  job_id,
  deadline_local_time,
  timezone_id,
  max_duration_seconds,
  set_by,
  set_at,
  is_active
FROM app_state.sla_targets
ORDER BY workspace_id, job_id, set_at
