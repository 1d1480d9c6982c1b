-- Jobs whose runs in the window ran on all-purpose compute: a compute id of the run is a cluster whose
-- latest system.compute.clusters row has cluster_source UI or API (monitor.run_spend.all_purpose_cluster_ids,
-- computed at refresh). Billing records such usage as ALL_PURPOSE without a job id or job run id, so the
-- cost of these runs cannot be attributed to the job. Runs are the timeline's (one row per run).
WITH per_job AS (
  SELECT
    r.workspace_id,
    r.job_id,
    COUNT(*) AS runs,
    COUNT(r.all_purpose_cluster_ids) AS all_purpose_runs,
    array_sort(array_distinct(flatten(collect_list(r.all_purpose_cluster_ids)))) AS cluster_ids,
    MAX(CASE WHEN r.all_purpose_cluster_ids IS NOT NULL THEN r.start_time END) AS last_run_time
  FROM monitor.run_spend AS r
  WHERE r.in_timeline
    AND r.start_time >= :start_time
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
  p.all_purpose_runs,
  p.cluster_ids,
  p.last_run_time,
  'runs on all-purpose compute: billing records this usage as ALL_PURPOSE without the job, so its cost cannot be attributed to the job; move it to job compute'
    AS note
FROM per_job AS p
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = p.workspace_id AND j.job_id = p.job_id
LEFT JOIN monitor.job_teams AS jt
  ON jt.workspace_id = p.workspace_id AND jt.job_id = p.job_id
WHERE p.all_purpose_runs > 0
  AND {{ in_scope(team=jt.team) }}
ORDER BY p.all_purpose_runs DESC, p.workspace_id, p.job_id
