-- Tables the app collects itself because system tables lack them. On a workspace they are filled from
-- DESCRIBE HISTORY (table_history) and system.information_schema.columns snapshots (column_snapshots);
-- in the demo the simulator fills them. They live in the `collected` schema beside the system tables.

CREATE TABLE collected.table_history (
  table_full_name STRING, version BIGINT, commit_time TIMESTAMP, operation STRING,
  rows_written BIGINT, job_id STRING, job_run_id STRING, workspace_id STRING
);

CREATE TABLE collected.column_snapshots (
  table_full_name STRING, snapshot_time TIMESTAMP, column_name STRING, full_data_type STRING,
  is_nullable BOOLEAN, ordinal_position INT
);

-- One row per collection attempt of a table (data/integrity_collect.py): what was read, or why it could
-- not be (a table the principal cannot read is listed with the reason, never fails the refresh).
CREATE TABLE collected.table_collection (
  table_full_name STRING, collected_at TIMESTAMP, status STRING, reason STRING, last_version BIGINT,
  versions_added BIGINT, columns_seen INT
);
