-- The app's own state: settings users make in the app. Embedded: a DuckDB file apart from the
-- system-table data (rebuilding the demo keeps it). Workspace: Delta tables in the configured schema.
-- Every row records who set it and when. Rows are never updated in place: a change inserts a new
-- version, so nothing saved is ever lost and history can be shown.

CREATE TABLE IF NOT EXISTS app_state.sla_targets (
  workspace_id STRING, job_id STRING, deadline_local_time STRING, timezone_id STRING,
  max_duration_seconds BIGINT, set_by STRING, set_at TIMESTAMP, is_active BOOLEAN
);

CREATE TABLE IF NOT EXISTS app_state.team_rules (
  rule_name STRING, match_kind STRING, match_value STRING, team STRING, priority INT,
  set_by STRING, set_at TIMESTAMP, is_active BOOLEAN
);

CREATE TABLE IF NOT EXISTS app_state.settings (
  key STRING, value STRING, set_by STRING, set_at TIMESTAMP
);

-- COST-03: monthly budgets per team or per job, versioned like SLA targets (is_active = FALSE clears).
CREATE TABLE IF NOT EXISTS app_state.budgets (
  scope STRING, team STRING, workspace_id STRING, job_id STRING, monthly_usd DOUBLE,
  set_by STRING, set_at TIMESTAMP, is_active BOOLEAN
);

-- ALERT-01/02: the alert inbox. One row per alert (its current state, written by evaluations and by
-- users' actions); every change is also appended to alert_events with who and when, never updated.
CREATE TABLE IF NOT EXISTS app_state.alerts (
  id STRING, fingerprint STRING, rule STRING, category STRING, severity STRING, status STRING,
  title STRING, remediation STRING, evidence STRING, workspace_id STRING, team STRING, job_id STRING,
  job_name STRING, run_id STRING, table_full_name STRING, links STRING, first_seen TIMESTAMP,
  last_seen TIMESTAMP, occurrences BIGINT, acknowledged_by STRING, acknowledged_at TIMESTAMP,
  snoozed_until TIMESTAMP, snoozed_by STRING, resolved_at TIMESTAMP, resolved_by STRING, notes STRING,
  flapping BOOLEAN, reopened_at STRING
);

CREATE TABLE IF NOT EXISTS app_state.alert_events (
  alert_id STRING, event STRING, status STRING, severity STRING, actor STRING, at TIMESTAMP,
  until_time TIMESTAMP, note STRING, recorded_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS app_state.alert_evaluations (
  evaluated_at TIMESTAMP, as_of TIMESTAMP, rules STRING, firing BIGINT, opened BIGINT, reopened BIGINT,
  resolved BIGINT, seconds DOUBLE, problems STRING
);
