-- What the integrity figures could not use, counted (never silently dropped), over the window:
--   history_rows_without_metrics : writes (monitor.table_writes: maintenance such as OPTIMIZE is none)
--     whose commits carry no row count (DESCRIBE HISTORY without operationMetrics); rows counts the commits.
--     Such writes are shown but never flagged, and no baseline counts them
--   snapshots_with_duplicate_columns : a column listed twice in one snapshot (taken once)
--   tables_no_longer_snapshotted : tables whose latest snapshot is older than the workspace's latest one
--     (dropped or renamed: a renamed table starts a history of its own under its new name)
--   tables_not_collected : tables whose latest collection attempt failed, with the reason
-- items counts tables; rows counts the rows concerned; examples are up to 5 table names.
WITH no_metrics AS (
  SELECT table_full_name, CAST(sum(commits) AS BIGINT) AS n
  FROM monitor.table_writes
  WHERE rows_written IS NULL
    AND commit_time >= :start_time AND commit_time < :end_time
    AND {{ in_scope(workspace_id=workspace_id, job_id=job_id) }}
  GROUP BY table_full_name
),

duplicates AS (
  SELECT table_full_name, count(*) AS n
  FROM (
    SELECT table_full_name, snapshot_time, column_name
    FROM collected.column_snapshots
    WHERE snapshot_time >= :start_time AND snapshot_time < :end_time
    GROUP BY table_full_name, snapshot_time, column_name
    HAVING count(*) > 1
  ) AS d
  GROUP BY table_full_name
),

last_snapshots AS (
  SELECT table_full_name, max(snapshot_time) AS last_snapshot
  FROM collected.column_snapshots
  GROUP BY table_full_name
),

gone AS (
  SELECT table_full_name, CAST(1 AS BIGINT) AS n
  FROM last_snapshots
  WHERE last_snapshot < (SELECT max(last_snapshot) FROM last_snapshots)
    AND last_snapshot >= :start_time
),

attempts AS (
  SELECT table_full_name, max_by(status, collected_at) AS status, max_by(reason, collected_at) AS reason
  FROM collected.table_collection
  GROUP BY table_full_name
),

issues AS (
  SELECT 'history_rows_without_metrics' AS kind, table_full_name, n, CAST(NULL AS STRING) AS reason FROM no_metrics
  UNION ALL
  SELECT 'snapshots_with_duplicate_columns', table_full_name, n, CAST(NULL AS STRING) FROM duplicates
  UNION ALL
  SELECT 'tables_no_longer_snapshotted', table_full_name, n, CAST(NULL AS STRING) FROM gone
  UNION ALL
  SELECT 'tables_not_collected', table_full_name, CAST(1 AS BIGINT), reason FROM attempts WHERE status <> 'ok'
)

SELECT
  kind,
  CAST(count(*) AS BIGINT) AS items,
  CAST(sum(n) AS BIGINT) AS rows,
  slice(array_sort(collect_list(table_full_name)), 1, 5) AS examples,
  slice(array_sort(collect_set(reason)), 1, 5) AS reasons
FROM issues
GROUP BY kind
ORDER BY kind
