-- SLA-01: a new version of a job's SLA target (rows are never updated in place: is_active = FALSE clears).
INSERT INTO app_state.sla_targets (
  workspace_id, job_id, deadline_local_time, timezone_id, max_duration_seconds, set_by, set_at, is_active
)
VALUES (:workspace_id, :job_id, :deadline_local_time, :timezone_id, :max_duration_seconds, :set_by, :set_at, :is_active)
