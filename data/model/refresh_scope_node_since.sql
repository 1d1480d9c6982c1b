-- The earliest start of the finished runs an incremental refresh rolls up again (run_utilization reads
-- the node timeline from there on); NULL when no run is in scope.
SELECT min(jr.start_time) AS node_since
FROM monitor.job_runs AS jr
INNER JOIN monitor.refresh_scope_runs AS s
  ON s.workspace_id = jr.workspace_id AND s.run_id = jr.run_id
WHERE jr.end_time IS NOT NULL
