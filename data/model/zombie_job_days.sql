-- monitor.zombie_job_days: the daily rollup of monitor.run_spend (timeline runs) and
-- monitor.zombie_run_commits per job and UTC day of run start, so that zombie_jobs
-- (monitor_app/analytics/cost/zombie_jobs.sql) reads whole days of its window from here and only the runs
-- of its first and last day per run. kind:
--   'spend': one row per job and day: runs, last_run_time (latest start), dbus and list_cost_usd (sums of
--     the runs' net DBUs and list-price $, NULL when none has one); table_full_name, commits and
--     rows_written NULL;
--   'commit': one row per job, day and table committed to by the day's runs: commits, rows_written (sums;
--     rows_written NULL when no commit has a count); runs, last_run_time, dbus and list_cost_usd NULL.
-- The sums are of DECIMAL and integer columns: adding days gives exactly the sum over the runs. Runs
-- without a start time are left out (no window holds them). Rebuilt in full on every refresh, after
-- run_spend and zombie_run_commits; team attribution is not read here. Stored in run_date order.
WITH spend AS (
  SELECT
    'spend' AS kind,
    workspace_id,
    job_id,
    CAST(start_time AS DATE) AS run_date,
    CAST(NULL AS STRING) AS table_full_name,
    COUNT(*) AS runs,
    MAX(start_time) AS last_run_time,
    SUM(dbus) AS dbus,
    SUM(list_cost_usd) AS list_cost_usd,
    CAST(NULL AS BIGINT) AS commits,
    CAST(NULL AS BIGINT) AS rows_written
  FROM monitor.run_spend
  WHERE in_timeline AND start_time IS NOT NULL
  GROUP BY workspace_id, job_id, CAST(start_time AS DATE)
),

commits AS (
  SELECT
    'commit' AS kind,
    workspace_id,
    job_id,
    CAST(start_time AS DATE) AS run_date,
    table_full_name,
    CAST(NULL AS BIGINT) AS runs,
    CAST(NULL AS TIMESTAMP) AS last_run_time,
    CAST(NULL AS DECIMAL(38, 18)) AS dbus,
    CAST(NULL AS DECIMAL(38, 18)) AS list_cost_usd,
    CAST(SUM(commits) AS BIGINT) AS commits,
    CAST(SUM(rows_written) AS BIGINT) AS rows_written
  FROM monitor.zombie_run_commits
  WHERE start_time IS NOT NULL
  GROUP BY workspace_id, job_id, CAST(start_time AS DATE), table_full_name
)

SELECT
  kind, workspace_id, job_id, run_date, table_full_name, runs, last_run_time, dbus, list_cost_usd, commits,
  rows_written
FROM (
  SELECT * FROM spend
  UNION ALL
  SELECT * FROM commits
) AS days
ORDER BY run_date, kind, workspace_id, job_id
