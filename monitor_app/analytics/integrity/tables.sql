-- The tables our jobs write (monitor.table_writes in the window, and JOB lineage targets), one row each:
-- the latest write with its baseline, the writer jobs (names), the tables those writes read (lineage), and
-- the latest column snapshot's size. integrity.tables_written adds the flags and drift counts.
WITH writes AS (
  SELECT w.*, j.name AS job_name, COALESCE(jt.team, 'unattributed') AS team
  FROM monitor.table_writes AS w
  LEFT JOIN monitor.jobs AS j
    ON j.workspace_id = w.workspace_id AND j.job_id = w.job_id
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = w.workspace_id AND jt.job_id = w.job_id
  WHERE w.commit_time >= :start_time
    AND w.commit_time < :end_time
    AND (:workspace_id IS NULL OR w.workspace_id = :workspace_id)
    AND (:job_id IS NULL OR w.job_id = :job_id)
    AND (:team IS NULL OR COALESCE(jt.team, 'unattributed') = :team)
),

latest AS (
  SELECT
    table_full_name,
    count(*) AS writes,
    max(commit_time) AS last_write_time,
    max_by(rows_written, commit_time) AS last_rows_written,
    max_by(baseline_rows, commit_time) AS last_baseline_rows,
    max_by(job_run_id, commit_time) AS last_job_run_id,
    max_by(workspace_id, commit_time) AS workspace_id,
    max_by(job_id, commit_time) AS job_id,
    max_by(job_name, commit_time) AS job_name,
    max_by(team, commit_time) AS team,
    array_sort(collect_set(job_name)) AS writer_jobs
  FROM writes
  GROUP BY table_full_name
),

sources AS (
  SELECT l.target_table_full_name AS table_full_name, array_sort(collect_set(l.source_table_full_name)) AS source_tables
  FROM system.access.table_lineage AS l
  WHERE l.entity_type = 'JOB'
    AND l.event_time >= :start_time
    AND l.event_time < :end_time
    AND l.target_table_full_name IS NOT NULL
    AND l.source_table_full_name IS NOT NULL
    AND l.target_table_full_name IN (SELECT table_full_name FROM latest)
  GROUP BY l.target_table_full_name
),

snapshot_sizes AS (
  SELECT table_full_name, snapshot_time, count(*) AS columns
  FROM collected.column_snapshots
  WHERE table_full_name IN (SELECT table_full_name FROM latest)
  GROUP BY table_full_name, snapshot_time
),

last_snapshots AS (
  SELECT table_full_name, max(snapshot_time) AS last_snapshot_time, max_by(columns, snapshot_time) AS columns
  FROM snapshot_sizes
  GROUP BY table_full_name
)

SELECT
  l.*,
  COALESCE(s.source_tables, array()) AS source_tables,
  c.last_snapshot_time,
  c.columns
FROM latest AS l
LEFT JOIN sources AS s ON s.table_full_name = l.table_full_name
LEFT JOIN last_snapshots AS c ON c.table_full_name = l.table_full_name
ORDER BY l.table_full_name
