-- CLUST-02 inputs: per job with node data or an all-purpose run, its runs' utilization over the window. "Measured" runs are those with node
-- data on their own job clusters covering at least :min_coverage of the run's minutes; the averages are
-- over those runs (each run counts once). Cost is every run's list price in the window (run_spend). The
-- latest measured run gives the cluster's current shape (node types, size, autoscaling bounds, DBR).
WITH runs AS (
  SELECT
    u.*,
    u.status = 'measured' AND u.coverage >= :min_coverage AS counted
  FROM monitor.run_utilization AS u
  WHERE u.start_time >= :start_time
    AND u.start_time < :end_time
    AND {{ in_scope(workspace_id=u.workspace_id, job_id=u.job_id) }}
),

per_job AS (
  SELECT
    workspace_id,
    job_id,
    CAST(count(*) AS BIGINT) AS runs,
    CAST(count(*) FILTER (WHERE counted) AS BIGINT) AS measured_runs,
    CAST(count(*) FILTER (WHERE status = 'shared_all_purpose') AS BIGINT) AS all_purpose_runs,
    CAST(count(*) FILTER (WHERE status = 'no_node_data') AS BIGINT) AS no_node_data_runs,
    CAST(count(*) FILTER (WHERE status = 'measured' AND NOT counted) AS BIGINT) AS low_coverage_runs,
    CAST(count(*) FILTER (WHERE counted AND NOT cluster_known) AS BIGINT) AS unknown_cluster_runs,
    CAST(coalesce(sum(duplicate_rows), 0) AS BIGINT) AS duplicate_rows,
    avg(driver_cpu_avg_pct) FILTER (WHERE counted) AS driver_cpu_avg_pct,
    avg(driver_cpu_p95_pct) FILTER (WHERE counted) AS driver_cpu_p95_pct,
    avg(driver_mem_avg_pct) FILTER (WHERE counted) AS driver_mem_avg_pct,
    max(driver_mem_peak_pct) FILTER (WHERE counted) AS driver_mem_peak_pct,
    avg(worker_cpu_avg_pct) FILTER (WHERE counted) AS worker_cpu_avg_pct,
    avg(worker_cpu_p95_pct) FILTER (WHERE counted) AS worker_cpu_p95_pct,
    stddev_samp(worker_cpu_avg_pct) FILTER (WHERE counted) AS worker_cpu_run_stddev,
    avg(worker_mem_avg_pct) FILTER (WHERE counted) AS worker_mem_avg_pct,
    max(worker_mem_peak_pct) FILTER (WHERE counted) AS worker_mem_peak_pct,
    avg(worker_swap_avg_pct) FILTER (WHERE counted) AS worker_swap_avg_pct,
    avg(worker_cpu_wait_avg_pct) FILTER (WHERE counted) AS worker_cpu_wait_avg_pct,
    avg(worker_low_share) FILTER (WHERE counted) AS worker_low_share,
    sum(
      (coalesce(driver_cpu_avg_pct, 0) * driver_minutes + coalesce(worker_cpu_avg_pct, 0) * worker_node_minutes)
    ) FILTER (WHERE counted) / nullif(sum(node_minutes) FILTER (WHERE counted), 0) AS all_nodes_cpu_avg_pct,
    avg(workers_seen) FILTER (WHERE counted) AS workers_avg,
    max(workers_seen) FILTER (WHERE counted) AS workers_max,
    max_by(driver_node_type, start_time) AS driver_node_type,
    max_by(worker_node_type, start_time) AS worker_node_type,
    max_by(worker_count, start_time) AS worker_count,
    max_by(min_autoscale_workers, start_time) AS min_autoscale_workers,
    max_by(max_autoscale_workers, start_time) AS max_autoscale_workers,
    max_by(dbr_version, start_time) AS dbr_version
  FROM runs
  GROUP BY workspace_id, job_id
  -- a job none of whose runs has node data is left out (counted in utilization_data_issues instead)
  HAVING count(*) FILTER (WHERE status <> 'no_node_data') > 0
),

cost AS (
  SELECT s.workspace_id, s.job_id, CAST(sum(s.list_cost_usd) AS DOUBLE) AS list_cost_usd
  FROM monitor.run_spend AS s
  INNER JOIN (SELECT DISTINCT workspace_id, job_id FROM per_job) AS p
    ON p.workspace_id = s.workspace_id AND p.job_id = s.job_id
  WHERE s.in_timeline
    AND s.start_time >= :start_time
    AND s.start_time < :end_time
  GROUP BY s.workspace_id, s.job_id
)

SELECT
  p.workspace_id,
  p.job_id,
  j.name AS job_name,
  {{ team_of(jt.team) }} AS team,
  p.* EXCEPT (workspace_id, job_id),
  coalesce(c.list_cost_usd, 0) AS list_cost_usd
FROM per_job AS p
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = p.workspace_id AND j.job_id = p.job_id
LEFT JOIN monitor.job_teams AS jt
  ON jt.workspace_id = p.workspace_id AND jt.job_id = p.job_id
LEFT JOIN cost AS c
  ON c.workspace_id = p.workspace_id AND c.job_id = p.job_id
WHERE {{ in_scope(team=jt.team) }}
ORDER BY p.workspace_id, p.job_id
