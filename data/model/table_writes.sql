-- monitor.table_writes: each write to a table our jobs write (collected.table_history), with the row-count
-- baseline PIPE-01 compares it with, so that row_count_changes (monitor_app/analytics/integrity.py) only
-- filters one table by time. Rebuilt in full on every refresh (the baselines are window computations over
-- the whole collected history); team attribution is joined at query time.
--
-- A write is one job run's commits to one table (a run that DELETEs then INSERTs is one write; a commit
-- without a job run is a write of its own, keyed by its version). Maintenance operations that move no
-- data (OPTIMIZE, VACUUM, property and column changes) are not writes. rows_written sums the commits'
-- rows; it is NULL when no commit of the write has a row count (a history row without metrics: counted by
-- integrity_data_issues, never flagged, left out of every baseline).
--
-- Baseline (the shared definitions, "Data integrity"): the median of the table's previous writes with a
-- row count, the :integrity_baseline_writes (30) latest of them; the same UTC weekday's previous writes
-- (again the 30 latest) when at least :integrity_min_same_weekday_writes (4) exist, else all days.
-- prior_writes counts the previous writes with a row count (capped at the frame size: the minimum history
-- is read from it); prior_max_rows is the largest of them (a zero-row write "after a non-zero history" is
-- one whose prior_max_rows > 0). run_outcome is the job run's final outcome (monitor.job_runs), NULL when
-- the run is not in the timeline; next_commit_time is the table's next write (NULL: none), so "the latest
-- write before T" is the one committed before T whose next write is at or after T. Stored in commit_time order.
WITH commits AS (
  SELECT
    table_full_name,
    version,
    commit_time,
    operation,
    rows_written,
    job_id,
    job_run_id,
    workspace_id,
    COALESCE(job_run_id, concat('version ', CAST(version AS STRING))) AS write_key
  FROM collected.table_history
  WHERE table_full_name IS NOT NULL
    AND commit_time IS NOT NULL
    AND upper(COALESCE(operation, 'WRITE')) NOT IN (
      'OPTIMIZE', 'VACUUM START', 'VACUUM END', 'SET TBLPROPERTIES', 'UNSET TBLPROPERTIES', 'ADD COLUMNS',
      'CHANGE COLUMN', 'CHANGE COLUMNS', 'REPLACE COLUMNS', 'RENAME COLUMN', 'DROP COLUMNS', 'FSCK',
      'UPGRADE PROTOCOL', 'ADD CONSTRAINT', 'DROP CONSTRAINT', 'CREATE TABLE',
      'CLUSTER BY', 'ADD DELETION VECTORS TOMBSTONES', 'REORG', 'COMPUTE STATISTICS'
    )
),

writes AS (
  SELECT
    table_full_name,
    write_key,
    max(version) AS version,
    max(commit_time) AS commit_time,
    max_by(operation, version) AS operation,
    CAST(sum(rows_written) AS BIGINT) AS rows_written,
    count(*) AS commits,
    max(job_id) AS job_id,
    max(job_run_id) AS job_run_id,
    max(workspace_id) AS workspace_id
  FROM commits
  GROUP BY table_full_name, write_key
),

baselines AS (
  SELECT
    w.*,
    percentile(w.rows_written, 0.5) OVER all_days AS all_days_median,
    count(w.rows_written) OVER all_days AS all_days_writes,
    max(w.rows_written) OVER all_days AS prior_max_rows,
    lead(w.commit_time) OVER (PARTITION BY w.table_full_name ORDER BY w.commit_time, w.version) AS next_commit_time,
    percentile(w.rows_written, 0.5) OVER same_weekday AS weekday_median,
    count(w.rows_written) OVER same_weekday AS weekday_writes
  FROM writes AS w
  WINDOW
    all_days AS (
      PARTITION BY w.table_full_name
      ORDER BY w.commit_time, w.version
      ROWS BETWEEN :integrity_baseline_writes PRECEDING AND 1 PRECEDING
    ),
    same_weekday AS (
      PARTITION BY w.table_full_name, dayofweek(w.commit_time)
      ORDER BY w.commit_time, w.version
      ROWS BETWEEN :integrity_baseline_writes PRECEDING AND 1 PRECEDING
    )
)

SELECT
  b.table_full_name,
  b.workspace_id,
  b.job_id,
  b.job_run_id,
  b.version,
  b.commit_time,
  b.operation,
  b.commits,
  b.rows_written,
  CASE
    WHEN b.weekday_writes >= :integrity_min_same_weekday_writes THEN b.weekday_median
    WHEN b.all_days_writes > 0 THEN b.all_days_median
  END AS baseline_rows,
  CASE
    WHEN b.weekday_writes >= :integrity_min_same_weekday_writes THEN 'same_weekday'
    WHEN b.all_days_writes > 0 THEN 'all_days'
  END AS baseline_basis,
  CASE
    WHEN b.weekday_writes >= :integrity_min_same_weekday_writes THEN b.weekday_writes
    ELSE b.all_days_writes
  END AS baseline_writes,
  b.all_days_writes AS prior_writes,
  b.prior_max_rows,
  b.next_commit_time,
  r.outcome AS run_outcome
FROM baselines AS b
LEFT JOIN monitor.job_runs AS r
  ON r.run_id = b.job_run_id
  AND (b.workspace_id IS NULL OR r.workspace_id = b.workspace_id)
ORDER BY b.commit_time, b.table_full_name, b.version
