-- monitor.job_daily: per job and UTC day of run start (monitor.job_runs.run_date), run counts by outcome,
-- p50/p90 duration of the successful runs, and the net DBUs and list-price $ of those runs
-- (monitor.run_costs). Billing that arrives before its run's timeline rows (or for a run no longer in the
-- timeline) is dated by the day of its first usage. dbus and list_cost_usd are NULL when no billing row
-- exists for the job that day (jobs on all-purpose compute cannot be costed); "running" counts runs with
-- no terminal row yet; runs with an outcome of "other" count only in "runs".
--
-- Scope: :full_refresh = TRUE computes every day; FALSE only the days in monitor.refresh_scope_days (the
-- days touched by an incremental refresh, before and after it, see refresh_scope_days.sql).
WITH run_rows AS (
  SELECT
    workspace_id,
    job_id,
    run_date,
    1 AS is_run,
    outcome,
    duration_seconds,
    CAST(NULL AS DECIMAL(38, 18)) AS dbus,
    CAST(NULL AS DECIMAL(38, 18)) AS list_cost_usd
  FROM monitor.job_runs
),

cost_rows AS (
  SELECT
    c.workspace_id,
    COALESCE(r.job_id, c.job_id) AS job_id,
    COALESCE(r.run_date, CAST(c.usage_start_time AS DATE)) AS run_date,
    0 AS is_run,
    CAST(NULL AS STRING) AS outcome,
    CAST(NULL AS DOUBLE) AS duration_seconds,
    c.dbus,
    c.list_cost_usd
  FROM monitor.run_costs AS c
  LEFT JOIN monitor.job_runs AS r
    ON r.workspace_id = c.workspace_id AND r.run_id = c.run_id
),

day_rows AS (
  SELECT * FROM run_rows
  UNION ALL
  SELECT * FROM cost_rows
)

SELECT
  workspace_id,
  job_id,
  run_date,
  CAST(SUM(is_run) AS BIGINT) AS runs,
  CAST(SUM(CASE WHEN outcome = 'success' THEN 1 ELSE 0 END) AS BIGINT) AS succeeded,
  CAST(SUM(CASE WHEN outcome = 'failure' THEN 1 ELSE 0 END) AS BIGINT) AS failed,
  CAST(SUM(CASE WHEN outcome = 'cancelled' THEN 1 ELSE 0 END) AS BIGINT) AS cancelled,
  CAST(SUM(CASE WHEN outcome = 'skipped' THEN 1 ELSE 0 END) AS BIGINT) AS skipped,
  CAST(SUM(CASE WHEN outcome = 'running' THEN 1 ELSE 0 END) AS BIGINT) AS running,
  CAST(percentile(duration_seconds, 0.5) FILTER (WHERE outcome = 'success') AS DOUBLE) AS p50_duration_seconds,
  CAST(percentile(duration_seconds, 0.9) FILTER (WHERE outcome = 'success') AS DOUBLE) AS p90_duration_seconds,
  CAST(SUM(dbus) AS DECIMAL(38, 18)) AS dbus,
  CAST(SUM(list_cost_usd) AS DECIMAL(38, 18)) AS list_cost_usd
FROM day_rows
WHERE :full_refresh OR run_date IN (SELECT run_date FROM monitor.refresh_scope_days)
GROUP BY workspace_id, job_id, run_date
