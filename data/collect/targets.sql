-- The tables our jobs wrote from :since to :now (JOB lineage targets), each with its latest collection
-- attempt and the newest version already collected, the least recently collected first (never collected
-- first of all), at most :max_tables of them not collected since :recollect_before. The collector
-- (data/integrity_collect.py) reads their history and columns.
WITH written AS (
  SELECT
    target_table_full_name AS table_full_name,
    max_by(target_table_catalog, event_time) AS table_catalog,
    max_by(target_table_schema, event_time) AS table_schema,
    max_by(target_table_name, event_time) AS table_name,
    max_by(workspace_id, event_time) AS workspace_id
  FROM system.access.table_lineage
  WHERE entity_type = 'JOB'
    AND target_table_full_name IS NOT NULL
    AND event_time >= :since
    AND event_time < :now
  GROUP BY target_table_full_name
),

attempts AS (
  SELECT table_full_name, max(collected_at) AS last_collected_at
  FROM collected.table_collection
  GROUP BY table_full_name
),

versions AS (
  SELECT table_full_name, max(version) AS last_version
  FROM collected.table_history
  GROUP BY table_full_name
)

SELECT w.table_full_name, w.table_catalog, w.table_schema, w.table_name, w.workspace_id,
  a.last_collected_at, v.last_version
FROM written AS w
LEFT JOIN attempts AS a ON a.table_full_name = w.table_full_name
LEFT JOIN versions AS v ON v.table_full_name = w.table_full_name
WHERE a.last_collected_at IS NULL
  OR a.last_collected_at < :recollect_before
ORDER BY a.last_collected_at NULLS FIRST, w.table_full_name
LIMIT :max_tables
