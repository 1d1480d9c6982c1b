-- monitor.node_timeline_issues: node timeline rows the utilization rollup cannot use as they are, per
-- workspace and kind, over the last 30 days of the node timeline (a bounded read at every refresh):
--   cluster_not_in_compute_clusters : node rows of a cluster system.compute.clusters does not list
--     (run_utilization still measures its runs, with cluster_known FALSE);
--   cluster_of_no_job_run : node rows of a job cluster that no job run's compute ids name (not counted);
--   node_type_not_in_node_types : node rows of a node type system.compute.node_types does not list (no
--     core count or memory: rightsizing estimates by node count and suggests no smaller type).
-- Repeated and missing minutes are per run: monitor.run_utilization.duplicate_rows and coverage.
WITH recent AS (
  SELECT workspace_id, cluster_id, node_type, count(*) AS node_rows
  FROM system.compute.node_timeline
  WHERE start_time >= (SELECT max(start_time) FROM system.compute.node_timeline) - INTERVAL 30 DAYS
  GROUP BY workspace_id, cluster_id, node_type
),

known_clusters AS (
  SELECT workspace_id, cluster_id, max_by(cluster_source, change_time) AS cluster_source
  FROM system.compute.clusters
  GROUP BY workspace_id, cluster_id
),

run_clusters AS (
  SELECT DISTINCT workspace_id, explode(compute_ids) AS cluster_id
  FROM monitor.job_runs
  WHERE compute_ids IS NOT NULL
),

flagged AS (
  SELECT r.workspace_id, r.cluster_id, r.node_rows, 'cluster_not_in_compute_clusters' AS kind
  FROM recent AS r
  LEFT ANTI JOIN known_clusters AS k ON k.workspace_id = r.workspace_id AND k.cluster_id = r.cluster_id
  UNION ALL
  SELECT r.workspace_id, r.cluster_id, r.node_rows, 'cluster_of_no_job_run' AS kind
  FROM recent AS r
  INNER JOIN known_clusters AS k ON k.workspace_id = r.workspace_id AND k.cluster_id = r.cluster_id
  LEFT ANTI JOIN run_clusters AS u ON u.workspace_id = r.workspace_id AND u.cluster_id = r.cluster_id
  WHERE k.cluster_source = 'JOB'
  UNION ALL
  SELECT r.workspace_id, r.cluster_id, r.node_rows, 'node_type_not_in_node_types' AS kind
  FROM recent AS r
  LEFT ANTI JOIN (SELECT DISTINCT node_type FROM system.compute.node_types) AS t ON t.node_type = r.node_type
)

SELECT
  workspace_id,
  kind,
  CAST(count(DISTINCT cluster_id) AS BIGINT) AS clusters,
  CAST(sum(node_rows) AS BIGINT) AS node_rows,
  slice(array_sort(collect_set(cluster_id)), 1, 5) AS example_cluster_ids
FROM flagged
GROUP BY workspace_id, kind
ORDER BY workspace_id, kind
