-- Incremental refresh: removes the task_runs rows of the keys in scope before task_runs.sql re-inserts them
-- (data/refresh.py runs both in one transaction).
DELETE FROM monitor.task_runs AS t WHERE EXISTS (SELECT 1 FROM monitor.refresh_scope_task_runs AS s WHERE s.workspace_id = t.workspace_id AND s.job_run_id = t.job_run_id)
