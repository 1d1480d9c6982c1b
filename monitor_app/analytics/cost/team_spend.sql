-- Spend per team per day or week (:grain 'day' | 'week'; weeks start on Monday, UTC), list price, by run
-- start time. Feeds the stacked spend-over-time chart.
WITH costed AS (
  SELECT
    COALESCE(jt.team, 'unattributed') AS team,
    COALESCE(jr.start_time, rc.usage_start_time) AS start_time,
    rc.run_id,
    rc.dbus,
    rc.list_cost_usd
  FROM monitor.run_costs AS rc
  LEFT JOIN monitor.job_runs AS jr
    ON jr.workspace_id = rc.workspace_id AND jr.run_id = rc.run_id
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = rc.workspace_id AND jt.job_id = rc.job_id
  WHERE COALESCE(jr.start_time, rc.usage_start_time) >= :start_time
    AND COALESCE(jr.start_time, rc.usage_start_time) < :end_time
    AND (:workspace_id IS NULL OR rc.workspace_id = :workspace_id)
    AND (:job_id IS NULL OR rc.job_id = :job_id)
    AND (:team IS NULL OR COALESCE(jt.team, 'unattributed') = :team)
),
periods AS (
  SELECT
    CASE
      WHEN :grain = 'week' THEN CAST(date_trunc('WEEK', start_time) AS DATE)
      ELSE CAST(start_time AS DATE)
    END AS period_start,
    team,
    run_id,
    dbus,
    list_cost_usd
  FROM costed
)
SELECT
  period_start,
  team,
  COUNT(DISTINCT run_id) AS runs,
  SUM(dbus) AS dbus,
  SUM(list_cost_usd) AS list_cost_usd
FROM periods
GROUP BY period_start, team
ORDER BY period_start, team
