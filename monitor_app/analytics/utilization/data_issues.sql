-- What the utilization numbers rest on, counted: the node timeline's unusable rows (refresh's
-- monitor.node_timeline_issues) and, over the window's runs, repeated minutes, thin coverage, shared
-- all-purpose clusters and runs without node data.
WITH window_runs AS (
  SELECT workspace_id, run_id, status, coverage, duplicate_rows
  FROM monitor.run_utilization
  WHERE start_time >= :start_time AND start_time < :end_time
    AND {{ in_scope(workspace_id=workspace_id, job_id=job_id) }}
),

run_issues AS (
  SELECT workspace_id, run_id, 'runs_with_repeated_node_minutes' AS kind, duplicate_rows AS rows_affected
  FROM window_runs
  WHERE duplicate_rows > 0
  UNION ALL
  SELECT workspace_id, run_id, 'runs_with_missing_node_minutes' AS kind, CAST(NULL AS BIGINT) AS rows_affected
  FROM window_runs
  WHERE status = 'measured' AND coverage < 0.9
  UNION ALL
  SELECT workspace_id, run_id, concat('runs_', status) AS kind, CAST(NULL AS BIGINT) AS rows_affected
  FROM window_runs
  WHERE status <> 'measured'
)

SELECT workspace_id, kind, clusters AS items, node_rows, example_cluster_ids AS examples
FROM monitor.node_timeline_issues
WHERE {{ in_scope(workspace_id=workspace_id) }}
UNION ALL
SELECT workspace_id, kind, CAST(count(*) AS BIGINT) AS items, CAST(sum(rows_affected) AS BIGINT) AS node_rows,
  slice(array_sort(collect_list(run_id)), 1, 5) AS examples
FROM run_issues
GROUP BY workspace_id, kind
ORDER BY workspace_id, kind
