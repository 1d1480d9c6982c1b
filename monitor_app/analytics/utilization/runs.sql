-- CLUST-01: utilization of each job run that started in the window (monitor.run_utilization, rolled up
-- at refresh), with the job's name and team and the run's list-price cost. Newest first, at most
-- :row_limit rows (picked before the cost is joined to them).
WITH picked AS (
  SELECT
    u.*,
    j.name AS job_name,
    {{ team_of(jt.team) }} AS team
  FROM monitor.run_utilization AS u
  LEFT JOIN monitor.jobs AS j
    ON j.workspace_id = u.workspace_id AND j.job_id = u.job_id
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = u.workspace_id AND jt.job_id = u.job_id
  WHERE u.start_time >= :start_time
    AND u.start_time < :end_time
    AND {{ in_scope(workspace_id=u.workspace_id, job_id=u.job_id, team=jt.team) }}
  ORDER BY u.start_time DESC, u.workspace_id, u.run_id
  LIMIT :row_limit
)
SELECT
  u.workspace_id,
  u.job_id,
  u.job_name,
  u.team,
  u.run_id,
  u.start_time,
  u.end_time,
  u.status,
  u.cluster_known,
  u.cluster_ids,
  u.driver_node_type,
  u.worker_node_type,
  u.worker_count,
  u.min_autoscale_workers,
  u.max_autoscale_workers,
  u.workers_seen,
  u.dbr_version,
  u.driver_cpu_avg_pct,
  u.driver_cpu_p95_pct,
  u.worker_cpu_avg_pct,
  u.worker_cpu_p95_pct,
  u.driver_mem_avg_pct,
  u.driver_mem_peak_pct,
  u.worker_mem_avg_pct,
  u.worker_mem_peak_pct,
  u.driver_swap_avg_pct,
  u.worker_swap_avg_pct,
  u.driver_cpu_wait_avg_pct,
  u.worker_cpu_wait_avg_pct,
  u.worker_low_share,
  u.node_minutes,
  u.driver_minutes,
  u.worker_node_minutes,
  u.duplicate_rows,
  u.coverage,
  CAST(s.list_cost_usd AS DOUBLE) AS list_cost_usd
FROM picked AS u
LEFT JOIN monitor.run_spend AS s
  ON s.workspace_id = u.workspace_id AND s.run_id = u.run_id
  AND s.start_time >= :start_time AND s.start_time < :end_time
ORDER BY u.start_time DESC, u.workspace_id, u.run_id
