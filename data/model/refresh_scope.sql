-- What an incremental refresh recomputes (scratch tables, dropped at the end of every refresh).
-- With :since NULL (full refresh) every scope is empty: the model SQL then runs with :full_refresh = TRUE.
--
-- refresh_scope_runs: job runs with a timeline slice ending at or after :since (new slices, new terminal
--   rows, repairs); each is recomputed from all of its slices.
-- refresh_scope_task_runs: job runs whose task runs are recomputed (attempt numbers need all task runs of
--   a job run): a task slice ending at or after :since, or the job run itself is in scope.
-- refresh_scope_costs: job runs with a JOBS usage row that ended at or after :since or was ingested on or
--   after :since's UTC date (:since_date): corrections (RETRACTION, RESTATEMENT) arrive late.
-- refresh_scope_days: the days whose monitor.job_daily rows are recomputed (filled by
--   refresh_scope_days.sql before and after the runs and costs are rewritten).
CREATE OR REPLACE TABLE monitor.refresh_scope_runs AS
SELECT DISTINCT workspace_id, run_id
FROM system.lakeflow.job_run_timeline
WHERE period_end_time >= :since;

CREATE OR REPLACE TABLE monitor.refresh_scope_task_runs AS
SELECT DISTINCT workspace_id, job_run_id
FROM (
  SELECT workspace_id, job_run_id
  FROM system.lakeflow.job_task_run_timeline
  WHERE period_end_time >= :since
  UNION ALL
  SELECT workspace_id, run_id AS job_run_id
  FROM monitor.refresh_scope_runs
) AS touched;

CREATE OR REPLACE TABLE monitor.refresh_scope_costs AS
SELECT DISTINCT workspace_id, usage_metadata.job_run_id AS run_id
FROM system.billing.usage
WHERE
  billing_origin_product = 'JOBS'
  AND usage_metadata.job_run_id IS NOT NULL
  AND (usage_end_time >= :since OR ingestion_date >= :since_date);

CREATE OR REPLACE TABLE monitor.refresh_scope_days (run_date DATE);
