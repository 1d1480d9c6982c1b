-- Runs, outcomes and list-price cost of each team per UTC day of the window (by run start time): the
-- overview's trend charts. Summed over the days it gives teams_summary's totals (same runs, same costs).
-- Days without a run have no row (the caller fills them with zeros).
SELECT
  t.team,
  CAST(r.start_time AS DATE) AS day,
  CAST(COUNT(*) AS BIGINT) AS runs,
  CAST(COUNT_IF(r.outcome = 'success') AS BIGINT) AS succeeded,
  CAST(COUNT_IF(r.outcome = 'failure') AS BIGINT) AS failed,
  CAST(COALESCE(SUM(c.list_cost_usd), 0) AS DOUBLE) AS list_cost_usd
FROM monitor.job_runs AS r
JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
LEFT JOIN monitor.run_costs AS c ON c.workspace_id = r.workspace_id AND c.run_id = r.run_id
WHERE r.start_time >= :start_time AND r.start_time < :end_time
  AND {{ in_scope(team=t.team, workspace_id=r.workspace_id, job_id=r.job_id) }}
GROUP BY t.team, CAST(r.start_time AS DATE)
ORDER BY day, t.team
