-- What the utilization numbers rest on, counted: the node timeline's unusable rows (refresh's
-- monitor.node_timeline_issues) and, over the window's runs, repeated minutes, thin coverage, shared
-- all-purpose clusters and runs without node data.
SELECT workspace_id, kind, clusters AS items, node_rows, example_cluster_ids AS examples
FROM monitor.node_timeline_issues
WHERE (:workspace_id IS NULL OR workspace_id = :workspace_id)
UNION ALL
SELECT workspace_id, kind, CAST(count(*) AS BIGINT) AS items, CAST(sum(rows_affected) AS BIGINT) AS node_rows,
  slice(array_sort(collect_list(run_id)), 1, 5) AS examples
FROM (
  SELECT workspace_id, run_id, 'runs_with_repeated_node_minutes' AS kind, duplicate_rows AS rows_affected
  FROM monitor.run_utilization
  WHERE duplicate_rows > 0
    AND start_time >= :start_time AND start_time < :end_time
    AND (:workspace_id IS NULL OR workspace_id = :workspace_id)
    AND (:job_id IS NULL OR job_id = :job_id)
  UNION ALL
  SELECT workspace_id, run_id, 'runs_with_missing_node_minutes' AS kind, CAST(NULL AS BIGINT) AS rows_affected
  FROM monitor.run_utilization
  WHERE status = 'measured' AND coverage < 0.9
    AND start_time >= :start_time AND start_time < :end_time
    AND (:workspace_id IS NULL OR workspace_id = :workspace_id)
    AND (:job_id IS NULL OR job_id = :job_id)
  UNION ALL
  SELECT workspace_id, run_id, concat('runs_', status) AS kind, CAST(NULL AS BIGINT) AS rows_affected
  FROM monitor.run_utilization
  WHERE status <> 'measured'
    AND start_time >= :start_time AND start_time < :end_time
    AND (:workspace_id IS NULL OR workspace_id = :workspace_id)
    AND (:job_id IS NULL OR job_id = :job_id)
) AS runs
GROUP BY workspace_id, kind
ORDER BY workspace_id, kind
