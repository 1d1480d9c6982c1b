-- monitor.zombie_table_days: who wrote, read or committed to each table, per UTC day, with the first and
-- last event time of the day, so that zombie_jobs (monitor_app/analytics/cost/zombie_jobs.sql) reads a few
-- rows per table and day instead of system.access.table_lineage and collected.table_history on every call.
-- kind:
--   'write': a JOB lineage row with a target table (system.access.table_lineage): table_full_name is the
--     target, workspace_id and entity_id the job (entity_type 'JOB');
--   'read': a lineage row with a source table: table_full_name is the source, workspace_id, entity_type and
--     entity_id as in the row (NULL kept), reader the reader key of the live query
--     (entity_type:entity_id, else created_by, statement_id, record_id);
--   'commit': a collected.table_history commit (workspace_id, entity_type, entity_id and reader NULL).
-- Exact for any window of at least one day: a day then overlaps the window in full, in a prefix or in a
-- suffix, so the day has an event in the window iff its first or its last event time is in the window.
-- Rows with a NULL time are left out (no window holds them). Rebuilt in full on every refresh; team
-- attribution is not read here. Stored in event_date order.
WITH lineage AS (
  SELECT
    workspace_id,
    entity_type,
    entity_id,
    source_table_full_name,
    target_table_full_name,
    created_by,
    statement_id,
    record_id,
    event_time,
    CAST(event_time AS DATE) AS event_date
  FROM system.access.table_lineage
  WHERE event_time IS NOT NULL
),

facts AS (
  SELECT
    'write' AS kind,
    target_table_full_name AS table_full_name,
    workspace_id,
    entity_type,
    entity_id,
    CAST(NULL AS STRING) AS reader,
    event_date,
    MIN(event_time) AS first_time,
    MAX(event_time) AS last_time
  FROM lineage
  WHERE entity_type = 'JOB' AND target_table_full_name IS NOT NULL
  GROUP BY target_table_full_name, workspace_id, entity_type, entity_id, event_date
  UNION ALL
  SELECT
    'read' AS kind,
    source_table_full_name AS table_full_name,
    workspace_id,
    entity_type,
    entity_id,
    CONCAT(
      COALESCE(entity_type, ''), ':', COALESCE(entity_id, created_by, statement_id, record_id, '')
    ) AS reader,
    event_date,
    MIN(event_time) AS first_time,
    MAX(event_time) AS last_time
  FROM lineage
  WHERE source_table_full_name IS NOT NULL
  GROUP BY
    source_table_full_name,
    workspace_id,
    entity_type,
    entity_id,
    CONCAT(COALESCE(entity_type, ''), ':', COALESCE(entity_id, created_by, statement_id, record_id, '')),
    event_date
  UNION ALL
  SELECT
    'commit' AS kind,
    table_full_name,
    CAST(NULL AS STRING) AS workspace_id,
    CAST(NULL AS STRING) AS entity_type,
    CAST(NULL AS STRING) AS entity_id,
    CAST(NULL AS STRING) AS reader,
    CAST(commit_time AS DATE) AS event_date,
    MIN(commit_time) AS first_time,
    MAX(commit_time) AS last_time
  FROM collected.table_history
  WHERE commit_time IS NOT NULL
  GROUP BY table_full_name, CAST(commit_time AS DATE)
)

SELECT kind, table_full_name, workspace_id, entity_type, entity_id, reader, event_date, first_time, last_time
FROM facts
ORDER BY kind, event_date, table_full_name
