-- The job run timeline data/model/run_health.sql reads when an SLA call's baseline days differ from the
-- refresh's (see sla_run_history.sql): only the target jobs' rows ending since :history_start.
SELECT t.*
FROM system.lakeflow.job_run_timeline AS t
WHERE t.period_end_time >= :history_start
  AND t.job_id IN (
    SELECT split_part(k.job_key, ':', 2) FROM (SELECT explode(split(:job_keys, ',')) AS job_key) AS k
  )
