-- Newest row of each source the app reads: how current the numbers on screen are.
SELECT 'job timeline' AS source, 'system.lakeflow.job_run_timeline' AS table_name,
  MAX(period_end_time) AS newest_time
FROM system.lakeflow.job_run_timeline
UNION ALL
SELECT 'billing', 'system.billing.usage', MAX(usage_end_time) FROM system.billing.usage
UNION ALL
SELECT 'node timeline', 'system.compute.node_timeline', MAX(end_time) FROM system.compute.node_timeline
UNION ALL
SELECT 'jobs', 'system.lakeflow.jobs', MAX(change_time) FROM system.lakeflow.jobs
