-- ALERT-01: every alert of the inbox, in its current state (monitor_app/alerts/inbox.py reads them all: a
-- workspace has hundreds, not millions, and the lifecycle is decided in Python).
SELECT
  id, fingerprint, rule, category, severity, status, title, remediation, evidence, workspace_id, team,
  job_id, job_name, run_id, table_full_name, links, first_seen, last_seen, occurrences, acknowledged_by,
  acknowledged_at, snoozed_until, snoozed_by, resolved_at, resolved_by, notes, flapping, reopened_at
FROM app_state.alerts
