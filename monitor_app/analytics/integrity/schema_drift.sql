-- PIPE-02: the column changes first seen in the window (monitor.schema_changes, from the refresh), with the
-- job that next wrote the table, its name, team and the run's outcome. Newest first, at most :row_limit rows.
SELECT
  c.table_full_name,
  c.column_name,
  c.change,
  c.old_type,
  c.new_type,
  c.old_nullable,
  c.new_nullable,
  c.detected_at,
  c.previous_snapshot_time,
  c.workspace_id,
  c.job_id,
  j.name AS job_name,
  {{ team_of(jt.team) }} AS team,
  c.job_run_id,
  r.outcome AS run_outcome,
  c.version,
  c.write_time
FROM monitor.schema_changes AS c
LEFT JOIN monitor.job_runs AS r
  ON r.workspace_id = c.workspace_id AND r.run_id = c.job_run_id
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = c.workspace_id AND j.job_id = c.job_id
LEFT JOIN monitor.job_teams AS jt
  ON jt.workspace_id = c.workspace_id AND jt.job_id = c.job_id
WHERE c.detected_at >= :start_time
  AND c.detected_at < :end_time
  AND {{ in_scope(workspace_id=c.workspace_id, job_id=c.job_id, team=jt.team) }}
ORDER BY c.detected_at DESC, c.table_full_name, c.column_name, c.change
LIMIT :row_limit
