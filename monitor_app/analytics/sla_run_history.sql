-- The runs data/model/run_health.sql reads when an SLA call's baseline days differ from the refresh's:
-- sla.py runs that model inline over these rows instead of all of monitor.job_runs, and reads its
-- prior_success_* columns (the median, p90 and count of the successful runs started in the baseline days
-- before each run). They are the target jobs' runs started in [:history_start, :end_time) (:job_keys as
-- sla_runs.sql reads it: 'workspace_id:job_id', or '*:job_id' for any workspace). A run started
-- before :start_time minus the baseline days (only the summary's previous window reads such runs, for
-- breaches that do not depend on the baseline) gets the part of its baseline after :history_start.
SELECT r.*
FROM monitor.job_runs AS r
WHERE r.start_time >= :history_start
  AND r.start_time < :end_time
  -- no CTE: an inlined query's CTEs are hoisted beside the host's, where two names could clash
  AND r.job_id IN (
    SELECT split_part(k.job_key, ':', 2) FROM (SELECT explode(split(:job_keys, ',')) AS job_key) AS k
  )
  AND {{ in_scope(workspace_id=r.workspace_id, job_id=r.job_id) }}
