-- monitor.run_utilization (CLUST-01): one row per finished job run that ran on a cluster, with the CPU and
-- memory of its driver and of its workers apart, over the run's own time window on its clusters.
--
-- Clusters: the run's compute ids (monitor.job_runs.compute_ids), each with its latest
-- system.compute.clusters row. A run on an all-purpose cluster (cluster_source UI or API) shares it with
-- whatever else ran there: status 'shared_all_purpose', no numbers (they would be a guess). A job cluster
-- with no node_timeline rows in the run's window: status 'no_node_data'. Otherwise 'measured'; a cluster
-- missing from system.compute.clusters is still measured from its node rows, with cluster_known FALSE.
--
-- Node rows: system.compute.node_timeline rows of those clusters whose start_time is in
-- [start of the run's first minute, end_time). Rows repeated for the same instance and minute (an
-- overlapping export) count once, with their values averaged; the repeats are counted in duplicate_rows.
-- Missing minutes show in coverage (driver minutes present / the minutes of the run's duration, which
-- leaves out the gap before a repair).
--
-- CPU busy = cpu_user_percent + cpu_system_percent. worker_low_share: the share of worker node-minutes with
-- both CPU and memory under 40 % (the over-provisioning signal). workers_seen: distinct worker instances
-- of the run's busiest cluster (an autoscaling cluster that scaled shows more than its minimum; a
-- replaced spot worker counts too).
--
-- Runs are keyed inside the query by xxhash64(workspace_id, run_id) so that the 8-byte key, not two strings,
-- travels with the millions of node rows (a 64-bit collision among a workspace's runs is negligible).
--
-- Scope: :full_refresh = TRUE rolls up every run; FALSE only the runs in monitor.refresh_scope_runs, and
-- reads only node rows from :node_since (the earliest start of those runs), so an incremental refresh
-- reads the new part of the node timeline, not all of it.
WITH runs AS (
  SELECT
    jr.workspace_id,
    jr.job_id,
    jr.run_id,
    xxhash64(jr.workspace_id, jr.run_id) AS run_key,
    jr.start_time,
    jr.end_time,
    jr.duration_seconds,
    jr.compute_ids
  FROM monitor.job_runs AS jr
  LEFT JOIN monitor.refresh_scope_runs AS s
    ON s.workspace_id = jr.workspace_id AND s.run_id = jr.run_id
  WHERE
    (:full_refresh OR s.run_id IS NOT NULL)
    AND jr.end_time IS NOT NULL
    AND jr.compute_ids IS NOT NULL
    AND size(jr.compute_ids) > 0
),

run_clusters AS (
  SELECT workspace_id, job_id, run_id, run_key, start_time, end_time, explode(compute_ids) AS cluster_id
  FROM runs
),

latest_clusters AS (
  SELECT
    c.workspace_id,
    c.cluster_id,
    max_by(c.cluster_source, c.change_time) AS cluster_source,
    max_by(c.driver_node_type, c.change_time) AS driver_node_type,
    max_by(c.worker_node_type, c.change_time) AS worker_node_type,
    max_by(c.worker_count, c.change_time) AS worker_count,
    max_by(c.min_autoscale_workers, c.change_time) AS min_autoscale_workers,
    max_by(c.max_autoscale_workers, c.change_time) AS max_autoscale_workers,
    max_by(c.dbr_version, c.change_time) AS dbr_version
  FROM system.compute.clusters AS c
  INNER JOIN (SELECT DISTINCT workspace_id, cluster_id FROM run_clusters) AS used
    ON used.workspace_id = c.workspace_id AND used.cluster_id = c.cluster_id
  GROUP BY c.workspace_id, c.cluster_id
),

classified AS (
  SELECT
    rc.*,
    lc.cluster_source,
    lc.cluster_source IS NOT NULL AS cluster_known,
    coalesce(lc.cluster_source IN ('UI', 'API'), FALSE) AS all_purpose,
    lc.driver_node_type,
    lc.worker_node_type,
    lc.worker_count,
    lc.min_autoscale_workers,
    lc.max_autoscale_workers,
    lc.dbr_version
  FROM run_clusters AS rc
  LEFT JOIN latest_clusters AS lc
    ON lc.workspace_id = rc.workspace_id AND lc.cluster_id = rc.cluster_id
),

-- the node rows of the runs' job clusters in the runs' windows, narrow (numbers only: this is the big one)
node_rows AS (
  SELECT
    c.run_key,
    xxhash64(c.cluster_id) AS cluster_key,
    xxhash64(n.instance_id) AS instance_key,
    n.driver,
    unix_micros(n.start_time) AS start_us,
    n.cpu_user_percent + n.cpu_system_percent AS cpu,
    n.mem_used_percent AS mem,
    n.mem_swap_percent AS swap,
    n.cpu_wait_percent AS cpu_wait
  FROM classified AS c
  INNER JOIN system.compute.node_timeline AS n
    ON n.workspace_id = c.workspace_id AND n.cluster_id = c.cluster_id
  WHERE
    NOT c.all_purpose
    AND (:full_refresh OR n.start_time >= :node_since)
    AND n.start_time >= date_trunc('MINUTE', c.start_time)
    AND n.start_time < c.end_time
),

-- per instance: its rows and the minutes they span; more rows than minutes means repeated minutes
instances AS (
  SELECT
    run_key,
    cluster_key,
    instance_key,
    driver,
    count(*) AS row_count,
    (max(start_us) - min(start_us)) / 60e6 + 1 AS span_minutes
  FROM node_rows
  GROUP BY run_key, cluster_key, instance_key, driver
),

repeated AS (
  SELECT run_key, instance_key
  FROM instances
  WHERE row_count > span_minutes
),

-- one row per instance and minute: rows of instances without repeats as they are (nearly all), the
-- others grouped per minute with their values averaged (the only ones that pay for a grouping)
node_minutes AS (
  SELECT r.run_key, r.driver, r.cpu, r.mem, r.swap, r.cpu_wait, 1 AS copies
  FROM node_rows AS r
  LEFT ANTI JOIN repeated AS d
    ON d.run_key = r.run_key AND d.instance_key = r.instance_key
  UNION ALL
  SELECT
    r.run_key,
    r.driver,
    avg(r.cpu) AS cpu,
    avg(r.mem) AS mem,
    avg(r.swap) AS swap,
    avg(r.cpu_wait) AS cpu_wait,
    count(*) AS copies
  FROM node_rows AS r
  INNER JOIN repeated AS d
    ON d.run_key = r.run_key AND d.instance_key = r.instance_key
  GROUP BY r.run_key, r.instance_key, r.driver, floor(r.start_us / 60e6)
),

-- the most workers one of the run's clusters had (a repaired run has one cluster per attempt)
workers AS (
  SELECT run_key, CAST(max(workers) AS BIGINT) AS workers_seen
  FROM (
    SELECT run_key, cluster_key, count(*) AS workers
    FROM instances
    WHERE NOT driver
    GROUP BY run_key, cluster_key
  ) AS per_cluster
  GROUP BY run_key
),

-- node types as the node rows name them, for clusters system.compute.clusters does not list
seen_types AS (
  SELECT
    c.run_key,
    max(n.node_type) FILTER (WHERE n.driver) AS driver_node_type,
    max(n.node_type) FILTER (WHERE NOT n.driver) AS worker_node_type
  FROM classified AS c
  INNER JOIN system.compute.node_timeline AS n
    ON n.workspace_id = c.workspace_id AND n.cluster_id = c.cluster_id
  WHERE
    NOT c.cluster_known
    AND n.start_time >= date_trunc('MINUTE', c.start_time)
    AND n.start_time < c.end_time
  GROUP BY c.run_key
),

nodes AS (
  SELECT
    run_key,
    CAST(count(*) AS BIGINT) AS node_minutes,
    CAST(count(*) FILTER (WHERE driver) AS BIGINT) AS driver_minutes,
    CAST(count(*) FILTER (WHERE NOT driver) AS BIGINT) AS worker_node_minutes,
    CAST(sum(copies - 1) AS BIGINT) AS duplicate_rows,
    avg(cpu) FILTER (WHERE driver) AS driver_cpu_avg_pct,
    percentile(cpu, 0.95) FILTER (WHERE driver) AS driver_cpu_p95_pct,
    avg(mem) FILTER (WHERE driver) AS driver_mem_avg_pct,
    max(mem) FILTER (WHERE driver) AS driver_mem_peak_pct,
    avg(swap) FILTER (WHERE driver) AS driver_swap_avg_pct,
    avg(cpu_wait) FILTER (WHERE driver) AS driver_cpu_wait_avg_pct,
    avg(cpu) FILTER (WHERE NOT driver) AS worker_cpu_avg_pct,
    percentile(cpu, 0.95) FILTER (WHERE NOT driver) AS worker_cpu_p95_pct,
    avg(mem) FILTER (WHERE NOT driver) AS worker_mem_avg_pct,
    max(mem) FILTER (WHERE NOT driver) AS worker_mem_peak_pct,
    avg(swap) FILTER (WHERE NOT driver) AS worker_swap_avg_pct,
    avg(cpu_wait) FILTER (WHERE NOT driver) AS worker_cpu_wait_avg_pct,
    avg(CASE WHEN cpu < 40 AND mem < 40 THEN 1.0 ELSE 0.0 END) FILTER (WHERE NOT driver) AS worker_low_share
  FROM node_minutes
  GROUP BY run_key
),

per_run AS (
  SELECT
    run_key,
    bool_or(all_purpose) AS on_all_purpose,
    bool_and(cluster_known) AS cluster_known,
    max(driver_node_type) AS driver_node_type,
    max(worker_node_type) AS worker_node_type,
    CAST(max(worker_count) AS BIGINT) AS worker_count,
    CAST(max(min_autoscale_workers) AS BIGINT) AS min_autoscale_workers,
    CAST(max(max_autoscale_workers) AS BIGINT) AS max_autoscale_workers,
    max(dbr_version) AS dbr_version
  FROM classified
  GROUP BY run_key
)

SELECT
  r.workspace_id,
  r.job_id,
  r.run_id,
  r.start_time,
  r.end_time,
  r.compute_ids AS cluster_ids,
  CASE
    WHEN c.on_all_purpose THEN 'shared_all_purpose'
    WHEN n.run_key IS NULL THEN 'no_node_data'
    ELSE 'measured'
  END AS status,
  c.cluster_known,
  coalesce(c.driver_node_type, t.driver_node_type) AS driver_node_type,
  coalesce(c.worker_node_type, t.worker_node_type) AS worker_node_type,
  c.worker_count,
  c.min_autoscale_workers,
  c.max_autoscale_workers,
  c.dbr_version,
  coalesce(w.workers_seen, CASE WHEN n.run_key IS NOT NULL THEN 0 END) AS workers_seen,
  n.node_minutes,
  n.driver_minutes,
  n.worker_node_minutes,
  n.duplicate_rows,
  CAST(
    least(
      1.0,
      n.driver_minutes
      / greatest(1.0, ceil(coalesce(r.duration_seconds, 0) / 60))
    ) AS DOUBLE
  ) AS coverage,
  CAST(n.driver_cpu_avg_pct AS DOUBLE) AS driver_cpu_avg_pct,
  CAST(n.driver_cpu_p95_pct AS DOUBLE) AS driver_cpu_p95_pct,
  CAST(n.driver_mem_avg_pct AS DOUBLE) AS driver_mem_avg_pct,
  CAST(n.driver_mem_peak_pct AS DOUBLE) AS driver_mem_peak_pct,
  CAST(n.driver_swap_avg_pct AS DOUBLE) AS driver_swap_avg_pct,
  CAST(n.driver_cpu_wait_avg_pct AS DOUBLE) AS driver_cpu_wait_avg_pct,
  CAST(n.worker_cpu_avg_pct AS DOUBLE) AS worker_cpu_avg_pct,
  CAST(n.worker_cpu_p95_pct AS DOUBLE) AS worker_cpu_p95_pct,
  CAST(n.worker_mem_avg_pct AS DOUBLE) AS worker_mem_avg_pct,
  CAST(n.worker_mem_peak_pct AS DOUBLE) AS worker_mem_peak_pct,
  CAST(n.worker_swap_avg_pct AS DOUBLE) AS worker_swap_avg_pct,
  CAST(n.worker_cpu_wait_avg_pct AS DOUBLE) AS worker_cpu_wait_avg_pct,
  CAST(n.worker_low_share AS DOUBLE) AS worker_low_share
FROM runs AS r
INNER JOIN per_run AS c
  ON c.run_key = r.run_key
LEFT JOIN nodes AS n
  ON n.run_key = r.run_key AND NOT c.on_all_purpose
LEFT JOIN workers AS w
  ON w.run_key = r.run_key AND NOT c.on_all_purpose
LEFT JOIN seen_types AS t
  ON t.run_key = r.run_key
ORDER BY r.start_time
