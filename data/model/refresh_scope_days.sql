-- Days touched by an incremental refresh: the run day of every job run in scope and the day its cost is
-- counted on in monitor.job_daily (the run day, or the first usage day while the run has no timeline row).
-- Run once before the scoped runs and costs are deleted (the days they were on) and once after they are
-- re-inserted (the days they are on now), so that a row moving to another day is removed from the old one.
INSERT INTO monitor.refresh_scope_days
WITH scoped_keys AS (
  SELECT workspace_id, run_id FROM monitor.refresh_scope_runs
  UNION
  SELECT workspace_id, run_id FROM monitor.refresh_scope_costs
),

run_days AS (
  SELECT r.run_date
  FROM monitor.job_runs AS r
  JOIN scoped_keys AS k ON k.workspace_id = r.workspace_id AND k.run_id = r.run_id
),

cost_days AS (
  SELECT COALESCE(r.run_date, CAST(c.usage_start_time AS DATE)) AS run_date
  FROM monitor.run_costs AS c
  JOIN scoped_keys AS k ON k.workspace_id = c.workspace_id AND k.run_id = c.run_id
  LEFT JOIN monitor.job_runs AS r ON r.workspace_id = c.workspace_id AND r.run_id = c.run_id
)

SELECT DISTINCT run_date
FROM (
  SELECT run_date FROM run_days
  UNION ALL
  SELECT run_date FROM cost_days
) AS touched
WHERE run_date IS NOT NULL
