-- monitor.refresh_log: one row per relation and refresh, with the relation's row count after it.
CREATE TABLE IF NOT EXISTS monitor.refresh_log (
  refreshed_at TIMESTAMP, mode STRING, since TIMESTAMP, table_name STRING, row_count BIGINT
);

INSERT INTO monitor.refresh_log
SELECT
  CAST(:refreshed_at AS TIMESTAMP) AS refreshed_at,
  :mode AS mode,
  CAST(:since AS TIMESTAMP) AS since,
  counts.table_name,
  CAST(counts.row_count AS BIGINT) AS row_count
FROM (
  SELECT 'jobs' AS table_name, COUNT(*) AS row_count FROM monitor.jobs
  UNION ALL SELECT 'job_tasks', COUNT(*) FROM monitor.job_tasks
  UNION ALL SELECT 'job_teams', COUNT(*) FROM monitor.job_teams
  UNION ALL SELECT 'job_runs', COUNT(*) FROM monitor.job_runs
  UNION ALL SELECT 'task_runs', COUNT(*) FROM monitor.task_runs
  UNION ALL SELECT 'run_costs', COUNT(*) FROM monitor.run_costs
  UNION ALL SELECT 'job_daily', COUNT(*) FROM monitor.job_daily
  UNION ALL SELECT 'run_utilization', COUNT(*) FROM monitor.run_utilization
  UNION ALL SELECT 'run_health', COUNT(*) FROM monitor.run_health
  UNION ALL SELECT 'run_spend', COUNT(*) FROM monitor.run_spend
  UNION ALL SELECT 'task_spend', COUNT(*) FROM monitor.task_spend
  UNION ALL SELECT 'billing_jobs_usage', COUNT(*) FROM monitor.billing_jobs_usage
  UNION ALL SELECT 'zombie_run_commits', COUNT(*) FROM monitor.zombie_run_commits
  UNION ALL SELECT 'zombie_job_days', COUNT(*) FROM monitor.zombie_job_days
  UNION ALL SELECT 'zombie_table_days', COUNT(*) FROM monitor.zombie_table_days
  UNION ALL SELECT 'node_timeline_issues', COUNT(*) FROM monitor.node_timeline_issues
  UNION ALL SELECT 'table_writes', COUNT(*) FROM monitor.table_writes
  UNION ALL SELECT 'schema_changes', COUNT(*) FROM monitor.schema_changes
) AS counts;
