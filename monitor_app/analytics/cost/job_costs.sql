-- Cost of each job over the window: runs, DBUs and list-price $ (net of corrections), $ per costed run.
-- Runs are the job's runs that started in the window (timeline), plus runs billing knows but the timeline
-- does not (yet); costed runs are those with billing rows (monitor.run_spend has one row per run of either,
-- keyed by (workspace_id, run_id), so counting rows per job counts distinct runs). A job's team is per job:
-- the runs are summed per job first, then the team is joined (and filtered).
WITH per_job AS (
  SELECT
    r.workspace_id,
    r.job_id,
    COUNT(*) AS runs,
    COUNT(CASE WHEN r.is_costed THEN 1 END) AS costed_runs,
    COALESCE(SUM(r.dbus), 0) AS dbus,
    COALESCE(SUM(r.list_cost_usd), 0) AS list_cost_usd,
    COALESCE(SUM(r.retracted_dbus), 0) AS retracted_dbus,
    COALESCE(SUM(r.restated_dbus), 0) AS restated_dbus,
    COALESCE(SUM(r.unpriced_dbus), 0) AS unpriced_dbus,
    MIN(r.start_time) AS first_run_time,
    MAX(r.start_time) AS last_run_time
  FROM monitor.run_spend AS r
  WHERE r.start_time >= :start_time
    AND r.start_time < :end_time
    AND {{ in_scope(workspace_id=r.workspace_id, job_id=r.job_id) }}
  GROUP BY r.workspace_id, r.job_id
)
SELECT
  p.workspace_id,
  p.job_id,
  j.name AS job_name,
  {{ team_of(jt.team) }} AS team,
  p.runs,
  p.costed_runs,
  p.dbus,
  p.list_cost_usd,
  CASE WHEN p.costed_runs > 0 THEN CAST(p.list_cost_usd AS DOUBLE) / p.costed_runs END AS list_cost_usd_per_run,
  CASE WHEN p.costed_runs > 0 THEN CAST(p.dbus AS DOUBLE) / p.costed_runs END AS dbus_per_run,
  p.retracted_dbus,
  p.restated_dbus,
  p.unpriced_dbus,
  p.first_run_time,
  p.last_run_time
FROM per_job AS p
LEFT JOIN monitor.job_teams AS jt
  ON jt.workspace_id = p.workspace_id AND jt.job_id = p.job_id
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = p.workspace_id AND j.job_id = p.job_id
WHERE {{ in_scope(team=jt.team) }}
ORDER BY p.list_cost_usd DESC, p.dbus DESC, p.workspace_id, p.job_id
