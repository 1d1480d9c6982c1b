-- Jobs whose runs in the window ran on all-purpose compute: a compute id of the run is a cluster whose
-- latest system.compute.clusters row has cluster_source UI or API. Billing records such usage as
-- ALL_PURPOSE without a job id or job run id, so the cost of these runs cannot be attributed to the job.
WITH latest_clusters AS (
  SELECT workspace_id, cluster_id, cluster_name, cluster_source
  FROM (
    SELECT
      c.workspace_id,
      c.cluster_id,
      c.cluster_name,
      c.cluster_source,
      ROW_NUMBER() OVER (PARTITION BY c.workspace_id, c.cluster_id ORDER BY c.change_time DESC) AS rn
    FROM system.compute.clusters AS c
  ) AS ranked_clusters
  WHERE rn = 1
),
window_runs AS (
  SELECT jr.workspace_id, jr.job_id, jr.run_id, jr.start_time, jr.compute_ids
  FROM monitor.job_runs AS jr
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = jr.workspace_id AND jt.job_id = jr.job_id
  WHERE jr.start_time >= :start_time
    AND jr.start_time < :end_time
    AND (:workspace_id IS NULL OR jr.workspace_id = :workspace_id)
    AND (:job_id IS NULL OR jr.job_id = :job_id)
    AND (:team IS NULL OR COALESCE(jt.team, 'unattributed') = :team)
),
all_purpose_runs AS (
  SELECT DISTINCT wr.workspace_id, wr.job_id, wr.run_id, wr.start_time, lc.cluster_id
  FROM window_runs AS wr
  INNER JOIN latest_clusters AS lc
    ON lc.workspace_id = wr.workspace_id AND array_contains(wr.compute_ids, lc.cluster_id)
  WHERE lc.cluster_source IN ('UI', 'API')
),
per_job AS (
  SELECT
    workspace_id,
    job_id,
    COUNT(DISTINCT run_id) AS all_purpose_runs,
    array_sort(collect_set(cluster_id)) AS cluster_ids,
    MAX(start_time) AS last_run_time
  FROM all_purpose_runs
  GROUP BY workspace_id, job_id
),
run_counts AS (
  SELECT workspace_id, job_id, COUNT(DISTINCT run_id) AS runs
  FROM window_runs
  GROUP BY workspace_id, job_id
)
SELECT
  p.workspace_id,
  p.job_id,
  j.name AS job_name,
  COALESCE(jt.team, 'unattributed') AS team,
  rc.runs,
  p.all_purpose_runs,
  p.cluster_ids,
  p.last_run_time,
  'runs on all-purpose compute: billing records this usage as ALL_PURPOSE without the job, so its cost cannot be attributed to the job; move it to job compute'
    AS note
FROM per_job AS p
INNER JOIN run_counts AS rc
  ON rc.workspace_id = p.workspace_id AND rc.job_id = p.job_id
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = p.workspace_id AND j.job_id = p.job_id
LEFT JOIN monitor.job_teams AS jt
  ON jt.workspace_id = p.workspace_id AND jt.job_id = p.job_id
ORDER BY p.all_purpose_runs DESC, p.workspace_id, p.job_id
