-- Spend per team per day or week (:grain 'day' | 'week'; weeks start on Monday, UTC), list price, by run
-- start time (monitor.run_spend, costed runs). Feeds the stacked spend-over-time chart.
WITH costed AS (
  SELECT
    {{ team_of(jt.team) }} AS team,
    r.start_time,
    r.run_id,
    r.dbus,
    r.list_cost_usd
  FROM monitor.run_spend AS r
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = r.workspace_id AND jt.job_id = r.billed_job_id
  WHERE r.is_costed
    AND r.start_time >= :start_time
    AND r.start_time < :end_time
    AND {{ in_scope(workspace_id=r.workspace_id, job_id=r.billed_job_id, team=jt.team) }}
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
