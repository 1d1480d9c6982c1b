-- monitor.zombie_run_commits: the Delta commits of each job run, per table, so that zombie_jobs
-- (monitor_app/analytics/cost/zombie_jobs.sql) filters runs by start time instead of joining the whole
-- collected.table_history to the window's runs on every call. One row per timeline run (monitor.run_spend
-- with in_timeline) and table it committed to, with the run's job_id and start_time, stored in start_time
-- order (a window filter reads only the row groups of the window). A commit belongs to a run as in the live
-- reference query (tests/monitor_app/analytics/reference/zombie_jobs_exact.sql): same job_run_id, and same workspace unless the commit has none.
-- commits counts the commits, rows_written sums their rows (NULL when none has a count). Rebuilt in full on
-- every refresh; team attribution is not read here.
SELECT
  r.workspace_id,
  r.job_id,
  r.run_id,
  r.start_time,
  th.table_full_name,
  COUNT(*) AS commits,
  CAST(SUM(th.rows_written) AS BIGINT) AS rows_written
FROM monitor.run_spend AS r
INNER JOIN collected.table_history AS th
  ON th.job_run_id = r.run_id
  AND (th.workspace_id IS NULL OR th.workspace_id = r.workspace_id)
WHERE r.in_timeline
GROUP BY r.workspace_id, r.job_id, r.run_id, r.start_time, th.table_full_name
ORDER BY r.start_time, r.workspace_id, r.run_id, th.table_full_name
