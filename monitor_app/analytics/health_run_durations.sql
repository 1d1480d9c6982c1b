-- JOB-03: every run in the window with its duration baseline and verdict, from the per-run facts of
-- monitor.run_health (data/model/run_health.sql: the baseline and verdict rules, written once). With the
-- default thresholds health.py reads the relation the refresh materialized; with others it reads the same
-- model run inline with the call's thresholds over the window's history (health_run_history.sql).
-- :kind selects the rows: 'all', 'regression' (warn and critical) or 'fast'. The newest :row_limit runs
-- (start_time descending, then workspace_id, run_id) are kept and returned in (workspace_id, job_id,
-- start_time, run_id) order.
WITH picked AS (
  SELECT
    h.workspace_id,
    h.job_id,
    h.run_name,
    {{ team_of(t.team) }} AS team,
    h.run_id,
    h.start_time,
    h.end_time,
    h.outcome,
    h.duration_seconds,
    h.baseline_median_seconds,
    h.baseline_p90_seconds,
    h.baseline_runs,
    h.baseline_basis,
    h.duration_status AS status,
    h.task_retries,
    h.repair_count
  FROM monitor.run_health AS h
  LEFT JOIN monitor.job_teams AS t ON t.workspace_id = h.workspace_id AND t.job_id = h.job_id
  WHERE h.start_time >= :start_time
    AND h.start_time < :end_time
    AND (
      :kind = 'all'
      OR (:kind = 'regression' AND h.duration_status IN ('warn', 'critical'))
      OR (:kind = 'fast' AND h.duration_status = 'fast')
    )
    AND {{ in_scope(team=t.team, workspace_id=h.workspace_id, job_id=h.job_id) }}
  ORDER BY h.start_time DESC, h.workspace_id, h.run_id
  LIMIT :row_limit
)
SELECT
  g.workspace_id,
  g.job_id,
  COALESCE(j.name, g.run_name, g.job_id) AS job_name,
  g.team,
  g.run_id,
  g.start_time,
  g.end_time,
  g.outcome,
  g.duration_seconds,
  g.baseline_median_seconds,
  g.baseline_p90_seconds,
  g.baseline_runs,
  g.baseline_basis,
  g.duration_seconds / NULLIF(g.baseline_median_seconds, 0) - 1 AS pct_over_median,
  CASE
    WHEN g.status = 'critical' THEN CAST(:critical_pct AS DOUBLE)
    WHEN g.status = 'warn' THEN CAST(:warn_pct AS DOUBLE)
    WHEN g.status = 'fast' THEN CAST(:fast_ratio AS DOUBLE) - 1
  END AS threshold_pct,
  g.status,
  g.task_retries,
  g.repair_count
FROM picked AS g
LEFT JOIN monitor.jobs AS j ON j.workspace_id = g.workspace_id AND j.job_id = g.job_id
ORDER BY g.workspace_id, g.job_id, g.start_time, g.run_id
