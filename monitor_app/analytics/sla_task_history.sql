-- The task runs data/model/run_health.sql reads when an SLA call's baseline days differ from the
-- refresh's (see sla_run_history.sql): only the target jobs' task runs started since :history_start, so
-- the retry facts the SLA check does not read cost little instead of a pass over every task run.
SELECT tr.*
FROM monitor.task_runs AS tr
WHERE tr.start_time >= :history_start
  AND tr.job_id IN (
    SELECT split_part(k.job_key, ':', 2) FROM (SELECT explode(split(:job_keys, ',')) AS job_key) AS k
  )
