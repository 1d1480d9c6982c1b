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
