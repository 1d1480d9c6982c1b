-- Per table our jobs wrote in the window, the tables its writers read (JOB lineage): "which upstream to
-- check" in the integrity alerts' remediation.
SELECT l.target_table_full_name AS table_full_name, array_sort(collect_set(l.source_table_full_name)) AS source_tables
FROM system.access.table_lineage AS l
WHERE l.entity_type = 'JOB'
  AND l.event_time >= :start_time
  AND l.event_time < :end_time
  AND l.target_table_full_name IS NOT NULL
  AND l.source_table_full_name IS NOT NULL
  AND {{ in_scope(workspace_id=l.workspace_id) }}
GROUP BY l.target_table_full_name
