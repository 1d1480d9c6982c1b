-- monitor.schema_changes: every column change between two consecutive snapshots of a table's columns
-- (collected.column_snapshots), PIPE-02, with the write that next touched the table. Rebuilt in full on
-- every refresh; schema_drift (monitor_app/analytics/integrity.py) filters it by time.
--
-- A snapshot is compared with the table's previous one only (a table missing from later snapshots was
-- dropped or renamed: it yields no "removed" rows, integrity_data_issues counts it). Snapshots are
-- fingerprinted (a sum of per-column hashes of name, type and nullability) and only the pairs whose
-- fingerprints differ are joined column by column. A column listed twice in one snapshot is taken once
-- (its smallest type; nullable if either row is) and counted by integrity_data_issues.
--   change: added | removed | type_changed | nullability_changed (a column whose type and nullability
--   both changed gives two rows)
--   detected_at: the snapshot in which the change first appeared; previous_snapshot_time: the one before
--   job_id, job_run_id, workspace_id, version: the table's first write after the previous snapshot
--   (the write that most likely made the change: the version to compare with version - 1), NULL when
--   no write is collected since.
WITH columns AS (
  SELECT
    table_full_name,
    snapshot_time,
    column_name,
    min(full_data_type) AS full_data_type,
    bool_or(COALESCE(is_nullable, TRUE)) AS is_nullable
  FROM collected.column_snapshots
  WHERE table_full_name IS NOT NULL AND snapshot_time IS NOT NULL AND column_name IS NOT NULL
  GROUP BY table_full_name, snapshot_time, column_name
),

snapshots AS (
  SELECT
    table_full_name,
    snapshot_time,
    sum(CAST(xxhash64(column_name, COALESCE(full_data_type, ''), is_nullable) AS DECIMAL(38, 0))) AS fingerprint
  FROM columns
  GROUP BY table_full_name, snapshot_time
),

ordered AS (
  SELECT
    table_full_name,
    snapshot_time,
    fingerprint,
    lag(snapshot_time) OVER (PARTITION BY table_full_name ORDER BY snapshot_time) AS previous_snapshot_time,
    lag(fingerprint) OVER (PARTITION BY table_full_name ORDER BY snapshot_time) AS previous_fingerprint
  FROM snapshots
),

changed AS (
  SELECT table_full_name, snapshot_time, previous_snapshot_time
  FROM ordered
  WHERE previous_snapshot_time IS NOT NULL AND fingerprint <> previous_fingerprint
),

-- the previous snapshot's columns against the new one's: removed, retyped and nullability changes
pairs AS (
  SELECT
    ch.table_full_name,
    ch.snapshot_time AS detected_at,
    ch.previous_snapshot_time,
    o.column_name,
    o.full_data_type AS old_type,
    n.full_data_type AS new_type,
    o.is_nullable AS old_nullable,
    n.is_nullable AS new_nullable,
    n.column_name IS NOT NULL AS still_there
  FROM changed AS ch
  INNER JOIN columns AS o
    ON o.table_full_name = ch.table_full_name AND o.snapshot_time = ch.previous_snapshot_time
  LEFT JOIN columns AS n
    ON n.table_full_name = ch.table_full_name AND n.snapshot_time = ch.snapshot_time
    AND n.column_name = o.column_name
),

-- the new snapshot's columns the previous one did not have
added AS (
  SELECT
    ch.table_full_name,
    ch.snapshot_time AS detected_at,
    ch.previous_snapshot_time,
    n.column_name,
    CAST(NULL AS STRING) AS old_type,
    n.full_data_type AS new_type,
    CAST(NULL AS BOOLEAN) AS old_nullable,
    n.is_nullable AS new_nullable
  FROM changed AS ch
  INNER JOIN columns AS n
    ON n.table_full_name = ch.table_full_name AND n.snapshot_time = ch.snapshot_time
  LEFT JOIN columns AS o
    ON o.table_full_name = ch.table_full_name AND o.snapshot_time = ch.previous_snapshot_time
    AND o.column_name = n.column_name
  WHERE o.column_name IS NULL
),

changes AS (
  SELECT table_full_name, detected_at, previous_snapshot_time, column_name, old_type,
    CAST(NULL AS STRING) AS new_type, old_nullable, CAST(NULL AS BOOLEAN) AS new_nullable, 'removed' AS change
  FROM pairs
  WHERE NOT still_there
  UNION ALL
  SELECT table_full_name, detected_at, previous_snapshot_time, column_name, old_type, new_type, old_nullable,
    new_nullable, 'type_changed' AS change
  FROM pairs
  WHERE still_there AND COALESCE(old_type, '') <> COALESCE(new_type, '')
  UNION ALL
  SELECT table_full_name, detected_at, previous_snapshot_time, column_name, old_type, new_type, old_nullable,
    new_nullable, 'nullability_changed' AS change
  FROM pairs
  WHERE still_there AND old_nullable <> new_nullable
  UNION ALL
  SELECT table_full_name, detected_at, previous_snapshot_time, column_name, old_type, new_type, old_nullable,
    new_nullable, 'added' AS change
  FROM added
),

writers AS (
  SELECT
    c.table_full_name,
    c.previous_snapshot_time,
    min_by(named_struct('job_id', h.job_id, 'job_run_id', h.job_run_id, 'workspace_id', h.workspace_id,
      'version', h.version, 'commit_time', h.commit_time), h.commit_time) AS w
  FROM (SELECT DISTINCT table_full_name, previous_snapshot_time FROM changed) AS c
  INNER JOIN collected.table_history AS h
    ON h.table_full_name = c.table_full_name AND h.commit_time > c.previous_snapshot_time
  GROUP BY c.table_full_name, c.previous_snapshot_time
)

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
  w.w.workspace_id AS workspace_id,
  w.w.job_id AS job_id,
  w.w.job_run_id AS job_run_id,
  w.w.version AS version,
  w.w.commit_time AS write_time
FROM changes AS c
LEFT JOIN writers AS w
  ON w.table_full_name = c.table_full_name AND w.previous_snapshot_time = c.previous_snapshot_time
ORDER BY c.detected_at, c.table_full_name, c.column_name, c.change
